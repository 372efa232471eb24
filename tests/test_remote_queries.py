"""What critmin sends a remote engine with a query, on a real Oxigraph server: the
dataset names the named graphs only when the query can read them (GRAPH), since
listing them cost Virtuoso ~2 ms a query; answers stay the same either way."""

from __future__ import annotations

import time
from urllib.parse import parse_qs

import pyoxigraph as ox
import pytest
from engines import start_oxigraph
from inprocess import run_in_own_loop

from critmin.sparql.query_text import inspect_query
from critmin.store.remote import RemoteStore
from critmin.store.visibility import EMPTY_GRAPH

LITHIUM = "<https://w3id.org/critmin/id/mineral/lithium>"


@pytest.fixture(scope="module")
def remote(store, tmp_path_factory):
    engine = start_oxigraph(tmp_path_factory.mktemp("remote-queries"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CRITMIN_REMOTE_UPDATE_URL", engine.update_url)
        patch.setenv("CRITMIN_REMOTE_LOADER", "update")
        remote = RemoteStore(engine.query_url)
        remote.replace_everything(list(store.quads()))
        yield remote
    engine.stop()


def sent_forms(remote: RemoteStore) -> list[dict]:
    forms: list[dict] = []
    remote._client.event_hooks["request"].append(lambda request: forms.append(parse_qs(request.content.decode())))
    return forms


def test_named_graphs_are_listed_only_for_queries_that_can_read_them(remote, store):
    forms = sent_forms(remote)
    plain = f'SELECT ?label WHERE {{ {LITHIUM} rdfs:label ?label }} # not a GRAPH keyword: "GRAPH" <urn:GRAPH>'
    graphs = f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ {LITHIUM} ?p ?o }} }}"
    assert {r["label"].value for r in remote.query(plain)} == {r["label"].value for r in store.query(plain)}
    assert {r["g"].value for r in remote.query(graphs)} == {r["g"].value for r in store.query(graphs)} != set()
    without, with_graph = forms[-2:]
    assert "default-graph-uri" in without and "named-graph-uri" not in without
    assert set(with_graph["named-graph-uri"]) == set(with_graph["default-graph-uri"]) == set(remote.graph_names())


def test_named_graphs_given_alone_come_with_the_empty_default_graph(remote):
    """Named graphs alone must never leave the default graph to the engine (Virtuoso's
    is every graph it holds, staged ones included): the empty graph goes with them, and
    the named graphs with a query that can read them."""
    forms = sent_forms(remote)
    graph = remote.graph_names()[0]
    assert not bool(remote.query("ASK { ?s ?p ?o }", named_graphs=[graph]))  # the default graph is empty
    assert forms[-1]["default-graph-uri"] == [EMPTY_GRAPH] and "named-graph-uri" not in forms[-1]
    assert bool(remote.query("ASK { GRAPH ?g { ?s ?p ?o } }", named_graphs=[graph]))
    assert forms[-1]["default-graph-uri"] == [EMPTY_GRAPH] and forms[-1]["named-graph-uri"] == [graph]


@pytest.mark.parametrize("text, reads", [
    ("SELECT * WHERE { ?s ?p ?o }", False),
    ("select * where { graph ?g { ?s ?p ?o } }", True),
    ('SELECT * WHERE { ?s ?p "GRAPH" } # GRAPH', False),
    ("SELECT * WHERE { ?graph <urn:x:GRAPH> graph:x }", False),
])  # fmt: skip
def test_the_graph_keyword_is_told_from_strings_iris_comments_and_names(text, reads):
    assert inspect_query(text).reads_named_graphs is reads


