"""The `critmin` command line, including its answers to bad input."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path
from xml.etree import ElementTree

import pyoxigraph as ox
import pytest
import rdflib

PROJECT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
CONSTRUCT = (
    "CONSTRUCT { ?c <http://www.w3.org/2000/01/rdf-schema#label> ?l } WHERE { "
    "?c a <https://w3id.org/critmin/ontology#CommodityGroup> ; "
    "<http://www.w3.org/2000/01/rdf-schema#label> ?l }"
)


def test_console_script_runs_a_canned_query(run_cli):
    done = run_cli("query", "cq02", "--format", "table")
    assert done.returncode == 0, done.stderr
    assert "Magnesium" in done.stdout and "Niobium" in done.stdout and "(3 rows)" in done.stdout


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "xml", "table"])
def test_query_result_formats(run_cli, fmt):
    done = run_cli("query", str(PROJECT / "queries" / "cq01-canada-largest-supplier.rq"), "--format", fmt)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    if fmt == "json":
        bindings = json.loads(out)["results"]["bindings"]
        assert sorted(b["label"]["value"] for b in bindings) == ["Aluminum", "Indium", "Potash", "Tellurium"]
    elif fmt == "xml":
        root = ElementTree.fromstring(out)
        assert len(root.findall(".//{http://www.w3.org/2005/sparql-results#}result")) == 4
    elif fmt in ("csv", "tsv"):
        rows = list(csv.reader(io.StringIO(out), delimiter="," if fmt == "csv" else "\t"))
        assert len(rows) == 5
    else:
        assert "(4 rows)" in out


@pytest.mark.parametrize(
    "fmt, rdflib_format", [("turtle", "turtle"), ("ntriples", "nt"), ("jsonld", "json-ld"), ("xml", "xml")]
)
def test_graph_result_formats(run_cli, fmt, rdflib_format):
    done = run_cli("query", "--query", CONSTRUCT, "--format", fmt)
    assert done.returncode == 0, done.stderr
    graph = rdflib.Graph().parse(data=done.stdout, format=rdflib_format)
    assert {str(o) for o in graph.objects()} == {"Rare earth elements", "Platinum group metals"}


def test_ask_query(run_cli):
    done = run_cli("query", "--query", "ASK { ?s ?p ?o }", "--format", "json")
    assert json.loads(done.stdout)["boolean"] is True


def test_from_narrows_the_union(run_cli, store):
    """`critmin query` runs over the union of all graphs unless the query's FROM names
    its dataset (pyoxigraph's union flag overrode a FROM: every triple was counted)."""
    ontology = "https://w3id.org/critmin/graph/ontology"
    done = run_cli("query", "--query", f"SELECT (COUNT(*) AS ?n) FROM <{ontology}> WHERE {{ ?s ?p ?o }}",
                   "--format", "json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["results"]["bindings"][0]["n"]["value"] == str(store.count(ontology))


def test_syntax_error_names_the_position(run_cli):
    done = run_cli("query", "--query", "SELECT * WHERE { ?s ?p }")
    assert done.returncode == 2
    assert "SPARQL syntax error" in done.stderr and "line 1, column 25" in done.stderr
    assert done.stdout == ""


def test_format_that_does_not_fit_the_result(run_cli):
    done = run_cli("query", "cq01", "--format", "turtle")
    assert done.returncode == 2 and "cannot be written as 'turtle'" in done.stderr


def test_unknown_query_file(run_cli):
    done = run_cli("query", "no-such-query.rq")
    assert done.returncode == 2 and "no query file" in done.stderr


def test_missing_store_is_explained(run_cli, tmp_path):
    done = run_cli("query", "cq01", store=tmp_path / "nowhere")
    assert done.returncode == 2 and "critmin build" in done.stderr


def test_summary(run_cli):
    done = run_cli("summary")
    assert done.returncode == 0, done.stderr
    assert "graph/data/nrcan-2020-01-09" in done.stdout and "graph/inferred" in done.stdout
    assert "Tellurium" in done.stdout


def test_validate_accepts_the_shipped_data(run_cli):
    done = run_cli("validate", *map(str, sorted((PROJECT / "data").glob("*.ttl"))))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Conforms" in done.stdout


def test_validate_resolves_references_against_the_graph(run_cli, tmp_path):
    """A contribution may point at minerals and countries the graph already holds."""
    contribution = tmp_path / "contribution.ttl"
    contribution.write_text("""
        @prefix cm: <https://w3id.org/critmin/ontology#> .
        @prefix dct: <http://purl.org/dc/terms/> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        <https://example.org/supply/1> a cm:SupplyRelation ; rdfs:label "Canada supplies lithium"@en ;
            cm:supplier <https://w3id.org/critmin/id/country/CA> ;
            cm:recipient <https://w3id.org/critmin/id/country/US> ;
            cm:commodity <https://w3id.org/critmin/id/mineral/lithium> ;
            cm:supplierRank 3 ;
            dct:source <https://w3id.org/critmin/id/source/nrcan-2020-01-09> .
    """)
    done = run_cli("validate", str(contribution))
    assert done.returncode == 0, done.stdout + done.stderr


def test_validate_reports_each_violation(run_cli, tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("""
        @prefix cm: <https://w3id.org/critmin/ontology#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        <https://example.org/supply/2> a cm:SupplyRelation ; rdfs:label "self supply"@en ;
            cm:supplier <https://w3id.org/critmin/id/country/CA> ;
            cm:recipient <https://w3id.org/critmin/id/country/CA> ;
            cm:commodity <https://w3id.org/critmin/id/mineral/lithium> ;
            cm:shareOfNeeds 1.5 ; cm:suplierRank 1 .
    """)
    text = run_cli("validate", str(bad))
    assert text.returncode == 1
    for expected in (
        "cannot supply itself",
        "between 0 and 1",
        "needs its source",
        "cm:suplierRank",
        "focus node: https://example.org/supply/2",
        "path:",
        "value:",
        "Violation",
    ):
        assert expected in text.stdout or expected.replace("cm:", "https://w3id.org/critmin/ontology#") in text.stdout

    as_json = json.loads(run_cli("validate", str(bad), "--format", "json").stdout)
    assert as_json["conforms"] is False
    shapes = {r["constraint"] or r["shape"] for r in as_json["results"]}
    assert "https://w3id.org/critmin/shapes#Supply-supplierIsNotRecipient" in shapes
    assert "https://w3id.org/critmin/shapes#SupplyRelation-share" in shapes

    report = rdflib.Graph().parse(data=run_cli("validate", str(bad), "--format", "turtle").stdout, format="turtle")
    assert (
        len(list(report.subjects(rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/shacl#ValidationResult")))) >= 4
    )


@pytest.mark.parametrize(
    "name, content, where",
    [
        ("broken.ttl", '@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e "open\n', ":3:"),
        ("broken.nt", "<http://example.org/a> <http://example.org/b> .\n", ":1:"),
        ("broken.rdf", "<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>\n<rdf:Description>\n", ":3:"),
        ("broken.jsonld", '{"@id": "http://example.org/a", "http://example.org/b": [}', ""),
    ],
)
def test_validate_unreadable_input_exits_2_with_position(run_cli, tmp_path, name, content, where):
    path = tmp_path / name
    path.write_text(content)
    done = run_cli("validate", str(path))
    assert done.returncode == 2
    assert f"{path}{where}" in done.stderr


def test_xml_entity_declarations_are_refused(run_cli, tmp_path):
    bomb = tmp_path / "bomb.rdf"
    bomb.write_text("""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">
  <rdf:Description rdf:about="http://example.org/x"><ex:p>&b;</ex:p></rdf:Description>
</rdf:RDF>""")
    done = run_cli("validate", str(bomb))
    assert done.returncode == 2 and "entity declarations are not accepted" in done.stderr
    assert f"{bomb}:2:" in done.stderr


def test_validate_unknown_file_type(run_cli, tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a,b\n")
    done = run_cli("validate", str(path))
    assert done.returncode == 2 and "unknown RDF file type" in done.stderr


def test_validate_other_formats(run_cli, tmp_path):
    graph = rdflib.Graph().parse(FIXTURES / "valid-minimal.ttl")
    for suffix, fmt in ((".nt", "nt"), (".jsonld", "json-ld"), (".rdf", "xml"), (".trig", "trig")):
        path = tmp_path / f"minimal{suffix}"
        path.write_text(graph.serialize(format=fmt))
        done = run_cli("validate", str(path))
        assert done.returncode == 0, (suffix, done.stdout, done.stderr)


def test_export_formats_and_counts(run_cli, store, tmp_path):
    quads = list(store.quads())
    nquads = tmp_path / "all.nq"
    assert run_cli("export", "--format", "nquads", "--output", str(nquads)).returncode == 0
    assert len(list(ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS))) == len(quads)

    trig = tmp_path / "all.trig"
    assert run_cli("export", "--format", "trig", "--output", str(trig)).returncode == 0
    assert len(list(ox.parse(path=str(trig), format=ox.RdfFormat.TRIG))) == len(quads)

    turtle = tmp_path / "union.ttl"
    assert run_cli("export", "--format", "turtle", "--output", str(turtle)).returncode == 0
    union = len(rdflib.Graph().parse(turtle))
    assert union == len(store.union_triples())

    nt = run_cli("export", "--format", "ntriples")
    assert len(rdflib.Graph().parse(data=nt.stdout, format="nt")) == union
    assert not list(tmp_path.glob(".*"))  # no temporary files left behind


def test_export_writes_nothing_when_it_fails(run_cli, tmp_path):
    target = tmp_path / "out.nq"
    done = run_cli("export", "--output", str(target), store=tmp_path / "missing")
    assert done.returncode == 2 and not target.exists()


def test_build_command_and_broken_input(run_cli, tmp_path, monkeypatch):
    home = tmp_path / "home"
    for folder in ("ontology", "shapes", "data", "queries"):
        shutil.copytree(PROJECT / folder, home / folder)
    store = tmp_path / "store"
    import os
    import subprocess
    import sys

    def critmin(*args):
        env = {**os.environ, "CRITMIN_HOME": str(home)}
        return subprocess.run(
            [sys.executable, "-m", "critmin.cli", *args, "--store", str(store)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )

    first = critmin("build")
    assert first.returncode == 0 and "store built" in first.stdout
    assert "up to date" in critmin("build").stdout
    (home / "data" / "dos-2020-01-09.ttl").write_text("@prefix ex: <http://example.org/> .\nex:a ex:b .\n")
    broken = critmin("build")
    assert broken.returncode == 2
    assert "dos-2020-01-09.ttl:2:" in broken.stderr and "previous store is untouched" in broken.stderr
    assert critmin("query", "cq01", "--format", "csv").stdout.count("\n") == 5
