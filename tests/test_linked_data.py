"""Linked data for harvesters: dereferencing, documentation, VoID/DCAT, dumps, feed, sitemap."""

from __future__ import annotations

import gzip
import hashlib
import io
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pyshacl
import pytest
import rdflib
from rdflib.compare import isomorphic
from servers import wait_for_derived

from critmin.linked_data.describe import local_path

FIXTURES = Path(__file__).parent / "fixtures"
PROJECT = Path(__file__).resolve().parents[1]
LITHIUM = "https://w3id.org/critmin/id/mineral/lithium"
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")
FOAF = rdflib.Namespace("http://xmlns.com/foaf/0.1/")


def fetch(server, path: str, accept: str | None = None, **kwargs) -> httpx.Response:
    headers = {"Accept": accept} if accept else {}
    headers.update(kwargs.pop("headers", {}))
    return httpx.get(server.url + path, headers=headers, timeout=60, **kwargs)


@pytest.mark.parametrize(
    "accept, media, parse_as",
    [
        ("text/turtle", "text/turtle", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html", None),
        ("text/turtle;q=0.4, application/ld+json;q=0.9", "application/ld+json", "json-ld"),
        (None, "text/turtle", "turtle"),
    ],
)
def test_instance_iri_negotiation(server, accept, media, parse_as):
    response = fetch(server, "/id/mineral/lithium", accept)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media
    assert response.headers["vary"].startswith("Accept")
    suffix = {"text/turtle": "ttl", "application/n-triples": "nt", "application/ld+json": "jsonld",
              "application/rdf+xml": "rdf", "text/html": "html"}[media]  # fmt: skip
    assert response.headers["content-location"] == f"/id/mineral/lithium.{suffix}"
    links = response.headers["link"]
    for rel in ('rel="license"', 'rel="cite-as"', 'rel="describedby"', 'rel="alternate"'):
        assert rel in links
    assert '/cite>; rel="cite-as"' in links and f'<{LITHIUM}>; rel="canonical"' in links
    if parse_as:
        graph = rdflib.Graph().parse(data=response.text, format=parse_as)
        subject = rdflib.URIRef(LITHIUM)
        assert (subject, rdflib.RDF.type, rdflib.URIRef("https://w3id.org/critmin/ontology#Commodity")) in graph
        document = rdflib.URIRef(f"{server.url}/id/mineral/lithium.{suffix}")
        assert (document, VOID.inDataset, rdflib.URIRef("https://w3id.org/critmin/id/dataset")) in graph
        assert (document, rdflib.DCTERMS.license, None) in graph
        # Labels of what it links to, and incoming links (list entries that denote it).
        assert (rdflib.URIRef("https://w3id.org/critmin/id/element/lithium"), rdflib.RDFS.label, None) in graph
        assert (None, rdflib.URIRef("https://w3id.org/critmin/ontology#denotes"), subject) in graph


@pytest.mark.parametrize(
    "path, media",
    [("/id/mineral/lithium.ttl", "text/turtle"), ("/id/mineral/lithium.jsonld", "application/ld+json"),
     ("/id/mineral/lithium.nt", "application/n-triples"), ("/id/mineral/lithium.rdf", "application/rdf+xml"),
     ("/id/mineral/lithium.html", "text/html"), ("/id/mineral/lithium?format=jsonld", "application/ld+json")],
)  # fmt: skip
def test_suffix_and_format_override_accept(server, path, media):
    response = fetch(server, path, "image/png")
    assert response.status_code == 200 and response.headers["content-type"].startswith(media)


def test_not_acceptable_unknown_and_retired(server):
    assert fetch(server, "/id/mineral/lithium", "image/png").status_code == 406
    missing = fetch(server, "/id/mineral/unobtainium", "text/turtle")
    assert missing.status_code == 404 and "unobtainium" in missing.text
    retired = fetch(server, "/id/mineral/bauxite", "text/turtle")
    assert retired.status_code == 410
    assert "https://w3id.org/critmin/id/mineral/aluminum" in retired.text
    assert 'rel="successor-version"' in retired.headers["link"]


def test_documents_keep_the_stored_lexical_forms(server):
    """A harvester re-fetching a resource must get the literals the dumps and patches
    hold, character for character: rdflib would write the store's "...Z" dateTime as
    "...+00:00" (the same value, another line), so a feed harvester's copy drifted."""
    query = "SELECT ?m WHERE { <https://w3id.org/critmin/id/dataset> <http://purl.org/dc/terms/modified> ?m }"
    stored = fetch(server, "/sparql", "application/sparql-results+json", params={"query": query})
    lexical = stored.json()["results"]["bindings"][0]["m"]["value"]
    document = fetch(server, "/id/dataset", "application/n-triples").text
    served = [line for line in document.splitlines() if "<http://purl.org/dc/terms/modified>" in line]
    assert served and all(f'"{lexical}"^^' in line for line in served), (lexical, served)


def test_incoming_links_are_bounded_with_a_link_to_the_rest(server):
    response = fetch(server, "/id/source/us-usgs-2022", "text/turtle")
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    source = rdflib.URIRef("https://w3id.org/critmin/id/source/us-usgs-2022")
    document = rdflib.URIRef(f"{server.url}/id/source/us-usgs-2022.ttl")
    assert len({(s, p) for s, p in graph.subject_predicates(source) if s != document}) == 100
    more = graph.value(document, rdflib.RDFS.seeAlso)
    rest = httpx.get(str(more) + "&format=json").json()["results"]["bindings"]
    assert len({(r["subject"]["value"], r["property"]["value"]) for r in rest}) > 100
    html = fetch(server, "/id/source/us-usgs-2022", "text/html").text
    assert "All incoming links" in html and "Showing 100 of" in html


def test_html_page_shows_facts_sources_links_formats_and_query_link(server):
    html = fetch(server, "/id/supply/CA-US-uranium", "text/html").text
    for expected in ("Canada supplies roughly one quarter of U.S. uranium needs", "share of needs", "0.25",
                     "Canada and U.S. Finalize Joint Action Plan", "2020-01-09", 'href="/id/country/CA"',
                     "Incoming links", 'href="/id/supply/CA-US-uranium.ttl"', "Query this", "DESCRIBE"):  # fmt: skip
        assert expected in html, expected
    assert "<script" not in html


def test_each_statement_on_a_page_names_its_sources(server):
    """An entity page shows, next to each statement, the documents that state it."""
    html = fetch(server, "/id/mineral/aluminum", "text/html").text
    rows = {row.split("</th>", 1)[0]: row for row in html.split("<tr><th>")[1:]}
    [label] = [row for head, row in rows.items() if "rdf-schema#label" in head]
    for title in ("Canada&#39;s Critical Minerals List 2021", "2025 List of Critical Minerals",  # as Jinja2 escapes
                  "Notice of Final Determination on 2023 DOE Critical Materials List"):  # fmt: skip
        assert title in label, title
    assert "Wikidata" not in label
    [related] = [row for head, row in rows.items() if "core#relatedMatch" in head]
    assert (
        'source: <a href="/id/source/wikidata" title="https://w3id.org/critmin/id/source/wikidata">Wikidata</a>'
        in related
    )
    assert "inferred (OWL 2 RL)" in html  # listedIn, derived


def test_ontology_documentation_and_rdf(server):
    html = fetch(server, "/ontology", "text/html").text
    for term in ("Commodity", "SupplyRelation", "listedIn", "shareOfNeeds"):
        assert f'id="{term}"' in html
    turtle = fetch(server, "/ontology", "text/turtle")
    served = rdflib.Graph().parse(data=turtle.text, format="turtle")
    files = rdflib.Graph()
    for path in sorted((PROJECT / "ontology").glob("*.ttl")):
        files.parse(path)
    assert isomorphic(served, files)
    for accept, fmt in (
        ("application/rdf+xml", "xml"),
        ("application/ld+json", "json-ld"),
        ("application/n-triples", "nt"),
    ):
        assert len(rdflib.Graph().parse(data=fetch(server, "/ontology", accept).text, format=fmt)) == len(served)
    assert fetch(server, "/ontology/0.1.0", "text/turtle").status_code == 200
    assert fetch(server, "/ontology/9.9.9", "text/turtle").status_code == 404
    shapes = fetch(server, "/shapes", "text/html").text
    assert 'id="SupplyRelationShape"' in shapes and "A country cannot supply itself" in shapes
    assert isomorphic(
        rdflib.Graph().parse(data=fetch(server, "/shapes.ttl").text, format="turtle"),
        rdflib.Graph().parse(PROJECT / "shapes" / "critmin-shapes.ttl"),
    )


def void_graph(server) -> rdflib.Graph:
    return rdflib.Graph().parse(data=fetch(server, "/.well-known/void", "text/turtle").text, format="turtle")


def test_void_dcat_satisfies_what_harvesters_require(harvest_server):
    graph = void_graph(harvest_server)
    requirements = rdflib.Graph().parse(FIXTURES / "harvester-requirements.ttl")
    conforms, _, text = pyshacl.validate(graph, shacl_graph=requirements)
    assert conforms, text
    dataset = rdflib.URIRef("https://w3id.org/critmin/id/dataset")
    sparql = str(graph.value(dataset, VOID.sparqlEndpoint))
    count = httpx.get(sparql, params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}).json()
    assert int(graph.value(dataset, VOID.triples)) == int(count["results"]["bindings"][0]["n"]["value"])


