"""/sparql beyond the W3C manifest: negotiation, errors, caching, CORS, gzip, limits."""

from __future__ import annotations

import csv
import gzip
import io
import json

import httpx
import pytest
import rdflib

from critmin.sparql import queries

SELECT_ALL = "SELECT * WHERE { ?s ?p ?o }"
CONSTRUCT = "CONSTRUCT { ?s a ?t } WHERE { ?s a <https://w3id.org/critmin/ontology#CommodityGroup> ; a ?t }"


def get(server, query: str | None = None, **kwargs) -> httpx.Response:
    params = dict(kwargs.pop("params", {}))
    if query is not None:
        params["query"] = query
    return httpx.get(f"{server.url}/sparql", params=params, timeout=60, **kwargs)


@pytest.mark.parametrize(
    "accept, expected",
    [
        (None, "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("application/json", "application/json"),
        ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
        ("text/*;q=0.8, application/sparql-results+json;q=0.1", "text/csv"),
        ("application/sparql-results+json;q=0, */*;q=0.1", "application/sparql-results+xml"),
    ],
)
def test_select_negotiation(server, accept, expected):
    headers = {"Accept": accept} if accept else {}
    response = get(server, "SELECT ?x WHERE { VALUES ?x { 1 } }", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == expected
    assert "Accept" in response.headers["vary"]


@pytest.mark.parametrize(
    "accept, expected, parse_as",
    [
        (None, "text/turtle", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("application/trig", "application/trig", "trig"),
        ("application/n-quads", "application/n-quads", "nquads"),
        ("text/html;q=0.9, application/rdf+xml;q=0.5", "application/rdf+xml", "xml"),
    ],
)
def test_graph_negotiation(server, accept, expected, parse_as):
    headers = {"Accept": accept} if accept else {}
    response = get(server, CONSTRUCT, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == expected
    graph = rdflib.Dataset() if parse_as in ("trig", "nquads") else rdflib.Graph()
    graph.parse(data=response.text, format=parse_as)
    assert len(graph) >= 2 or len(list(graph.quads())) >= 2


def test_nothing_acceptable_is_406(server):
    response = get(server, "ASK {}", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.text
    assert get(server, CONSTRUCT, headers={"Accept": "text/csv"}).status_code == 406


@pytest.mark.parametrize(
    "fmt, media", [("csv", "text/csv"), ("tsv", "text/tab-separated-values"), ("xml", "application/sparql-results+xml"),
                   ("json", "application/sparql-results+json"), ("text/csv", "text/csv")],
)  # fmt: skip
def test_format_parameter_overrides_accept(server, fmt, media):
    response = get(
        server, "SELECT ?x WHERE { VALUES ?x { 1 } }", params={"format": fmt}, headers={"Accept": "image/png"}
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith(media)


def test_format_that_does_not_fit(server):
    response = get(server, "ASK {}", params={"format": "turtle"})
    assert response.status_code == 400 and "does not fit" in response.text


def test_csv_and_tsv_bodies(server):
    query = 'SELECT ?a ?b WHERE { VALUES (?a ?b) { (<http://example.org/x> "say \\"hi\\", ok"@en) } }'
    rows = list(csv.reader(io.StringIO(get(server, query, params={"format": "csv"}).text)))
    assert rows == [["a", "b"], ["http://example.org/x", 'say "hi", ok']]
    lines = get(server, query, params={"format": "tsv"}).text.splitlines()
    assert lines == ["?a\t?b", '<http://example.org/x>\t"say \\"hi\\", ok"@en']


def test_syntax_error_is_400_with_position(server):
    response = get(server, "SELECT * WHERE { ?s ?p }")
    assert response.status_code == 400
    assert "syntax error" in response.text and "line 1, column 25" in response.text and "^" in response.text


def test_service_description_negotiated(server):
    turtle = get(server, headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and turtle.headers["content-type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=turtle.text, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    service = next(graph.subjects(rdflib.RDF.type, sd.Service))
    assert (service, sd.endpoint, None) in graph
    assert (service, sd.feature, sd.UnionDefaultGraph) in graph
    assert len(list(graph.objects(service, sd.resultFormat))) == 10
    assert len(list(graph.subjects(rdflib.RDF.type, sd.NamedGraph))) >= 13
    for accept, fmt in (("application/ld+json", "json-ld"), ("application/rdf+xml", "xml")):
        response = get(server, headers={"Accept": accept})
        assert len(rdflib.Graph().parse(data=response.text, format=fmt)) == len(graph)


def test_etag_revalidation_and_cache(server):
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    first = get(server, query)
    etag = first.headers["etag"]
    assert etag.startswith('W/"') and first.headers["x-critmin-dataset-version"]
    again = get(server, query, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert get(server, query).text == first.text
    assert get(server, query, headers={"Accept": "text/csv"}).headers["etag"] != etag


def test_cors_for_reads(server):
    response = get(server, "ASK {}", headers={"Origin": "https://example.org"})
    assert response.headers["access-control-allow-origin"] == "*"
    exposed = response.headers["access-control-expose-headers"]
    for header in ("ETag", "Link", "Content-Location", "X-Critmin-Truncated"):
        assert header in exposed
    preflight = httpx.options(
        f"{server.url}/sparql",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"},
    )  # fmt: skip
    assert preflight.status_code == 200 and "POST" in preflight.headers["access-control-allow-methods"]


def test_gzip(server):
    response = httpx.get(
        f"{server.url}/sparql", params={"query": SELECT_ALL + " LIMIT 500"}, headers={"Accept-Encoding": "gzip"}
    )
    assert response.headers["content-encoding"] == "gzip"
    raw = httpx.get(
        f"{server.url}/sparql", params={"query": SELECT_ALL + " LIMIT 500"}, headers={"Accept-Encoding": "identity"}
    )
    assert "content-encoding" not in raw.headers
    assert json.loads(response.text) == json.loads(raw.text)
    assert len(gzip.compress(raw.content)) < len(raw.content)


def test_row_limit_is_announced_never_silent(server):
    response = get(server, SELECT_ALL)
    assert response.headers["x-critmin-row-limit"] == "1000"
    assert response.headers["x-critmin-truncated"] == "true"
    assert len(json.loads(response.text)["results"]["bindings"]) == 1000
    small = get(server, SELECT_ALL + " LIMIT 10")
    assert "x-critmin-truncated" not in small.headers and small.headers["x-critmin-rows"] == "10"
    graph = get(server, "CONSTRUCT WHERE { ?s ?p ?o }", headers={"Accept": "application/n-triples"})
    assert graph.headers["x-critmin-truncated"] == "true"
    assert len(graph.text.strip().splitlines()) == 1000


def test_large_results_stream_from_a_spool(server):
    """Results over the inline limit (64 kB on the test server) go through a spool file."""
    response = get(server, SELECT_ALL, params={"format": "xml"}, headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200 and int(response.headers["content-length"]) > 100_000
    assert response.text.rstrip().endswith("</sparql>")
    assert response.headers["x-critmin-truncated"] == "true"


def test_updates_are_refused(server):
    for response in (
        get(server, "INSERT DATA { <http://e/s> <http://e/p> 1 }"),
        httpx.post(f"{server.url}/sparql", data={"query": "DELETE WHERE { ?s ?p ?o }"}),
        httpx.post(f"{server.url}/sparql", content="CLEAR ALL", headers={"Content-Type": "application/sparql-update"}),
    ):
        assert response.status_code == 400 and "Update" in response.text
    assert get(server, "ASK { ?s ?p ?o }").json()["boolean"] is True


def test_oversized_body_is_413(server):
    response = httpx.post(
        f"{server.url}/sparql",
        content="ASK {} #" + "x" * (2 << 20),
        headers={"Content-Type": "application/sparql-query"},
    )
    assert response.status_code == 413


def test_timeout_parameter_must_be_a_number(server):
    assert get(server, "ASK {}", params={"timeout": "soon"}).status_code == 400
    assert get(server, "ASK {}", params={"timeout": "-1"}).status_code == 400


def test_health(server):
    body = httpx.get(f"{server.url}/health").json()
    assert body["status"] == "ok" and body["dataset_version"]


@pytest.mark.parametrize("canned", queries.all_queries(), ids=lambda q: q.name)
def test_competency_questions_same_through_endpoint_as_cli(server, store, canned):
    through_http = get(server, canned.text).json()
    variables = through_http["head"]["vars"]
    http_rows = sorted(
        tuple(row.get(v, {}).get("value") for v in variables) for row in through_http["results"]["bindings"]
    )
    local = store.query(canned.text)
    local_rows = sorted(tuple(s[v].value if s[v] is not None else None for v in variables) for s in local)
    assert http_rows == local_rows and http_rows


def test_from_in_the_query_text_is_the_dataset_when_the_request_names_none(server, store):
    """SPARQL's FROM and FROM NAMED choose the dataset (the protocol's parameters, when
    given, take precedence). The embedded store's union flag made pyoxigraph ignore a
    FROM: `COUNT(*) FROM <ontology>` counted every public triple."""
    ontology = "https://w3id.org/critmin/graph/ontology"
    count = "SELECT (COUNT(*) AS ?n) {} WHERE {{ ?s ?p ?o }}"

    def number(query: str, **params) -> int:
        response = get(server, query, params=params, headers={"Accept": "application/sparql-results+json"})
        assert response.status_code == 200, response.text
        return int(response.json()["results"]["bindings"][0]["n"]["value"])

    in_ontology = store.count(ontology)
    assert 0 < in_ontology < number(count.format(""))
    assert number(count.format(f"FROM <{ontology}>")) == in_ontology
    declared = "PREFIX g: <https://w3id.org/critmin/graph/>\n" + count.format("FROM g:ontology")
    assert number(declared) == in_ontology == number(count.format("FROM graph:ontology"))  # graph: predeclared
    sources = "https://w3id.org/critmin/graph/data/sources"
    both = number(count.format(f"FROM <{ontology}> FROM <{sources}>"))
    assert both == len({(q.subject, q.predicate, q.object) for g in (ontology, sources) for q in store.graph_quads(g)})
    assert number(count.format(f"FROM <{ontology}>"), **{"default-graph-uri": sources}) == store.count(sources)
    named = get(server, f"SELECT DISTINCT ?g FROM NAMED <{ontology}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}").json()
    assert [row["g"]["value"] for row in named["results"]["bindings"]] == [ontology]
    assert number(f"SELECT (COUNT(*) AS ?n) FROM NAMED <{ontology}> WHERE {{ ?s ?p ?o }}") == 0  # default: empty
