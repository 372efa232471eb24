"""Settings: every CRITMIN_* variable, typed and validated (`Environment`, read with
`environment()`), and where things live: the project's own folders and the store.

The source folders (ontology/, shapes/, data/, queries/) are found next to the
installed package's checkout, or where CRITMIN_HOME points. The store defaults to
var/store under that folder, or to CRITMIN_STORE.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, NonNegativeInt, PositiveFloat, PositiveInt, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict


def project_home() -> Path:
    configured = environment().home
    if configured:
        return Path(configured).resolve()
    return Path(__file__).resolve().parents[2]


def default_store_path() -> Path:
    configured = environment().store
    if configured and not is_url(configured):
        return Path(configured).resolve()
    return project_home() / "var" / "store"


def default_store_location() -> str:
    """What `--store` defaults to: $CRITMIN_STORE (a folder, or a SPARQL engine's URL
    kept verbatim) or var/store."""
    configured = environment().store
    return configured if configured and is_url(configured) else str(default_store_path())


def default_query_workers() -> int:
    """One query worker per core this process may run on, at least two (CRITMIN_QUERY_WORKERS
    overrides). Measured at 1M on two cores (bench/results/workers.md): two workers served
    four clients 0.69 of Oxigraph's lookups against 0.57 with four, and did better or
    as well on every shape. Workers past the cores only take turns on them, each with
    caches of its own; a long runner yields to a cheap query beside it, and overflow
    workers take cheap queries when every worker holds one (sparql/pool.py), so fewer
    workers do not let runaways block."""
    return max(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 2)


def is_url(location: str | Path) -> bool:
    return str(location).startswith(("http://", "https://"))


def ontology_dir() -> Path:
    return project_home() / "ontology"


def shapes_dir() -> Path:
    return project_home() / "shapes"


def data_dir() -> Path:
    return project_home() / "data"


def queries_dir() -> Path:
    return project_home() / "queries"


def state_path_for(location: str | Path) -> Path:
    """Where files beside the graph live (tokens, dumps, change log, quarantine): the
    store folder itself, or for a remote engine $CRITMIN_STATE (default var/remote-state)."""
    if is_url(location):
        return Path(environment().state or project_home() / "var" / "remote-state").resolve()
    return Path(location)


class SettingsError(ValueError):
    """A setting with a value that cannot be used; the message names the variable."""


class Environment(BaseSettings):
    """Every CRITMIN_* environment variable, typed and validated in one place (an empty
    value counts as unset). Read with `environment()`; a bad value is a SettingsError
    naming the variable, raised when the service or the command starts."""

    model_config = SettingsConfigDict(env_prefix="CRITMIN_", env_ignore_empty=True, extra="ignore")

    # places
    home: str | None = None
    store: str | None = None
    state: str | None = None
    tokens_file: str | None = None
    # the service (service_settings.ServiceSettings documents each)
    query_timeout: PositiveFloat = 30.0
    max_query_timeout: PositiveFloat | None = None
    row_limit: PositiveInt = 100_000
    query_workers: PositiveInt = Field(default_factory=default_query_workers)
    max_query_bytes: PositiveInt = 1 << 20
    service_allowlist: str = ""
    rate_limit: NonNegativeInt = 600
    rate_limit_loopback: bool = True
    trusted_proxies: str = ""
    client_queries: NonNegativeInt | None = None
    client_uploads: NonNegativeInt = 1
    route_timeout: PositiveFloat = 10.0
    route_threads: PositiveInt = 2
    overflow_workers: NonNegativeInt | None = None
    metrics: Literal["off", "loopback", "public"] = "loopback"
    cache_bytes: NonNegativeInt = 64 << 20
    inline_result_bytes: NonNegativeInt = 1 << 20
    base_url: str = "http://127.0.0.1:8000"
    max_contribution_bytes: PositiveInt = 20 * 1024 * 1024
    auto_publish: bool = False
    dump_retention: PositiveInt = 5
    # the sandboxes for untrusted input
    parse_timeout: PositiveFloat = 30.0
    parse_memory_mb: PositiveInt = 2048
    parse_concurrency: PositiveInt = 2
    parse_max_depth: PositiveInt = 100
    validation_workers: PositiveInt = 2
    validation_timeout: PositiveFloat = 60.0
    validation_memory_mb: PositiveInt = 2048
    # the DCAT-AP catalogue (dcat_ap.CatalogSettings)
    publisher_name: str | None = None
    publisher_type: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    # a remote engine (store/remote.py, store/bulk_load.py)
    remote_update_url: str | None = None
    remote_user: str | None = None
    remote_password: str | None = None
    remote_timeout: PositiveFloat = 60.0
    remote_poll: PositiveFloat = 2.0  # seconds between checks for other replicas' writes
    remote_batch: PositiveInt = 250
    remote_loader: str = "update"  # checked by store/bulk_load.py, which names the loaders
    remote_gsp_url: str | None = None
    virtuoso_load_dir: str | None = None
    virtuoso_sql_password: str | None = None
    virtuoso_isql: str = "isql-vt"
    virtuoso_sql: str = "localhost:1111"
    virtuoso_sql_user: str = "dba"


_cache: dict[tuple, Environment] = {}


def environment() -> Environment:
    """The environment's settings, read again only when a CRITMIN_* variable changed."""
    key = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("CRITMIN_")))
    found = _cache.get(key)
    if found is None:
        try:
            found = Environment()
        except ValidationError as error:
            problems = []
            for item in error.errors():
                name = f"CRITMIN_{str(item['loc'][0]).upper()}"
                problems.append(f"{name}={os.environ.get(name)!r}: {item['msg']}")
            raise SettingsError("; ".join(problems)) from None
        _cache.clear()
        _cache[key] = found
    return found


def env_number(name: str, default: float) -> float:
    """A number setting by its variable name (kept for the sandboxes' limits)."""
    value = getattr(environment(), name.removeprefix("CRITMIN_").lower())
    return default if value is None else float(value)
