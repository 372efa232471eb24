"""Shared fixtures: one real store, built once per test session from the project's files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from critmin import build
from critmin.store import EmbeddedStore

PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def store_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("store")
    build.build(path, PROJECT)
    return path


@pytest.fixture(scope="session")
def store(store_path) -> EmbeddedStore:
    return EmbeddedStore.open(store_path)


@pytest.fixture(scope="session")
def server_store(store_path, tmp_path_factory) -> Path:
    """The project's store plus the W3C protocol tests' graphs."""
    from servers import store_with_test_graphs

    return store_with_test_graphs(store_path, tmp_path_factory.mktemp("server-store"))


@pytest.fixture(scope="session")
def server(server_store, tmp_path_factory):
    """A real critmin server on a loopback port, as `critmin serve` runs it."""
    from servers import start_server

    running = start_server(
        server_store,
        tmp_path_factory.mktemp("logs"),
        CRITMIN_ROW_LIMIT="1000",
        CRITMIN_QUERY_WORKERS="4",
        CRITMIN_INLINE_RESULT_BYTES="65536",
    )
    yield running
    running.stop()


@pytest.fixture(scope="session")
def harvest_server(store_path, tmp_path_factory):
    """A server with default limits on a private copy of the project's store (it may be written to)."""
    from servers import copy_store, start_server

    folder = copy_store(store_path, tmp_path_factory.mktemp("harvest") / "store")
    running = start_server(folder, tmp_path_factory.mktemp("harvest-logs"))
    running.store = folder
    yield running
    running.stop()


@pytest.fixture
def run_cli(store_path):
    """Run the installed `critmin` command as a user would, against the session store."""

    def run(*args: str, store: Path | None = None, check: bool = False) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "critmin.cli", *args, "--store", str(store or store_path)]
        env = {**os.environ, "CRITMIN_HOME": str(PROJECT)}
        return subprocess.run(command, capture_output=True, text=True, env=env, check=check, timeout=120)

    return run


@pytest.fixture(scope="session")
def app_client(store_path, tmp_path_factory):
    """The real app in process on a private copy of the project's store (see inprocess.py)."""
    from inprocess import InProcess
    from servers import copy_store

    return InProcess(copy_store(store_path, tmp_path_factory.mktemp("inprocess") / "store"))


@pytest.fixture(scope="session")
def browser():
    """One headless chromium for the session's browser tests."""
    from browsing import CHROMIUM, FLAGS
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def fresh_page(browser):
    """A page in a fresh context (no stored editor tabs, no cookies)."""
    from browsing import watched_page

    context = browser.new_context()
    yield watched_page(context)
    context.close()


# The files that take longest start first, so that with two workers (make test) the long
# poles run beside the many short files rather than after them.
LONG_FIRST = ("test_gate.py", "test_engines.py", "test_faults.py", "test_replay.py", "test_contributions.py")


def pytest_collection_modifyitems(config, items):
    def rank(item) -> int:
        name = item.path.name
        return LONG_FIRST.index(name) if name in LONG_FIRST else len(LONG_FIRST)

    items.sort(key=rank)  # stable: the order within and among the other files is kept
