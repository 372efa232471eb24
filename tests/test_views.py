"""Snapshots of the public data for the query workers (store/views.py): a snapshot holds
exactly the public graphs, answers every competency question as the public list does on
the live store, is not used once the store has moved on, and a running server answers
from it without showing what is hidden."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

import httpx
import pyoxigraph as ox
from servers import copy_store, descendants, start_server
from test_contributions import ID, supply

from critmin.rdf.namespaces import CONTRIBUTED_PREFIX, PREFIXES, RECORDS_GRAPH
from critmin.sparql import queries
from critmin.store import LiveStore
from critmin.store.views import PublicViews
from critmin.store.visibility import Visibility
from critmin.tokens import TokenRegistry

HIDDEN = "https://w3id.org/critmin/id/mineral/hiddenium"
STAGED = f"{CONTRIBUTED_PREFIX}/views-test"


def hide_something(live: LiveStore) -> None:
    """A staged contribution's graph (no record says it is published) and a record."""
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    live.get().extend([
        ox.Quad(ox.NamedNode(HIDDEN), label, ox.Literal("Hiddenium", language="en"), ox.NamedNode(STAGED)),
        ox.Quad(ox.NamedNode(HIDDEN), label, ox.Literal("Hiddenium record"), ox.NamedNode(RECORDS_GRAPH)),
        ox.Quad(ox.NamedNode(HIDDEN), label, ox.Literal("in the default graph"), ox.DefaultGraph()),
    ])  # fmt: skip
    live.changed()


def reads_a_snapshot(service_pid: int) -> bool:
    """Whether a process of the service has a snapshot's files open (the query workers)."""
    for pid in descendants(service_pid):
        with contextlib.suppress(OSError):
            if any("/views/view-" in os.readlink(link) for link in Path(f"/proc/{pid}/fd").iterdir()):
                return True
    return False


def answers(result) -> list | bool:
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    return sorted(tuple(str(s[v]) for v in result.variables) for s in result)


def test_a_snapshot_holds_the_public_graphs_and_answers_as_the_list_does(store_path, tmp_path):
    live = LiveStore(copy_store(store_path, tmp_path / "store"), writable=True)
    hide_something(live)
    visibility = Visibility.of(live)
    public = visibility.public_graphs()
    assert public is not None and STAGED not in public and RECORDS_GRAPH not in public
    views = PublicViews(live, visibility.public_graphs, grace=0)
    path = views.make_now()
    assert path is not None and views.status() == {"ready": True, "made": 1}

    snapshot = ox.Store.read_only(path)
    assert {g.value for g in snapshot.named_graphs()} == set(public)
    assert not list(snapshot.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    store = live.get()
    for query in queries.all_queries():
        on_list = store.evaluate(query.text, default_graphs=public, named_graphs=public)
        on_union = snapshot.query(query.text, use_default_graph_as_union=True, prefixes=PREFIXES)
        assert answers(on_union) == answers(on_list), query.name
    assert not snapshot.query(f"ASK {{ <{HIDDEN}> ?p ?o }}", use_default_graph_as_union=True)

    live.changed()  # a write: the snapshot shows the past now
    assert views.current() is None
    views.refresh()  # as the live store's listeners are told: made in the background
    deadline = time.monotonic() + 20
    while (second := views.current()) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert second is not None and second != path
    views.make_now()  # nothing new: no third snapshot
    assert views.status()["made"] == 2


def test_a_server_answers_from_a_snapshot_and_shows_nothing_hidden(store_path, tmp_path):
    folder = copy_store(store_path, tmp_path / "store")
    hide_something(LiveStore(folder, writable=True))
    server = start_server(folder, tmp_path)
    try:
        wait_for_a_snapshot(server.url)
        accept = {"Accept": "application/sparql-results+json"}
        hidden = httpx.get(f"{server.url}/sparql", params={"query": f"SELECT * WHERE {{ <{HIDDEN}> ?p ?o }}"},
                           headers=accept).json()  # fmt: skip
        assert hidden["results"]["bindings"] == []
        graphs = httpx.get(f"{server.url}/sparql", params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g {} }"},
                           headers=accept).json()  # fmt: skip
        names = {b["g"]["value"] for b in graphs["results"]["bindings"]}
        assert names and STAGED not in names and RECORDS_GRAPH not in names
        # A query answered by a worker that has the snapshot open (a write the service
        # makes at start would send queries to the list until the next snapshot).
        deadline = time.monotonic() + 20
        while True:
            ask = "ASK { <https://w3id.org/critmin/id/mineral/lithium> ?p ?o }\n# " + str(time.monotonic())
            assert httpx.get(f"{server.url}/sparql", headers=accept, params={"query": ask}).json()["boolean"] is True
            if reads_a_snapshot(server.process.pid):
                break
            assert time.monotonic() < deadline, "no query worker has the snapshot open"
            time.sleep(0.2)
    finally:
        server.stop()


def wait_for_a_snapshot(url: str, within: float = 30) -> dict:
    """/health's `views` once the server has made its first snapshot."""
    deadline = time.monotonic() + within
    while not (views := httpx.get(f"{url}/health").json()["views"])["ready"]:
        assert time.monotonic() < deadline, "no snapshot was made"
        time.sleep(0.1)
    return views


def source_counts(url: str) -> dict[str, float]:
    """critmin_query_source_total by source, from /metrics."""
    counts = {}
    for line in httpx.get(f"{url}/metrics").text.splitlines():
        if line.startswith("critmin_query_source_total{"):
            counts[line.split('source="')[1].split('"')[0]] = float(line.rsplit(" ", 1)[1])
    return counts


def test_a_query_right_after_a_write_waits_for_the_snapshot(store_path, tmp_path):
    """Each write (here a staged contribution) moves the store on; the query sent at once
    after it waits the few ms its snapshot takes rather than reading the live store with
    the public list (9-25x slower at 1M, and a read-only open beside the writer)."""
    folder = copy_store(store_path, tmp_path / "store")
    token = TokenRegistry(folder).create("alice", "contributor")
    server = start_server(folder, tmp_path)
    try:
        made = wait_for_a_snapshot(server.url)["made"]
        for n in range(3):
            subject = f"<{ID}supply/test-views-wait-{n}>"
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/turtle"}
            body = supply(f"views-wait-{n}", rank=n + 1)
            staged = httpx.post(f"{server.url}/contributions", content=body, headers=headers, timeout=60)
            assert staged.status_code == 201, staged.text
            ask = httpx.get(f"{server.url}/sparql", params={"query": f"ASK {{ {subject} ?p ?o }} # {n}"}, timeout=60)
            assert ask.json()["boolean"] is False  # staged: not public
        counts = source_counts(server.url)
        assert counts.get("snapshot") == 3 and counts.get("live", 0) == 0, counts
        assert httpx.get(f"{server.url}/health").json()["views"]["made"] >= made + 3
    finally:
        server.stop()


def test_a_snapshot_that_cannot_be_made_is_reported_failed(store_path, tmp_path):
    """A snapshot that cannot be made (here its folder is a file) marks its generation
    failed, so queries stop waiting for it and read the live store with the list."""
    live = LiveStore(copy_store(store_path, tmp_path / "store"), writable=True)
    views = PublicViews(live, Visibility.of(live).public_graphs, grace=0)
    views.folder = tmp_path / "not-a-folder"
    views.folder.write_text("")
    views.refresh()
    deadline = time.monotonic() + 10
    while not views.failed(live.generation):
        assert time.monotonic() < deadline, "the failure was not recorded"
        time.sleep(0.05)
    assert views.current() is None