def test_the_sparql_executor_sends_the_same_dataset(remote, store, tmp_path):
    """/sparql on an engine goes through its own async client: same dataset rule."""
    import json

    from critmin.sparql.remote_executor import RemoteExecutor
    from critmin.sparql.worker import QueryJob

    forms: list[dict] = []

    async def record(request) -> None:
        forms.append(parse_qs(request.content.decode()))

    async def run(text: str) -> set[str]:
        executor = RemoteExecutor(remote, str(tmp_path))
        await executor.start()
        executor._client.event_hooks["request"].append(record)
        try:
            outcome = await executor.run(QueryJob(text, "json", 1000, public_graphs=tuple(remote.graph_names())), 30)
        finally:
            await executor.close()
        rows = json.loads(outcome.body)["results"]["bindings"]
        return {value["value"] for row in rows for value in row.values()}

    plain = f"SELECT ?type WHERE {{ {LITHIUM} a ?type }}"
    graphs = f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ {LITHIUM} ?p ?o }} }}"
    assert run_in_own_loop(run(plain)) == {r["type"].value for r in store.query(plain)}
    assert run_in_own_loop(run(graphs)) == {r["g"].value for r in store.query(graphs)}
    assert "named-graph-uri" not in forms[0] and "named-graph-uri" in forms[1]


def test_an_answer_read_across_a_write_is_not_kept(remote):
    """The list of graphs is cached until the next write; one whose request was under
    way when a write landed (here the write lands while the request is sent) may be the
    state before it, so it is returned but not kept."""
    remote.forget_cached()
    forms = sent_forms(remote)
    remote._client.event_hooks["request"].append(lambda request: remote.forget_cached())
    try:
        remote.graph_names()
    finally:
        remote._client.event_hooks["request"].pop()
    remote.graph_names()
    assert len(forms) == 2  # read again: the first answer was not kept
    remote.graph_names()
    assert len(forms) == 2  # an answer read with no write under way is kept


def test_a_rebuild_under_way_is_not_taken_for_a_new_version(remote):
    """A rebuild replaces the graphs in place and writes the new version last; while the
    metadata graph is gone the watcher waits, and it refreshes once, at the new version
    (refreshing half-way made the visibility policy read a store without its records)."""
    from critmin.rdf.namespaces import META_GRAPH
    from critmin.store.remote import RemoteLiveStore

    meta = remote.graph_quads(str(META_GRAPH))
    live = RemoteLiveStore(remote.url)
    live.watch(0.05)
    try:
        start = live.generation
        remote.update(f"DROP GRAPH <{META_GRAPH}>")
        time.sleep(0.5)
        assert live.generation == start
        moved = [ox.Quad(q.subject, q.predicate, ox.Literal("moved"), q.graph_name)
                 if q.predicate.value.endswith("#datasetVersion") else q for q in meta]  # fmt: skip
        remote.extend(moved)
        deadline = time.monotonic() + 5
        while live.generation == start:
            assert time.monotonic() < deadline, "the new version was not noticed"
            time.sleep(0.05)
        time.sleep(0.3)
        assert live.generation == f"{remote.url}#1"  # once
    finally:
        live.close()
        remote.update(f"DROP GRAPH <{META_GRAPH}>")
        remote.extend(meta)


def test_the_public_union_on_an_engine_is_the_list_not_everything_it_holds(remote):
    """Fail closed: a graph written to the engine after the public list was made (as a
    contribution's record is, before the writer moves the generation) is not public
    until the list is made again; nor is a graph the engine holds that critmin does
    not list. (With the engine's own union both were visible: records in the feed.)"""
    from critmin.rdf.namespaces import RECORDS_GRAPH
    from critmin.store.remote import RemoteLiveStore
    from critmin.store.visibility import Visibility

    live = RemoteLiveStore(remote.url)
    Visibility.of(live)
    probe = "ASK { <urn:x:record> <urn:x:status> ?status }"
    assert live.visibility.public_graphs() is not None
    assert not bool(live.get().query(probe))
    for graph in (RECORDS_GRAPH, "urn:x:not-listed"):
        remote.extend([ox.Quad(ox.NamedNode("urn:x:record"), ox.NamedNode("urn:x:status"), ox.Literal("staged"),
                               ox.NamedNode(graph))])  # fmt: skip
        try:
            assert not bool(live.get().query(probe)), graph
            live.changed()  # the writer's own signal: the list is made again, still without it
            assert not bool(live.get().query(probe)), graph
        finally:
            remote.update(f"DROP SILENT GRAPH <{graph}>")
            live.changed()
