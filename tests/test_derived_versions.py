"""Derived documents belong to a version: none are made for a store without one (on an
engine, a rebuild under way: it writes the version last), and a dump read while the
store moved to another version is not published under the old one's name."""

from __future__ import annotations

import pytest
from inprocess import InProcess
from servers import copy_store

from critmin.linked_data import dumps
from critmin.rdf.namespaces import DATASET_IRI, META_GRAPH, PREFIXES
from critmin.store import LiveStore

VERSION = f"<{DATASET_IRI}> <{PREFIXES['cm']}datasetVersion>"


def test_no_documents_for_a_store_without_a_version(store_path, tmp_path):
    site = InProcess(copy_store(store_path, tmp_path / "store"))
    derived = site.app.state.derived
    before = derived.current().version
    live = derived.live
    live.get().update(f"DELETE WHERE {{ GRAPH <{META_GRAPH}> {{ {VERSION} ?v }} }}")
    live.changed()
    derived.refresh(wait=True)
    assert live.get().dataset_version() is None
    assert derived.current().version == before and derived.last_error is None
    assert not (derived.root / "unversioned").exists()
    assert not (derived.state_path / "dumps" / "unversioned").exists()


def test_a_store_that_moved_on_is_told(store_path, tmp_path):
    live = LiveStore(copy_store(store_path, tmp_path / "store"), writable=True)
    store = live.get()
    version = store.dataset_version()
    assert not dumps.moved_on(store, version)
    store.update(f"""DELETE WHERE {{ GRAPH <{META_GRAPH}> {{ {VERSION} ?v }} }} ;
                     INSERT DATA {{ GRAPH <{META_GRAPH}> {{ {VERSION} "next" }} }}""")
    assert dumps.moved_on(store, version)
    with pytest.raises(RuntimeError, match="moved on"):
        dumps.ensure_dumps(_Moving(store, version), tmp_path / "state")


class _Moving:
    """The store as a reader sees it across a rebuild: the old version when the read
    begins, the new one after (a real engine's rebuild, in one process)."""

    def __init__(self, store, first: str):
        self._store, self._first, self._asked = store, first, False

    def dataset_version(self):
        if not self._asked:
            self._asked = True
            return self._first
        return self._store.dataset_version()

    def __getattr__(self, name):
        return getattr(self._store, name)
