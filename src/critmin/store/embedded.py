"""The store seam: everything the CLI (and later the HTTP layer) asks of the graph.

A store folder holds one built database per dataset version and a `current`
symlink to the live one. A build writes a new database beside the old one and then
swaps the link atomically, so a failed or interrupted build leaves the previous
store untouched and readers never see a half-built graph.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from critmin import settings
from critmin.rdf.namespaces import DATASET_IRI, META_GRAPH, PREFIXES
from critmin.sparql import query_text
from critmin.store import visibility
from critmin.store.interface import Capabilities

CURRENT_LINK = "current"
VERSION_QUERY = f"""
SELECT ?version WHERE {{
  GRAPH <{META_GRAPH}> {{ <{DATASET_IRI}> <{PREFIXES["cm"]}datasetVersion> ?version }}
}}"""

MODIFIED_QUERY = f"""
SELECT ?m WHERE {{ GRAPH <{META_GRAPH}> {{ <{DATASET_IRI}> <http://purl.org/dc/terms/modified> ?m }} }}"""

QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples


def service_allowlist() -> list[str]:
    return settings.environment().service_allowlist.split()


class StoreMissingError(FileNotFoundError):
    """No built store where one was expected."""

    def __init__(self, path: Path):
        super().__init__(f"no built store at {path}; run `critmin build` first")


class StoreBusyError(OSError):
    """Another process (a running `critmin serve`) holds the store for writing."""

    def __init__(self, path: Path):
        super().__init__(f"the store at {path} is open for writing by another process (a running critmin serve?)")


def compacted_away(error: BaseException | str) -> bool:
    """Whether an error is a table file the writer compacted away under a read-only open."""
    return "No such file or directory" in str(error)


def open_read_only(path: Path, *, within: float = 2.0) -> ox.Store:
    """Open a database for reading while its writer may be compacting it.

    Why the retries: a read-only open reads the MANIFEST, then opens the files it
    lists; when the writer's background compaction deletes one in between, the open
    fails with "IO error: No such file or directory" (measured: 38 of 149 opens beside
    a writer flushing and compacting, tests/test_store_open.py). The open is retried,
    for up to `within` seconds; any other error is raised at once. RocksDB opens some
    table files only at the first read that needs them, so a read soon after the open
    can meet the same race (about 1 open in 200 in that test): `compacted_away` tells
    it, and the query worker then reopens and runs the query again.
    """
    deadline, attempt = time.monotonic() + within, 0
    while True:
        try:
            return ox.Store.read_only(str(path))
        except (RuntimeError, OSError) as error:  # RocksDB's IO errors come as either
            if not compacted_away(error) or time.monotonic() > deadline:
                raise
        attempt += 1
        time.sleep(min(0.005 * attempt, 0.05))


@dataclass(frozen=True)
class GraphSummary:
    name: str
    triples: int


class EmbeddedStore:
    """A built critmin store on disk, read through pyoxigraph."""

    def __init__(self, database: ox.Store, location: Path, writable: bool = False, *, bulk: bool = False):
        self._db = database
        self.location = location
        self.writable = writable
        self.bulk = bulk  # a database being built, which nothing else reads: extend uses the bulk loader
        folder = location.parent if location.name.startswith("db-") else None
        self.capabilities = Capabilities(blank_nodes_in_updates=True, folder=folder, pattern_reads=True)
        # The graphs a query sees when it names none (None: all of them, as their union).
        self.visible_graphs: Callable[[], tuple[str, ...]] | None = None

    @classmethod
    def open(cls, store_path: Path, *, writable: bool = False) -> EmbeddedStore:
        """Open the live database of a store folder, for reading (any number of
        processes) or for writing (one process: the service)."""
        link = store_path / CURRENT_LINK
        if not link.exists():
            raise StoreMissingError(store_path)
        target = link.resolve()
        try:
            database = ox.Store(str(target)) if writable else open_read_only(target)
        except OSError as error:
            if "lock" in str(error).lower():
                raise StoreBusyError(store_path) from error
            raise
        return cls(database, target, writable)

    @classmethod
    def open_view(cls, path: Path) -> EmbeddedStore:
        """Open a snapshot of the public data (store/views.py) for reading."""
        return cls(open_read_only(path), path)

    def forget_cached(self) -> None:
        """Drop what was cached from the data (after a write)."""
        self.__dict__.pop("_version", None)

    def update(self, sparql: str) -> None:
        """Run a SPARQL Update in one transaction (all of it or nothing)."""
        self._db.update(sparql)

    def extend(self, quads: Iterable[ox.Quad]) -> None:
        """Add quads in one transaction (all of them or none); in a database being built,
        with the bulk loader (not atomic, several times faster: a failed build is discarded)."""
        if self.bulk:
            self._db.bulk_extend(quads)
        else:
            self._db.extend(quads)

    def match(self, subject=None, predicate=None, obj=None, graph=None) -> Iterator[ox.Quad]:
        """The quads matching a pattern (None: any), read from the indexes in-process."""
        graph = ox.NamedNode(graph) if isinstance(graph, str) else graph
        return self._db.quads_for_pattern(subject, predicate, obj, graph)

    def discard(self, quads: Iterable[ox.Quad]) -> None:
        """Remove quads (absent ones are ignored), one at a time: pyoxigraph has no batch
        removal, and DELETE DATA cannot carry blank nodes. Used for derived data only
        (the inferred graph), which a failure half-way leaves for the next refresh."""
        for quad in quads:
            self._db.remove(quad)

    @property
    def database(self) -> ox.Store:
        """The pyoxigraph store itself, for the bulk loader (store/targets.py) only."""
        return self._db

    def close(self) -> None:
        """Release the database (a build renames its folder afterwards)."""
        self._db = None

    def storable(self, quads: Iterable[ox.Quad]) -> list[ox.Quad]:
        """Quads as an INSERT DATA must carry them: unchanged (blank nodes are fine here)."""
        return list(quads)

    def count(self, graph: str) -> int:
        """Counted by the engine: iterating the quads in Python took 24 s for the 2.5M
        inferred quads of the 10M benchmark build, the engine's COUNT 0.8 s."""
        rows = self._db.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {ox.NamedNode(graph)} {{ ?s ?p ?o }} }}")
        return int(next(iter(rows))["n"].value)

    def graph_quads(self, graph: str) -> list[ox.Quad]:
        return list(self._db.quads_for_pattern(None, None, None, ox.NamedNode(graph)))

    def query(
        self,
        sparql: str,
        *,
        default_graphs: Iterable[str] | None = None,
        named_graphs: Iterable[str] | None = None,
    ) -> QueryResult:
        """Evaluate SPARQL; without an explicit dataset the default graph is the union.

        Refuses SERVICE unless CRITMIN_SERVICE_ALLOWLIST allows its target: the
        engine would otherwise make HTTP requests while querying.
        """
        info = query_text.inspect_query(sparql)
        query_text.check_services(info, service_allowlist())
        defaults, named = tuple(default_graphs or ()), tuple(named_graphs or ())
        # asked only when the query names no dataset (the policy itself queries named graphs)
        public = self.visible_graphs() if self.visible_graphs is not None and not (defaults or named) else None
        defaults, named = visibility.dataset(defaults, named, public)
        return self.evaluate(sparql, default_graphs=defaults, named_graphs=named, union=not info.names_dataset)

    def evaluate(self, sparql: str, *, base_iri: str | None = None, default_graphs: Iterable[str] = (),
                 named_graphs: Iterable[str] = (), union: bool = True) -> QueryResult:  # fmt: skip
        """Evaluate on exactly this dataset (none: the union of all graphs, unless `union`
        is False: a query whose FROM names its dataset, which pyoxigraph's union flag
        would override), with the predeclared prefixes. The query workers' entry point
        (they check SERVICE before; /sparql hands them a FROM as the dataset)."""
        defaults = [ox.NamedNode(g) for g in default_graphs]
        named = [ox.NamedNode(g) for g in named_graphs]
        return self._db.query(
            sparql,
            prefixes=PREFIXES,  # predeclared, as WDQS does; the query's own PREFIX wins
            base_iri=base_iri,
            use_default_graph_as_union=union and not (defaults or named),
            default_graph=defaults or None,
            named_graphs=named or None,
        )

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self._db.named_graphs())

    def graph_summaries(self) -> list[GraphSummary]:
        counts = self.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g")
        return [GraphSummary(row["g"].value, int(row["n"].value)) for row in counts]

    def dataset_version(self) -> str | None:
        if not hasattr(self, "_version"):
            rows = list(self.query(VERSION_QUERY))
            self._version = rows[0]["version"].value if rows else None
        return self._version

    def modified(self) -> str | None:
        """When the data last changed (xsd:dateTime), as the metadata graph records it."""
        rows = list(self.query(MODIFIED_QUERY))
        return max(r["m"].value for r in rows) if rows else None

    def quads(self, *, public: bool = False) -> Iterator[ox.Quad]:
        """Every quad; with `public`, only those of the graphs queries see by default."""
        visible = self.visible_graphs() if public and self.visible_graphs is not None else None
        if visible is None:
            return iter(self._db.quads_for_pattern(None, None, None, None))
        return (q for g in visible for q in self._db.quads_for_pattern(None, None, None, ox.NamedNode(g)))

    def union_triples(self, *, public: bool = False) -> list[ox.Triple]:
        """Every distinct triple of the union graph, in a stable order."""
        triples = {ox.Triple(q.subject, q.predicate, q.object) for q in self.quads(public=public)}
        return sorted(triples, key=str)


class LiveStore:
    """Follows a store folder's `current` link, reopening when a build has swapped it.

    `generation` changes with every swap and every write, so that readers in other
    processes (query workers) know when to reopen their read-only view.
    """

    def __init__(self, store_path: Path, *, writable: bool = False):
        self.store_path = store_path
        self.writable = writable
        self.visible_graphs: Callable[[], tuple[str, ...]] | None = None
        self._target: Path | None = None
        self._store: EmbeddedStore | None = None
        self._writes = 0
        self._link_text: str | None = None
        self._resolved: Path | None = None
        self._opening = threading.Lock()  # handlers run in threads: open the database once
        self.listeners: list[Callable[[], None]] = []  # told after every write

    def get(self) -> EmbeddedStore:
        target = self._current_target()
        if self._store is not None and target == self._target:
            return self._store
        with self._opening:
            if self._store is None or target != self._target:
                self._store = None  # release a writable database before opening the next
                self._store = EmbeddedStore.open(self.store_path, writable=self.writable)
                self._store.visible_graphs = self.visible_graphs
                self._target = target
            return self._store

    def _current_target(self) -> Path:
        """The database `current` points at: one readlink (a few µs) while the link's text
        is unchanged, rather than resolving the path on every request (~45 µs, measured)."""
        link = self.store_path / CURRENT_LINK
        try:
            text = os.readlink(link)
        except OSError:
            return link.resolve()
        if text != self._link_text:
            self._link_text, self._resolved = text, link.resolve()
        return self._resolved

    @property
    def generation(self) -> str:
        self.get()
        return f"{self._target}#{self._writes}"

    def show_only(self, visible_graphs: Callable[[], tuple[str, ...]]) -> None:
        """Make queries that name no dataset see only these graphs (now and after reopening)."""
        self.visible_graphs = visible_graphs
        if self._store is not None:
            self._store.visible_graphs = visible_graphs

    def changed(self) -> None:
        """Record that the data was written to."""
        self._writes += 1
        if self._store is not None:
            self._store.forget_cached()

    def notify(self) -> None:
        """Tell the listeners that a write unit (a publish with its inferences, say) is
        complete: what they read now is consistent."""
        for listener in self.listeners:
            listener()

    def watch(self, interval: float) -> None:
        """Nothing to follow: one process writes an embedded store, and `get` follows a
        rebuild's new database by itself."""


@contextlib.contextmanager
def open_new_database(path: Path) -> Iterator[ox.Store]:
    """A new on-disk database at `path`, flushed and compacted when the block ends."""
    database = ox.Store(str(path))
    yield database
    database.flush()
    database.optimize()
    del database


def write_database(path: Path, quads: Iterable[ox.Quad]) -> None:
    """Create a new on-disk database at `path` holding exactly `quads`."""
    with open_new_database(path) as database:
        database.bulk_extend(quads)


def point_current_at(store_path: Path, database: Path) -> None:
    """Atomically make `database` the live one."""
    temporary = store_path / f".{CURRENT_LINK}.{os.getpid()}"
    if temporary.is_symlink():
        temporary.unlink()
    os.symlink(database.name, temporary)
    os.replace(temporary, store_path / CURRENT_LINK)
