"""Every case of the W3C Graph Store HTTP Protocol manifest (direct identification),
run against a real server: /gsp/ in the manifest is our /store/, writes carry a
curator's token, and each write passes the SHACL gate."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import rdflib
from rdflib.compare import isomorphic
from servers import curated_server

MANIFEST = Path(__file__).parent / "w3c" / "sparql11-graph-store-direct-manifest.ttl"
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = rdflib.Namespace("http://www.w3.org/2011/http#")
CNT = rdflib.Namespace("http://www.w3.org/2011/content#")
STATUS = {"OK": 200, "Created": 201, "NoContent": 204, "NotFound": 404}


def headers_of(graph: rdflib.Graph, node) -> dict[str, str]:
    found = {}
    header_list = graph.value(node, HT.headers)
    if header_list is not None:
        for header in rdflib.collection.Collection(graph, header_list):
            found[str(graph.value(header, HT.fieldName)).lower()] = str(graph.value(header, HT.fieldValue))
    return found


def load_cases():
    graph = rdflib.Graph().parse(MANIFEST)
    cases = []
    manifest = next(graph.subjects(rdflib.RDF.type, MF.Manifest))
    listed = list(rdflib.collection.Collection(graph, graph.value(manifest, MF.entries)))
    others = sorted(set(graph.subjects(rdflib.RDF.type, MF.GraphStoreProtocolTest)) - set(listed))
    for test in listed + others:
        requests = []
        for request in rdflib.collection.Collection(graph, graph.value(graph.value(test, MF.action), HT.requests)):
            response = graph.value(request, HT.resp)
            body = graph.value(request, HT.body)
            expected_body = graph.value(response, HT.body)
            requests.append({
                "method": str(graph.value(request, HT.methodName)),
                "path": str(graph.value(request, HT.absolutePath)),
                "headers": headers_of(graph, request),
                "body": None if body is None else str(graph.value(body, CNT.chars)),
                "statuses": {STATUS[str(s).rsplit("#", 1)[1]] for s in graph.objects(response, MF.expectedStatus)},
                "response_headers": headers_of(graph, response),
                "response_body": None if expected_body is None else str(graph.value(expected_body, CNT.chars)),
            })  # fmt: skip
        cases.append((str(graph.value(test, MF.name)), requests))
    return cases


CASES = load_cases()


@pytest.fixture(scope="module")
def gsp_server(store_path, tmp_path_factory):
    with curated_server(store_path, tmp_path_factory, "gsp") as running:
        yield running


def test_manifest_has_every_case():
    assert len(CASES) == 5


@pytest.mark.parametrize("name, requests", CASES, ids=[name[:60] for name, _ in CASES])
def test_graph_store_case(gsp_server, name, requests):
    run_case(gsp_server.url, gsp_server.token, name, requests)


def run_case(url: str, token: str, name: str, requests: list[dict]) -> None:
    """One manifest case against a server at `url`, writes with a curator's `token`
    (also run on every store, in test_engines)."""
    # Each case starts from a store without the graphs it names (as a fresh test store would).
    for path in {r["path"].replace("/gsp/", "/store/", 1) for r in requests}:
        httpx.delete(url + path, headers={"authorization": f"Bearer {token}"}, timeout=60)
    for request in requests:
        headers = dict(request["headers"])
        if request["method"] in ("PUT", "POST", "DELETE"):
            headers["authorization"] = f"Bearer {token}"
        path = request["path"].replace("/gsp/", "/store/", 1)
        body = request["body"]
        response = httpx.request(request["method"], url + path, headers=headers,
                                 content=body.encode() if body else None, timeout=60)  # fmt: skip
        assert response.status_code in request["statuses"], (name, request["method"], path, response.text)
        expected_type = request["response_headers"].get("content-type")
        if expected_type:
            assert response.headers["content-type"].split(";")[0] == expected_type.split(";")[0]
        if request["response_body"] is not None and request["method"] == "GET":
            expected = rdflib.Graph().parse(data=request["response_body"], format="turtle")
            actual = rdflib.Graph().parse(data=response.text, format="turtle")
            assert isomorphic(actual, expected), (name, actual.serialize(format="nt"), expected.serialize(format="nt"))


def test_graph_store_writes_need_a_curator_and_pass_the_gate(gsp_server):
    url = f"{gsp_server.url}/store/checked"
    body = "<http://e/s> <https://w3id.org/critmin/ontology#supplierRankk> 1 ."
    assert httpx.put(url, content=body, headers={"Content-Type": "text/turtle"}).status_code == 401
    rejected = httpx.put(url, content=body, headers={"Content-Type": "text/turtle",
                                                     "Authorization": f"Bearer {gsp_server.token}"})  # fmt: skip
    assert rejected.status_code == 422 and "supplierRankk" in rejected.text
    curator = {"Content-Type": "text/turtle", "Authorization": f"Bearer {gsp_server.token}"}
    managed = httpx.put(f"{gsp_server.url}/store?graph=https://w3id.org/critmin/graph/data/sources", headers=curator)
    assert managed.status_code == 403
    assert httpx.get(f"{gsp_server.url}/store?graph=https://w3id.org/critmin/graph/data/sources",
                     headers={"Accept": "text/turtle"}).status_code == 200  # fmt: skip
