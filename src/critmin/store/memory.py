"""A store in memory, for unit tests: the embedded implementation over an in-memory
pyoxigraph database, behind a `LiveView` with a write counter, as httpx's
MockTransport stands in for a network. Nothing in the service uses it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from critmin.store.embedded import EmbeddedStore


class MemoryLiveStore:
    def __init__(self, quads: list[ox.Quad] | None = None):
        database = ox.Store()
        database.extend(quads or [])
        self.store = EmbeddedStore(database, Path("memory"), writable=True)
        self.store_path = None
        self.visible_graphs: Callable | None = None
        self.listeners: list[Callable[[], None]] = []
        self._writes = 0

    def get(self) -> EmbeddedStore:
        return self.store

    @property
    def generation(self) -> str:
        return f"memory#{self._writes}"

    def show_only(self, visible_graphs: Callable) -> None:
        self.visible_graphs = self.store.visible_graphs = visible_graphs

    def changed(self) -> None:
        self._writes += 1
        self.store.forget_cached()

    def notify(self) -> None:
        for listener in self.listeners:
            listener()

    def watch(self, interval: float) -> None:
        """Nothing else writes here."""
