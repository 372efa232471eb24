"""Snapshots of the public data for the query workers (embedded store only).

Why: a query that must not see some graphs (a contribution's records, a staged
contribution) was given the public graphs as a list, and Oxigraph reads a listed
default graph graph by graph: every triple pattern costs one index seek per graph
(~56 at the shipped data). Measured at 1M generated triples: a label lookup 0.05 ms
on the union against 0.59 ms with the list, an aggregate 1.3 against 42 ms, the 2-hop
join 135 ms against 3.9 s (bench/README.md, "Hidden graphs"). So the workers read a
snapshot instead: a RocksDB checkpoint of the live database (hard links: no copy of
the data), from which every graph that is not public, and the default graph, have been
removed. Its union of all graphs is then exactly the public union, and the engine
reads it with one seek per pattern.

A snapshot also means the workers never read a database another process writes
(pyoxigraph calls a read-only open beside a writer undefined behaviour).

Rules:
- a snapshot belongs to one generation of the live store; queries use it only while
  the store is at that generation; right after a write they wait for the next one
  (briefly: sparql/service.py), else read the live store with the public list, as
  before (always right, sometimes slow);
- what is kept is the public list *of that generation* and nothing else: a graph
  written after the list was read (a new staged contribution) is removed (fails closed);
- a superseded snapshot is deleted once no query can still be reading it (after the
  longest query deadline), never sooner.

May import: pyoxigraph, critmin.store (its own package).
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

log = logging.getLogger(__name__)

FOLDER = "views"


@dataclass(frozen=True)
class View:
    path: Path
    generation: str


class PublicViews:
    """The current snapshot of one embedded live store, made after every write."""

    def __init__(self, live, public_graphs: Callable[[], tuple[str, ...] | None], grace: float):
        self.live = live
        self.public_graphs = public_graphs
        self.grace = grace  # seconds a superseded snapshot is kept: the longest query deadline, and some
        self.folder = Path(live.store_path) / FOLDER
        self._current: View | None = None
        self._superseded: list[tuple[Path, float]] = []
        self._making = threading.Lock()
        self._starting = threading.Lock()
        self._wanted = threading.Event()
        self._worker: threading.Thread | None = None
        self._made = 0
        self._failed: str | None = None  # the generation whose snapshot could not be made

    def current(self, generation: str | None = None) -> str | None:
        """The snapshot of the live store's present generation (`generation`, when the
        caller has read it already), if it is made."""
        view = self._current
        if view is None or view.generation != (generation or self.live.generation):
            return None
        return str(view.path)

    def failed(self, generation: str) -> bool:
        """Whether making the snapshot of `generation` failed (queries then stop waiting)."""
        return self._failed == generation

    def status(self) -> dict:
        """For /health, from memory (no store access on the event loop): whether a
        snapshot exists and how many were made."""
        return {"ready": self._current is not None, "made": self._made}

    def start(self) -> None:
        """Remove snapshots a previous run left and make the first one, in the background."""
        shutil.rmtree(self.folder, ignore_errors=True)
        self.refresh()

    def refresh(self) -> None:
        """Ask for a snapshot of the present generation (a listener of the live store):
        made by one background thread; asks made while one is being made are folded
        into one more."""
        if self.current() is not None:
            return
        self._wanted.set()
        with self._starting:  # not `_making`: this runs on the event loop, and a snapshot takes a while
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="critmin-views", daemon=True)
                self._worker.start()

    def make_now(self) -> str | None:
        """Make the snapshot of the present generation in this thread (tests, tools)."""
        with self._making:
            self._make()
        return self.current()

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()  # an ask after this line is seen by the next wait
            with self._making:
                generation = self.live.generation
                try:
                    self._make()
                except Exception:  # a full disk, a store being swapped: queries use the list meanwhile
                    self._failed = generation
                    log.warning("could not make a snapshot of the public data", exc_info=True)

    def _make(self) -> None:
        generation = self.live.generation
        if self._current is not None and self._current.generation == generation:
            return
        public = self.public_graphs()
        self._made += 1
        path = self.folder / f"view-{os.getpid()}-{self._made}"
        partial = path.with_name(path.name + ".partial")
        self.folder.mkdir(exist_ok=True)
        shutil.rmtree(partial, ignore_errors=True)
        try:
            self.live.get().database.backup(str(partial))
            if self.live.generation != generation:
                return  # a write landed meanwhile: its own refresh makes the next snapshot
            keep_only(partial, public)
            os.rename(partial, path)
        finally:
            shutil.rmtree(partial, ignore_errors=True)
        previous, self._current = self._current, View(path, generation)
        if previous is not None:
            self._superseded.append((previous.path, time.monotonic()))
        self._prune()

    def _prune(self) -> None:
        now = time.monotonic()
        for path, since in list(self._superseded):
            if now - since > self.grace:
                shutil.rmtree(path, ignore_errors=True)
                self._superseded.remove((path, since))


def keep_only(path: Path, public: tuple[str, ...] | None) -> None:
    """Remove from the database at `path` every graph not in `public` (None: all are
    public) and the default graph, which the public union never includes."""
    if public is None:
        return
    allowed = set(public)
    database = ox.Store(str(path))
    for graph in list(database.named_graphs()):
        if graph.value not in allowed:
            database.remove_graph(graph)
    database.clear_graph(ox.DefaultGraph())
    database.flush()
    del database  # closes it before the folder is renamed
