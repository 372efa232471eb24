"""Where things live: the project's own folders and the store.

The source folders (ontology/, shapes/, data/, queries/) are found next to the
installed package's checkout, or where CRITMIN_HOME points. The store defaults to
var/store under that folder, or to CRITMIN_STORE.
"""

from __future__ import annotations

import os
from pathlib import Path


def project_home() -> Path:
    configured = os.environ.get("CRITMIN_HOME")
    if configured:
        return Path(configured).resolve()
    return Path(__file__).resolve().parents[2]


def default_store_path() -> Path:
    configured = os.environ.get("CRITMIN_STORE")
    if configured and not is_url(configured):
        return Path(configured).resolve()
    return project_home() / "var" / "store"


def default_store_location() -> str:
    """What `--store` defaults to: $CRITMIN_STORE (a folder, or a SPARQL engine's URL
    kept verbatim) or var/store."""
    configured = os.environ.get("CRITMIN_STORE")
    return configured if configured and is_url(configured) else str(default_store_path())


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
        return Path(os.environ.get("CRITMIN_STATE", project_home() / "var" / "remote-state")).resolve()
    return Path(location)


class SettingsError(ValueError):
    """A setting with a value that cannot be used; the message names the variable."""


def env_number(name: str, default: float) -> float:
    """A number from the environment (the default when unset or empty); a value that is
    not a number is an error naming the variable, at start."""
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    try:
        return float(value)
    except ValueError:
        raise SettingsError(f"{name}={value!r} is not a number") from None
