"""Bulk loaders into a remote engine (critmin.store.bulk_load), on a real Oxigraph server:
loaders agree with each other, and a misconfigured or failing load says what went
wrong (and whether anything was changed). Virtuoso's isql loader is exercised by
test_engines, which builds Virtuoso with it."""

from __future__ import annotations

import os
import subprocess
import sys

import pyoxigraph as ox
import pytest
from engines import start_oxigraph
from servers import PROJECT

from critmin import build
from critmin.store import EmbeddedStore
from critmin.store.bulk_load import LoadError, loader_from_environment
from critmin.store.remote import Endpoint, RemoteStore

sys.path.insert(0, str(PROJECT / "bench"))
from generate import write_graph

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory):
    engine = start_oxigraph(tmp_path_factory.mktemp("bulk-oxigraph"))
    yield engine
    engine.stop()


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """3,000 triples from the scale generator (bench/generate.py)."""
    return write_graph(3000, tmp_path_factory.mktemp("generated") / "bench.nq")


@pytest.fixture
def remote(oxigraph, monkeypatch):
    monkeypatch.setenv("CRITMIN_REMOTE_UPDATE_URL", oxigraph.update_url)
    return RemoteStore(oxigraph.query_url)


def stored(remote: RemoteStore) -> set[str]:
    answer = remote._raw_select("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    return {" ".join(str(row[v]) for v in ("s", "p", "o", "g")) for row in answer}


def count(remote: RemoteStore) -> int:
    return int(next(iter(remote._raw_select(COUNT)))["n"].value)


def test_update_and_graph_store_loaders_put_the_same_quads(remote, store, oxigraph, monkeypatch):
    quads = list(store.quads())
    assert any(isinstance(q.object, ox.BlankNode) for q in quads)  # the shapes' RDF lists
    monkeypatch.setenv("CRITMIN_REMOTE_LOADER", "update")
    assert remote.replace_everything(quads) == len(quads)
    by_update = stored(remote)
    monkeypatch.setenv("CRITMIN_REMOTE_LOADER", "gsp")
    monkeypatch.setenv("CRITMIN_REMOTE_GSP_URL", oxigraph.query_url.replace("/query", "/store"))
    assert remote.replace_everything(quads) == len(quads)
    assert stored(remote) == by_update and len(by_update) == len(quads)
    assert any(".well-known/genid/" in line for line in by_update)  # blank nodes as skolem IRIs


def test_misconfigured_loader_changes_nothing(remote, store, oxigraph, monkeypatch, tmp_path):
    monkeypatch.setenv("CRITMIN_REMOTE_LOADER", "update")
    remote.replace_everything(store.quads())
    before = count(remote)
    environment = {**os.environ, "CRITMIN_HOME": str(PROJECT), "CRITMIN_REMOTE_LOADER": "bogus",
                   "CRITMIN_STATE": str(tmp_path / "state")}  # fmt: skip
    done = subprocess.run([sys.executable, "-m", "critmin.cli", "build", "--force", "--store", oxigraph.query_url],
                          capture_output=True, text=True, env=environment, timeout=120)  # fmt: skip
    assert done.returncode == 2
    assert "unknown CRITMIN_REMOTE_LOADER 'bogus'" in done.stderr and "nothing was changed" in done.stderr
    assert count(remote) == before


def test_failing_graph_store_load_names_the_answer(remote, store, oxigraph, monkeypatch):
    monkeypatch.setenv("CRITMIN_REMOTE_LOADER", "gsp")
    monkeypatch.setenv("CRITMIN_REMOTE_GSP_URL", oxigraph.query_url)  # not a Graph Store endpoint
    with pytest.raises(LoadError) as failure:
        remote.replace_everything(store.quads())
    assert failure.value.partial
    assert "Graph Store load of <https://w3id.org/critmin/graph/" in str(failure.value)
    assert "answered 4" in str(failure.value)


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"CRITMIN_REMOTE_LOADER": "gsp"}, "needs CRITMIN_REMOTE_GSP_URL"),
        ({"CRITMIN_REMOTE_LOADER": "virtuoso-isql"}, "needs CRITMIN_VIRTUOSO_LOAD_DIR"),
        ({"CRITMIN_REMOTE_LOADER": "sideways"}, "use one of update, gsp, virtuoso-isql"),
    ],
)
def test_loader_settings_are_checked(settings, message, monkeypatch):
    for name in ("CRITMIN_REMOTE_GSP_URL", "CRITMIN_VIRTUOSO_LOAD_DIR", "CRITMIN_VIRTUOSO_SQL_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(LoadError, match=message):
        loader_from_environment(lambda batch: None, None, 10)


def test_isql_loader_reports_a_missing_isql(tmp_path, monkeypatch):
    monkeypatch.setenv("CRITMIN_REMOTE_LOADER", "virtuoso-isql")
    monkeypatch.setenv("CRITMIN_VIRTUOSO_LOAD_DIR", str(tmp_path))
    monkeypatch.setenv("CRITMIN_VIRTUOSO_SQL_PASSWORD", "secret")
    monkeypatch.setenv("CRITMIN_VIRTUOSO_ISQL", str(tmp_path / "no-such-isql"))
    loader = loader_from_environment(lambda batch: None, None, 10)
    quad = ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal("o"), ox.NamedNode("http://e/g"))
    with pytest.raises(LoadError, match="isql could not run"):
        loader.load([quad])
    assert list(tmp_path.iterdir()) == []  # the spooled file is removed


