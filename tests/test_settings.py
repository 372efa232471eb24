"""Settings (issue 10): every CRITMIN_* variable is declared once, typed and checked
(critmin.settings.Environment); a bad value stops the start with a message naming it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from critmin import settings
from critmin.service_settings import ServiceSettings

PROJECT = Path(__file__).resolve().parents[1]
TEST_ONLY = {"CRITMIN_GATE_CASES"}  # read by tests/test_gate.py, not by critmin


def test_every_variable_the_code_and_readme_name_is_declared():
    texts = [p.read_text() for p in (PROJECT / "src").rglob("*.py")] + [(PROJECT / "README.md").read_text()]
    named = {m for text in texts for m in re.findall(r"CRITMIN_[A-Z_]+[A-Z]", text)} - TEST_ONLY
    declared = {f"CRITMIN_{name.upper()}" for name in settings.Environment.model_fields}
    assert named <= declared, sorted(named - declared)


@pytest.mark.parametrize(("name", "value", "says"), [
    ("CRITMIN_ROW_LIMIT", "many", "valid integer"),
    ("CRITMIN_QUERY_WORKERS", "0", "greater than 0"),
    ("CRITMIN_RATE_LIMIT", "-1", "greater than or equal to 0"),
    ("CRITMIN_METRICS", "everyone", "'off', 'loopback' or 'public'"),
    ("CRITMIN_REMOTE_TIMEOUT", "soon", "valid number"),
    ("CRITMIN_AUTO_PUBLISH", "perhaps", "valid boolean"),
])  # fmt: skip
def test_a_bad_value_names_the_variable(monkeypatch, name, value, says):
    monkeypatch.setenv(name, value)
    with pytest.raises(settings.SettingsError) as raised:
        ServiceSettings.from_environment()
    assert str(raised.value).startswith(f"{name}={value!r}") and says in str(raised.value)


def test_values_are_typed_and_empty_means_unset(monkeypatch):
    monkeypatch.setenv("CRITMIN_QUERY_TIMEOUT", "12.5")
    monkeypatch.setenv("CRITMIN_RATE_LIMIT_LOOPBACK", "off")
    monkeypatch.setenv("CRITMIN_ROW_LIMIT", "")
    monkeypatch.setenv("CRITMIN_QUERY_WORKERS", "6")
    config = ServiceSettings.from_environment()
    assert config.query_timeout == 12.5 and config.max_query_timeout == 12.5
    assert config.rate_limit_loopback is False and config.row_limit == 100_000
    assert config.client_queries == 3  # half the workers unless set


def test_serve_with_a_bad_setting_fails_at_start_naming_it(store_path):
    env = {**os.environ, "CRITMIN_CACHE_BYTES": "lots"}
    command = [sys.executable, "-m", "critmin.cli", "serve", "--store", str(store_path), "--port", "1"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 2 and "CRITMIN_CACHE_BYTES='lots'" in done.stderr


def test_query_workers_default_to_one_per_usable_core(monkeypatch):
    """Workers past the cores only took turns on them (bench/results/workers.md); a
    process pinned to fewer cores (a container's cpuset) gets that many, at least two,
    and a client may still run two queries at once."""
    monkeypatch.delenv("CRITMIN_QUERY_WORKERS", raising=False)
    monkeypatch.delenv("CRITMIN_CLIENT_QUERIES", raising=False)
    cores = len(os.sched_getaffinity(0))
    config = ServiceSettings.from_environment()
    assert config.query_workers == max(2, cores) and config.client_queries == max(2, cores // 2)
    assert ServiceSettings().query_workers == max(2, cores)
    for pinned, workers in (({0}, 2), (set(range(6)), 6)):
        monkeypatch.setattr(os, "sched_getaffinity", lambda _, cores=pinned: cores)
        monkeypatch.setattr(settings, "_cache", {})  # the environment is read again
        assert ServiceSettings.from_environment().query_workers == workers
    config = ServiceSettings.from_environment()
    assert config.query_workers == 6 and config.client_queries == 3
