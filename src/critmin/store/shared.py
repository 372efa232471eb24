"""Small documents every replica of the service must see alike (the token registry):
kept beside an embedded store as files, or in the engine, in a private graph the
public never sees, when critmin runs over a remote SPARQL engine. So several critmin
processes over one engine behave as one service (tests/test_replicas.py).

`SharedDocuments` is the interface; `FileDocuments` and `EngineDocuments` implement it,
and `shared_documents(location, state_path)` picks one as `open_live` picks a store.
Writes to the engine are one SPARQL Update each; two replicas writing the same
document at the same moment: the last one wins (token changes are rare and made by an
operator).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from critmin.rdf.namespaces import CM, PRIVATE_PREFIX


class SharedDocuments(Protocol):
    def read(self, name: str) -> str | None: ...

    def write(self, name: str, text: str) -> None: ...

    def locked(self, name: str) -> contextlib.AbstractContextManager: ...


class FileDocuments:
    """Files in a folder (mode 0600), replaced atomically, locked with flock."""

    def __init__(self, folder: Path, paths: dict[str, Path] | None = None):
        self.folder = folder
        self.paths = paths or {}  # a document kept elsewhere (CRITMIN_TOKENS_FILE)

    def path(self, name: str) -> Path:
        return self.paths.get(name, self.folder / name)

    def read(self, name: str) -> str | None:
        path = self.path(name)
        return path.read_text(encoding="utf-8") if path.exists() else None

    def write(self, name: str, text: str) -> None:
        path = self.path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(text, encoding="utf-8")
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)

    @contextlib.contextmanager
    def locked(self, name: str) -> Iterator[None]:
        path = self.path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(os.open(path.with_suffix(".lock"), os.O_CREAT | os.O_WRONLY, 0o600), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


class EngineDocuments:
    """One private named graph per document, holding it as one literal."""

    def __init__(self, store):
        self.store = store
        self._lock = threading.Lock()

    @staticmethod
    def graph(name: str) -> str:
        return f"{PRIVATE_PREFIX}{name}"

    def read(self, name: str) -> str | None:
        graph = self.graph(name)
        query = f"SELECT ?text WHERE {{ GRAPH <{graph}> {{ <{graph}> <{CM.document}> ?text }} }}"
        rows = list(self.store.query(query, default_graphs=["urn:critmin:empty"], named_graphs=[graph]))
        return rows[0]["text"].value if rows else None

    def write(self, name: str, text: str) -> None:
        graph = self.graph(name)
        triple = f"<{graph}> <{CM.document}> {ox.Literal(text)}"
        self.store.update(f"DROP SILENT GRAPH <{graph}> ; INSERT DATA {{ GRAPH <{graph}> {{ {triple} }} }}")

    @contextlib.contextmanager
    def locked(self, name: str) -> Iterator[None]:
        with self._lock:  # within this process; replicas: the last write wins (see above)
            yield


def shared_documents(location, state_path: Path, paths: dict[str, Path] | None = None) -> SharedDocuments:
    """Where the documents of the store at `location` live: its engine, or files."""
    from critmin.settings import is_url

    if is_url(location) and not paths:
        from critmin.store.remote import RemoteStore

        return EngineDocuments(RemoteStore(str(location)))
    return FileDocuments(state_path, paths)
