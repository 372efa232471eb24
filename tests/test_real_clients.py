"""The endpoint through the clients researchers use: SPARQLWrapper and rdflib's SPARQLStore."""

from __future__ import annotations

import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, POST, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from critmin.sparql import queries

CQ01 = queries.load(queries.find("cq01")).text
CONSTRUCT = """PREFIX cm: <https://w3id.org/critmin/ontology#>
CONSTRUCT { ?r cm:supplier ?s ; cm:commodity ?c } WHERE { ?r a cm:SupplyRelation ; cm:supplier ?s ; cm:commodity ?c }"""
LABELS = {"Aluminum", "Indium", "Potash", "Tellurium"}


def wrapper(server, query: str, fmt: str, method: str = "GET") -> SPARQLWrapper:
    client = SPARQLWrapper(f"{server.url}/sparql")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setMethod(method)
    return client


@pytest.mark.parametrize("method", ["GET", POST])
def test_sparqlwrapper_json_and_xml(server, method):
    result = wrapper(server, CQ01, JSON, method).queryAndConvert()
    assert {b["label"]["value"] for b in result["results"]["bindings"]} == LABELS
    document = wrapper(server, CQ01, XML, method).queryAndConvert()
    bindings = [b for b in document.getElementsByTagName("binding") if b.getAttribute("name") == "label"]
    literals = {n.firstChild.data for b in bindings for n in b.getElementsByTagName("literal")}
    assert literals == LABELS


def test_sparqlwrapper_csv_tsv(server):
    csv_text = wrapper(server, CQ01, CSV).queryAndConvert().decode()
    assert all(label in csv_text for label in LABELS) and csv_text.startswith("commodity,label,source")
    tsv_text = wrapper(server, CQ01, TSV).queryAndConvert().decode()
    assert tsv_text.startswith("?commodity\t?label\t?source")


def test_sparqlwrapper_ask(server):
    result = wrapper(server, "ASK { ?s ?p ?o }", JSON).queryAndConvert()
    assert result["boolean"] is True


@pytest.mark.parametrize("fmt", [TURTLE, RDFXML, JSONLD, N3])
def test_sparqlwrapper_graph_formats(server, fmt):
    converted = wrapper(server, CONSTRUCT, fmt).queryAndConvert()
    graph = converted if isinstance(converted, rdflib.Graph) else rdflib.Graph().parse(
        data=converted, format={TURTLE: "turtle", N3: "n3", JSONLD: "json-ld"}.get(fmt, "xml")
    )  # fmt: skip
    assert len(graph) == 16


def test_rdflib_sparqlstore(server):
    store = SPARQLStore(f"{server.url}/sparql", returnFormat="json")
    graph = rdflib.Graph(store=store)
    labels = {str(row.label) for row in graph.query(CQ01)}
    assert labels == LABELS
    constructed = graph.query(CONSTRUCT)
    assert len(constructed.graph) == 16
    assert graph.query("ASK { ?s ?p ?o }").askAnswer is True