def unskolemised(graph: rdflib.Graph) -> rdflib.Graph:
    """The dumps write blank nodes as skolem IRIs (so that patches can name them); the
    endpoint answers blank nodes. RDF 1.1 (3.5) lets a consumer map them back."""
    skolem = "https://w3id.org/critmin/.well-known/genid/"

    def back(term):
        is_skolem = isinstance(term, rdflib.URIRef) and term.startswith(skolem)
        return rdflib.BNode(term[len(skolem) :]) if is_skolem else term

    mapped = rdflib.Graph()
    for s, p, o in graph:
        mapped.add((back(s), p, back(o)))
    return mapped


def assert_harvests_agree_with_the_endpoint(harvest_server) -> None:
    """Two harvesters start from /.well-known/void only; both end with the graph the
    endpoint's CONSTRUCT gives (run on every store, the embedded one included, by
    test_engines.py::test_harvest_by_dumps_and_by_crawling)."""
    wait_for_derived(harvest_server.url)
    graph = void_graph(harvest_server)
    dataset = rdflib.URIRef("https://w3id.org/critmin/id/dataset")
    endpoint = str(graph.value(dataset, VOID.sparqlEndpoint))
    everything = httpx.get(endpoint, params={"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"},
                           headers={"Accept": "application/n-triples"}, timeout=300)  # fmt: skip
    assert "x-critmin-truncated" not in everything.headers
    expected = rdflib.Graph().parse(data=everything.text, format="nt")

    # Harvester 1: the N-Triples dump, checked against its checksum.
    by_media = {}
    for distribution in graph.objects(dataset, DCAT.distribution):
        by_media[str(graph.value(distribution, DCAT.mediaType)).rsplit("/", 2)[-2:][1]] = distribution
    dump = by_media["n-triples"]
    url = str(graph.value(dump, DCAT.downloadURL))
    payload = httpx.get(url, timeout=120).content
    checksum = graph.value(graph.value(dump, SPDX.checksum), SPDX.checksumValue)
    assert hashlib.sha256(payload).hexdigest() == str(checksum)
    assert httpx.get(url + ".sha256").text.split()[0] == str(checksum)
    assert int(graph.value(dump, DCAT.byteSize)) == len(payload)
    dumped = unskolemised(rdflib.Graph().parse(data=gzip.decompress(payload).decode(), format="nt"))
    assert isomorphic(dumped, expected)
    assert int(graph.value(dump, VOID.triples)) == len(expected)
    quads = rdflib.Dataset()
    quads.parse(data=gzip.decompress(httpx.get(str(graph.value(by_media["n-quads"], DCAT.downloadURL))).content),
                format="nquads")  # fmt: skip
    assert sum(1 for _ in quads.quads()) == int(graph.value(by_media["n-quads"], VOID.triples))

    # Harvester 2: dereference every subject IRI of the union (documents of ours only).
    subjects = httpx.get(endpoint, params={"query": "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER isIRI(?s) }",
                                           "format": "json"}, timeout=120).json()["results"]["bindings"]  # fmt: skip
    documents = {}
    for row in subjects:
        path = local_path(row["s"]["value"])
        if path is None:  # vocabulary terms of others: described in our ontology document
            path = "/ontology"
        documents[path.split("#", 1)[0]] = True
    crawled = rdflib.Graph()
    with httpx.Client(base_url=harvest_server.url, headers={"Accept": "application/n-triples"}, timeout=60) as client:
        for path in sorted(documents):
            response = client.get(path)
            assert response.status_code == 200, path
            part = rdflib.Graph().parse(data=response.text, format="nt")
            document = rdflib.URIRef(harvest_server.url + response.headers["content-location"])
            part.remove((document, None, None))  # document metadata is not data
            crawled += part
    assert len(documents) > 300
    assert isomorphic(crawled, expected)


