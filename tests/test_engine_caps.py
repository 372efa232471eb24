"""An engine that cuts answers at its own row cap: Virtuoso as Debian packages it
(`ResultSetMaxRows = 10000` in virtuoso.ini). A CONSTRUCT of a larger graph comes back
with 10,001 triples and no sign of the cut; a SELECT with the header X-SPARQL-MaxRows.
critmin must never publish such a read (dumps, patches, the change feed are made from
graph reads) and must tell a researcher whose answer was cut."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from engines import start_virtuoso, virtuoso_available
from inprocess import run_in_own_loop

from critmin.sparql.remote_executor import RemoteExecutor
from critmin.sparql.worker import QueryJob
from critmin.store.remote import RemoteError, RemoteStore

BIG = "http://example.org/graph/big"  # 10,500 triples: past the cap
SMALL = "http://example.org/graph/small"  # 100
P = ox.NamedNode("http://example.org/p")


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    if not virtuoso_available():
        pytest.fail("Virtuoso is not installed: `make test` installs Debian's virtuoso-opensource")
    engine = start_virtuoso(tmp_path_factory.mktemp("virtuoso-caps"))
    remote = RemoteStore(engine.query_url)
    for graph, size in ((BIG, 10_500), (SMALL, 100)):
        name = ox.NamedNode(graph)
        remote.extend(ox.Quad(ox.NamedNode(f"{graph}/s{i}"), P, ox.Literal(i), name) for i in range(size))
    yield remote
    engine.stop()


def test_a_graph_read_short_is_refused_with_the_reason(virtuoso):
    assert virtuoso.count(BIG) == 10_500  # the engine knows; its CONSTRUCT gives 10,001
    with pytest.raises(
        RemoteError, match=r"returned 10,00[01] of the 10,500 triples of <http://example.org/graph/big>"
    ):
        virtuoso.graph_quads(BIG)
    assert len(virtuoso.graph_quads(SMALL)) == 100


def test_critmin_s_own_select_refuses_a_cut_answer(virtuoso):
    with pytest.raises(RemoteError, match="cut the answer at 10000 rows"):
        virtuoso.query(f"SELECT ?s WHERE {{ GRAPH <{BIG}> {{ ?s ?p ?o }} }}", named_graphs=[BIG])
    assert (
        len(list(virtuoso.query(f"SELECT ?s WHERE {{ GRAPH <{SMALL}> {{ ?s ?p ?o }} }}", named_graphs=[SMALL]))) == 100
    )


def test_a_researcher_s_cut_answer_is_marked_truncated(virtuoso, tmp_path):
    async def run(graph: str):
        executor = RemoteExecutor(virtuoso, str(tmp_path))
        await executor.start()
        try:
            return await executor.run(QueryJob(f"SELECT ?s WHERE {{ ?s ?p ?o }} # {graph}", "json", 100_000,
                                               public_graphs=(graph,)), 30)  # fmt: skip
        finally:
            await executor.close()

    cut = run_in_own_loop(run(BIG))
    assert cut.truncated and cut.rows == 10_000
    assert len(json.loads(cut.body)["results"]["bindings"]) == 10_000
    whole = run_in_own_loop(run(SMALL))
    assert not whole.truncated and whole.rows == 100
