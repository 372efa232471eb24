"""Where a build writes: one interface, so that there is one build pipeline
(critmin.build) for the embedded store and for a remote engine.

A target reports the version it holds and the graphs written to it rather than
built (contributions, Graph Store graphs, which a rebuild carries over), then
receives a new version: `begin` gives a writable store to fill, `finish` makes it
the live one. On disk that is a new database beside the old one and an atomic swap
of the `current` link (a failed build leaves the old store untouched); on an engine
it is dropping critmin's graphs and loading with the operator's bulk loader.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from critmin.store.embedded import CURRENT_LINK, EmbeddedStore, point_current_at
from critmin.store.interface import WritableStore


class BuildTarget(Protocol):
    streams_files: bool  # whether `stream` can load a file without Python objects per quad

    def current_version(self) -> str | None: ...

    def carried(self, is_carried: Callable[[str], bool]) -> list[ox.Quad]: ...

    def begin(self, version: str) -> WritableStore: ...

    def load(self, store: WritableStore, quads: Iterable[ox.Quad]) -> None: ...

    def stream(self, store: WritableStore, path: Path, fmt: ox.RdfFormat, graph: str) -> None: ...

    def finish(self, store: WritableStore) -> None: ...

    def summaries(self) -> dict[str, int]: ...


class EmbeddedTarget:
    """A store folder: one database per version, `current` pointing at the live one."""

    streams_files = True

    def __init__(self, store_path: Path):
        self.store_path = store_path
        self._staging: Path | None = None

    def current_version(self) -> str | None:
        if not (self.store_path / CURRENT_LINK).exists():
            return None
        try:
            return EmbeddedStore.open(self.store_path).dataset_version()
        except OSError:
            return None

    def carried(self, is_carried: Callable[[str], bool]) -> list[ox.Quad]:
        if not (self.store_path / CURRENT_LINK).exists():
            return []
        live = EmbeddedStore.open(self.store_path)
        return [q for name in live.named_graphs() if is_carried(name) for q in live.graph_quads(name)]

    def begin(self, version: str) -> EmbeddedStore:
        self.store_path.mkdir(parents=True, exist_ok=True)
        unique = f"{version}-{os.getpid()}-{time.time_ns()}"
        self._staging = self.store_path / f".staging-{unique}"
        return EmbeddedStore(ox.Store(str(self._staging)), self._staging, writable=True, bulk=True)

    def load(self, store: EmbeddedStore, quads: Iterable[ox.Quad]) -> None:
        store.extend(quads)

    def stream(self, store: EmbeddedStore, path: Path, fmt: ox.RdfFormat, graph: str) -> None:
        """pyoxigraph's bulk loader, in Rust: the difference between 8 GB and a few
        hundred MB at 10M triples."""
        store.database.bulk_load(path=str(path), format=fmt, base_iri=path.resolve().as_uri(),
                                 to_graph=ox.NamedNode(graph))  # fmt: skip

    def finish(self, store: EmbeddedStore) -> None:
        """Flush and compact the new database, swap the link, remove older ones."""
        staging = store.location
        store.database.flush()
        store.database.optimize()
        store.close()
        database = staging.with_name(staging.name.replace(".staging-", "db-", 1))
        staging.rename(database)
        point_current_at(self.store_path, database)
        for old in [*self.store_path.glob("db-*"), *self.store_path.glob(".staging-*")]:
            if old != database:
                shutil.rmtree(old, ignore_errors=True)

    def summaries(self) -> dict[str, int]:
        return {s.name: s.triples for s in EmbeddedStore.open(self.store_path).graph_summaries()}


class RemoteTarget:
    """A SPARQL 1.1 engine: critmin's graphs are replaced in place."""

    streams_files = False

    def __init__(self, url: str):
        from critmin.store.remote import RemoteStore

        self.store = RemoteStore(url)

    def current_version(self) -> str | None:
        return self.store.dataset_version()

    def carried(self, is_carried: Callable[[str], bool]) -> list[ox.Quad]:
        return [q for g in self.store.graph_names() if is_carried(g) for q in self.store.graph_quads(g)]

    def begin(self, version: str):
        return self.store

    def load(self, store, quads: Iterable[ox.Quad]) -> None:
        """Drop critmin's graphs and load with the operator's bulk loader (critmin.store.bulk_load)."""
        store.replace_everything(quads)

    def stream(self, store, path: Path, fmt: ox.RdfFormat, graph: str) -> None:
        """Parsed here and sent in INSERT DATA batches (an engine has no file loader we can
        call); the build prefers reading such files as quads (`streams_files` is False)."""
        quads = ox.parse(path=str(path), format=fmt, base_iri=path.resolve().as_uri())
        store.extend(ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(graph)) for q in quads)

    def finish(self, store) -> None:
        store.forget_cached()

    def summaries(self) -> dict[str, int]:
        return {s.name: s.triples for s in self.store.graph_summaries()}


def open_target(location: Path | str) -> BuildTarget:
    """The build target at a folder or an engine's URL."""
    from critmin.settings import is_url

    return RemoteTarget(str(location)) if is_url(location) else EmbeddedTarget(Path(location))