def test_generated_sample_passes_the_shacl_gate(generated, tmp_path):
    """The scale generator's output conforms to the shapes (the build's gate checks it)."""
    result = build.build(tmp_path / "store", PROJECT, extra=[generated], reasoner="owlrl", validate=True, force=True)
    assert result.graphs["https://w3id.org/critmin/graph/bench"] > 3000


def test_remote_build_with_extra_data_and_rules_matches_the_embedded_build(generated, oxigraph, tmp_path):
    """`critmin build --store URL --extra F --reasoner rules`: loaded in bulk, entailments
    computed inside the engine, every graph as large as in the embedded build."""
    embedded = build.build(tmp_path / "store", PROJECT, extra=[generated], reasoner="rules", validate=False)
    environment = {**os.environ, "CRITMIN_HOME": str(PROJECT), "CRITMIN_STATE": str(tmp_path / "state"),
                   "CRITMIN_REMOTE_UPDATE_URL": oxigraph.update_url, **oxigraph.loader_env}  # fmt: skip
    command = [sys.executable, "-m", "critmin.cli", "build", "--force", "--store", oxigraph.query_url,
               "--extra", str(generated), "--reasoner", "rules", "--no-validate"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    remote = RemoteStore(oxigraph.query_url, Endpoint(oxigraph.query_url, oxigraph.update_url, None, 60))
    loaded = {s.name: s.triples for s in remote.graph_summaries()}
    for graph, triples in embedded.graphs.items():
        if not graph.endswith("/meta"):
            assert loaded.get(graph) == triples, graph
    assert loaded["https://w3id.org/critmin/graph/inferred"] > 1000


def test_large_extra_data_is_streamed_into_the_store_with_the_same_result(generated, tmp_path):
    """With --no-validate --reasoner rules an extra N-Quads file goes straight into the
    store through pyoxigraph's bulk loader; the store equals the one a read build makes."""
    streamed = build.build(tmp_path / "streamed", PROJECT, extra=[generated], reasoner="rules", validate=False)
    read = build.build(tmp_path / "read", PROJECT, extra=[generated], reasoner="rules", validate=True)
    assert streamed.graphs == read.graphs
    bench_graph = "https://w3id.org/critmin/graph/bench"

    def bench_quads(folder):
        return set(map(str, EmbeddedStore.open(folder).graph_quads(bench_graph)))

    assert bench_quads(tmp_path / "streamed") == bench_quads(tmp_path / "read")
    meta = EmbeddedStore.open(tmp_path / "streamed").query(
        f"SELECT ?n WHERE {{ GRAPH <https://w3id.org/critmin/graph/meta> {{ <{bench_graph}> "
        "<https://w3id.org/critmin/ontology#tripleCount> ?n } }"
    )
    assert [int(row["n"].value) for row in meta] == [streamed.graphs[bench_graph]]


def test_streamed_extra_data_errors_name_file_line_and_column(tmp_path):
    broken = tmp_path / "broken.nq"
    broken.write_text('<http://e/s> <http://e/p> "1" .\n<http://e/s> <http://e/p> "2"\n')
    with pytest.raises(build.BuildError, match=r"broken\.nq: .*line 3 column 1"):
        build.build(tmp_path / "store", PROJECT, extra=[broken], reasoner="rules", validate=False)
    assert not (tmp_path / "store" / "current").exists()
