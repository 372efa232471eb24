"""Building is idempotent, and a bad input stops the build without touching the store."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from critmin import build
from critmin.rdf.input import RdfInputError
from critmin.store import EmbeddedStore

PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture
def home(tmp_path) -> Path:
    """A private copy of the project's inputs that a test may break."""
    copy = tmp_path / "home"
    for folder in ("ontology", "shapes", "data"):
        shutil.copytree(PROJECT / folder, copy / folder)
    return copy


def test_build_makes_a_graph_per_set_of_sources_plus_ontology_shapes_inferences(store):
    """Each data file is one source's statements; the store keeps each triple once, in
    the graph of exactly the sources that state it (data/a+b for a triple a and b both
    state), so the union default graph has no duplicates."""
    graphs = {name.rsplit("/graph/", 1)[1] for name in store.named_graphs()}
    stems = {p.stem for p in (PROJECT / "data").glob("*.ttl")}
    fixed = {"ontology", "shapes", "inferred", "meta", "data/sources"}
    assert fixed <= graphs
    data = [g.removeprefix("data/").split("+") for g in graphs - fixed]
    assert all(g.startswith("data/") for g in graphs - fixed)
    assert {stem for parts in data for stem in parts} == stems - {"sources"}
    assert any(len(parts) > 1 for parts in data) and all(parts == sorted(parts) for parts in data)
    assert store.dataset_version()


def test_the_recorded_count_of_inferences_is_the_inferred_graphs_size(store):
    """The metadata's count of inferred triples (and the store's count, which the rule
    reasoner's fixpoint compares) is the number of quads in the inferred graph."""
    inferred = "https://w3id.org/critmin/graph/inferred"
    size = len(store.graph_quads(inferred))
    assert size > 0 and store.count(inferred) == size
    rows = list(store.query(f"SELECT ?n WHERE {{ GRAPH ?m {{ <{inferred}> cm:tripleCount ?n }} }}"))
    assert [int(r["n"].value) for r in rows] == [size]


def test_a_data_file_must_be_named_after_a_registered_source(home, tmp_path):
    (home / "data" / "nrcan-2020-01-09.ttl").rename(home / "data" / "seed.ttl")
    with pytest.raises(build.BuildError, match=r"seed\.ttl.*source/seed is not a cm:SourceDocument"):
        build.build(tmp_path / "store", home)


def test_rebuild_is_a_no_op_and_force_gives_the_same_graph(home, tmp_path):
    path = tmp_path / "store"
    first = build.build(path, home)
    again = build.build(path, home)
    assert first.changed and not again.changed
    assert again.version == first.version and again.graphs == first.graphs
    forced = build.build(path, home, force=True)
    assert forced.changed and forced.graphs == first.graphs
    assert len(list(path.glob("db-*"))) == 1


def test_changed_input_changes_the_version(home, tmp_path):
    path = tmp_path / "store"
    first = build.build(path, home)
    with (home / "data" / "dos-2020-01-09.ttl").open("a") as handle:
        handle.write('\nevent:canada-us-joint-action-plan-finalized-dos skos:note "extra"@fr .\n')
    second = build.build(path, home)
    assert second.changed and second.version != first.version


def test_malformed_file_stops_the_build_with_file_line_column(home, tmp_path):
    path = tmp_path / "store"
    build.build(path, home)
    before = EmbeddedStore.open(path).dataset_version()
    broken = home / "data" / "sources.ttl"
    lines = broken.read_text().splitlines()
    lines[29] = "source:oops dct:title 'unterminated ;"
    broken.write_text("\n".join(lines))

    with pytest.raises(RdfInputError) as caught:
        build.build(path, home)

    assert caught.value.line == 30 and caught.value.column is not None
    assert str(caught.value).startswith(f"{broken}:30:")
    live = EmbeddedStore.open(path)
    assert live.dataset_version() == before
    assert list(live.query("SELECT * WHERE { ?s ?p ?o } LIMIT 1"))


def test_data_that_breaks_a_shape_stops_the_build(home, tmp_path):
    path = tmp_path / "store"
    build.build(path, home)
    before = EmbeddedStore.open(path).dataset_version()
    seed = home / "data" / "nrcan-2020-01-09.ttl"
    seed.write_text(seed.read_text().replace("cm:supplierRank 2 ;", "cm:supplierRank 0 ;", 1))

    with pytest.raises(build.BuildError, match="SupplyRelation-rank"):
        build.build(path, home)
    assert EmbeddedStore.open(path).dataset_version() == before


def test_missing_inputs_are_reported(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(build.BuildError, match="lacks"):
        build.build(tmp_path / "store", tmp_path / "empty")
