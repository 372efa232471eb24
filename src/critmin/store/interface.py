"""The store interface, declared: what every implementation offers, and what callers
may ask about one instead of testing its class.

Two implementations: `embedded.EmbeddedStore` (pyoxigraph on disk) and
`remote.RemoteStore` (any SPARQL 1.1 engine over HTTP). Both return pyoxigraph's
result objects (QuerySolutions, QueryBoolean, triples), the project's RDF toolkit.
A `LiveView` follows the current store across rebuilds and writes (`embedded.LiveStore`,
`remote.RemoteLiveStore`); `critmin.store.open_live` makes one from a path or a URL.
tests/test_architecture.py checks that both implementations satisfy these Protocols.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import pyoxigraph as ox


@dataclass(frozen=True)
class Capabilities:
    """What an implementation can do, asked for by callers rather than its type.

    - `blank_nodes_in_updates`: INSERT DATA may carry blank nodes (Virtuoso: no; they
      are written as skolem IRIs and read back as blank nodes).
    - `folder`: an embedded store's folder, which query worker processes open read-only
      (None: queries go to the engine over HTTP).
    - `engine_url`: a remote engine's query URL (None for the embedded store).
    - `pattern_reads`: triple patterns are answered in-process (a `PatternStore`): the
      reasoner then maintains inferences incrementally (semantics/rules.py) instead of
      running its SPARQL rules in the engine.
    """

    blank_nodes_in_updates: bool
    folder: Path | None = None
    engine_url: str | None = None
    pattern_reads: bool = False


@runtime_checkable
class ReadableStore(Protocol):
    """The query side."""

    capabilities: Capabilities
    location: Path
    visible_graphs: Callable[[], tuple[str, ...] | None] | None

    def query(self, sparql: str, *, default_graphs: Iterable[str] | None = None,
              named_graphs: Iterable[str] | None = None): ...  # fmt: skip

    def named_graphs(self) -> list[str]: ...

    def graph_quads(self, graph: str) -> list[ox.Quad]: ...

    def count(self, graph: str) -> int: ...

    def graph_summaries(self) -> list: ...

    def dataset_version(self) -> str | None: ...

    def modified(self) -> str | None: ...

    def quads(self, *, public: bool = False) -> Iterator[ox.Quad]: ...

    def union_triples(self, *, public: bool = False) -> list[ox.Triple]: ...


@runtime_checkable
class WritableStore(ReadableStore, Protocol):
    """The update and load side: each call is one transaction (on the engines we test)."""

    def update(self, sparql: str) -> None: ...

    def extend(self, quads: Iterable[ox.Quad]) -> None: ...

    def forget_cached(self) -> None: ...

    def storable(self, quads: Iterable[ox.Quad]) -> list[ox.Quad]:
        """The quads as an INSERT DATA to this store must carry them (skolemised where
        the engine takes no blank nodes)."""
        ...


@runtime_checkable
class LiveView(Protocol):
    """The current store of a location, across rebuilds and writes."""

    listeners: list[Callable[[], None]]

    def get(self) -> WritableStore: ...

    @property
    def generation(self) -> str: ...

    def show_only(self, visible_graphs: Callable[[], tuple[str, ...] | None]) -> None: ...

    def changed(self) -> None: ...

    def notify(self) -> None: ...

    def watch(self, interval: float) -> None:
        """Follow writes made by other processes (replicas over one engine)."""
        ...


@runtime_checkable
class PatternStore(WritableStore, Protocol):
    """A store that answers triple patterns from its indexes in-process (the embedded
    one): what incremental reasoning needs, thousands of lookups per write."""

    def match(self, subject=None, predicate=None, obj=None, graph=None) -> Iterator[ox.Quad]: ...

    def discard(self, quads: Iterable[ox.Quad]) -> None: ...