def test_dumps_are_immutable_with_a_latest_alias(harvest_server):
    index = fetch(harvest_server, "/dumps/").json()
    assert {d["kind"] for d in index} == {"nquads", "ntriples", "turtle"}
    dump = next(d for d in index if d["kind"] == "turtle")
    response = fetch(harvest_server, f"/dumps/{dump['file_name']}")
    assert "immutable" in response.headers["cache-control"]
    assert len(rdflib.Graph().parse(data=response.text, format="turtle")) == dump["triples"]
    alias = httpx.get(f"{harvest_server.url}/dumps/latest.ttl", follow_redirects=False)
    assert alias.status_code == 302 and alias.headers["location"] == f"/dumps/{dump['file_name']}"
    assert httpx.get(f"{harvest_server.url}/dumps/latest.ttl.sha256", follow_redirects=True).text.startswith(
        dump["sha256"]
    )
    assert fetch(harvest_server, "/dumps/critmin-nope.ttl").status_code == 404


@pytest.mark.parametrize("path", ["/id/mineral/lithium", "/ontology", "/shapes", "/.well-known/void", "/changes",
                                  "/sitemap.xml", "/graph/data/sources"])  # fmt: skip
def test_conditional_requests(harvest_server, path):
    server = harvest_server
    first = fetch(server, path, "text/turtle" if "changes" not in path else None)
    assert first.status_code == 200 and first.headers["etag"]
    assert first.headers.get("last-modified")
    again = fetch(server, path, "text/turtle" if "changes" not in path else None,
                  headers={"If-None-Match": first.headers["etag"]})  # fmt: skip
    assert again.status_code == 304
    since = fetch(server, path, "text/turtle" if "changes" not in path else None,
                  headers={"If-Modified-Since": first.headers["last-modified"]})  # fmt: skip
    assert since.status_code == 304


