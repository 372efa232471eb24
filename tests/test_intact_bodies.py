"""Request bodies arrive intact through a real socket, whatever headers a client adds.

Java's HTTP client (and so Apache Jena) sends `Connection: Upgrade, HTTP2-Settings`
and `Upgrade: h2c` on every request. Under uvicorn's httptools parser the body of
such a request was lost: a Graph Store PUT emptied the graph. These tests speak raw
HTTP/1.1 so that nothing between them and the server rewrites the headers.
"""

from __future__ import annotations

import http.client
import time
from urllib.parse import urlsplit

import httpx
import pytest
from servers import curated_server

JAVA_HEADERS = {  # what java.net.http.HttpClient sends by default
    "Connection": "Upgrade, HTTP2-Settings",
    "HTTP2-Settings": "AAEAAEAAAAIAAAABAAMAAABkAAQBAAAAAAUAAEAA",
    "Upgrade": "h2c",
}
GRAPH = "/store?graph=http://example.org/graph/h2c"


@pytest.fixture(scope="module")
def body_server(store_path, tmp_path_factory):
    with curated_server(store_path, tmp_path_factory, "bodies") as running:
        yield running


def raw_request(url: str, method: str, path: str, headers: dict[str, str], body) -> tuple[int, bytes]:
    """One request over a fresh socket with exactly these headers (http.client adds Host and,
    for bytes, Content-Length; it rewrites nothing); the status and body."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        chunked = not isinstance(body, bytes)
        connection.request(method, path, body=body, headers=headers, encode_chunked=chunked)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def turtle(count: int) -> bytes:
    """A Turtle body of `count` triples, with padding comments so that it passes 2 KB."""
    comment = "<http://www.w3.org/2000/01/rdf-schema#comment>"
    lines = [f'<http://example.org/s{i}> {comment} "c{i}" .' for i in range(count)]
    return ("# " + "x" * 3000 + "\n" + "\n".join(lines) + "\n").encode()


def graph_size(url: str) -> int:
    response = httpx.get(url + GRAPH, headers={"Accept": "application/n-triples"}, timeout=30)
    assert response.status_code == 200, response.text
    return len([line for line in response.text.splitlines() if line.strip()])


def test_post_query_with_upgrade_h2c_keeps_its_body(body_server):
    body = ("# " + "p" * 3000 + "\n" + "ASK { ?s ?p ?o }").encode()
    headers = {**JAVA_HEADERS, "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"}
    status, answer = raw_request(body_server.url, "POST", "/sparql", headers, body)
    assert status == 200, answer
    assert b'"boolean":true' in answer.replace(b" ", b"")


def test_put_with_upgrade_h2c_writes_the_body_not_nothing(body_server):
    writer = {"Authorization": f"Bearer {body_server.token}", "Content-Type": "text/turtle"}
    assert raw_request(body_server.url, "PUT", GRAPH, writer, turtle(3))[0] in (201, 204)
    assert graph_size(body_server.url) == 3
    status, answer = raw_request(body_server.url, "PUT", GRAPH, {**JAVA_HEADERS, **writer}, turtle(5))
    assert status in (201, 204), answer
    assert graph_size(body_server.url) == 5


def test_empty_chunked_put_changes_nothing(body_server):
    writer = {"Authorization": f"Bearer {body_server.token}", "Content-Type": "text/turtle"}
    assert raw_request(body_server.url, "PUT", GRAPH, writer, turtle(2))[0] in (201, 204)
    status, answer = raw_request(body_server.url, "PUT", GRAPH, writer, iter([]))
    assert status == 400 and b"empty" in answer, answer
    assert graph_size(body_server.url) == 2


def test_a_long_get_query_is_answered_even_when_it_arrives_in_pieces(body_server):
    """A ~30 KB request line sent in 2 KB pieces: h11 must buffer it whole (its default
    bound, 16 KB, closed such connections, which clients saw as a reset)."""
    import socket
    from urllib.parse import quote, urlsplit

    values = " ".join(f"<http://example.org/item/{i:06d}>" for i in range(600))
    query = quote(f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?x {{ {values} }} }}")
    request = f"GET /sparql?format=json&query={query} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    assert len(request) > 20_000
    parts = urlsplit(body_server.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        for start in range(0, len(request), 2048):
            sock.sendall(request[start : start + 2048])
            time.sleep(0.005)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    assert b'"600"' in answer