def test_cors_and_gzip_on_linked_data(server):
    response = fetch(
        server, "/ontology", "text/turtle", headers={"Origin": "https://x.example", "Accept-Encoding": "gzip"}
    )
    assert response.headers["access-control-allow-origin"] == "*"
    assert "ETag" in response.headers["access-control-expose-headers"]
    assert response.headers["content-encoding"] == "gzip"


def test_sitemap_lists_html_pages(server):
    root = ElementTree.fromstring(fetch(server, "/sitemap.xml").content)
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    locations = [u.find(f"{namespace}loc").text for u in root.findall(f"{namespace}url")]
    assert f"{server.url}/id/mineral/lithium" in locations and f"{server.url}/ontology" in locations
    assert all(u.find(f"{namespace}lastmod") is not None for u in root.findall(f"{namespace}url"))
    assert len(locations) > 300


def test_change_feed_pages(harvest_server):
    collection = fetch(harvest_server, "/changes").json()
    assert collection["type"] == "OrderedCollection" and collection["totalItems"] >= 1
    last = httpx.get(collection["last"]["id"]).json()
    assert last["type"] == "OrderedCollectionPage"
    assert last["orderedItems"][-1]["type"] in {"Refresh", "Create", "Update", "Delete"}
    assert {"id", "type", "object", "endTime"} <= set(last["orderedItems"][-1])


def test_pages_render_in_chromium_without_console_errors(server, fresh_page):
    page = fresh_page
    for path in ("/id/mineral/lithium", "/id/supply/CA-US-uranium", "/ontology", "/shapes"):
        page.goto(server.url + path)
        assert page.locator("h1").first.inner_text()
    page.goto(server.url + "/ontology#SupplyRelation")
    assert page.locator("#SupplyRelation").is_visible()
    assert page.console_errors == [] and page.requested_hosts == {"127.0.0.1"}


def test_gzip_dump_is_valid_gzip(harvest_server):
    index = fetch(harvest_server, "/dumps/").json()
    data = httpx.get(next(d["url"] for d in index if d["kind"] == "nquads")).content
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
        assert stream.read(1)
