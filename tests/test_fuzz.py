"""Random requests to every route (hypothesis): never a 500, never slower than the
route's deadline plus slack. Run against a real server; writes need a token, which
the fuzzer sometimes sends, so the write paths are exercised too."""

from __future__ import annotations

import time
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from servers import copy_store, start_server

from critmin.tokens import TokenRegistry

ROUTES = [
    "/", "/sparql", "/id/mineral/lithium", "/id/", "/graph/meta", "/ontology", "/ontology/0", "/shapes",
    "/.well-known/void", "/dumps/", "/dumps/latest.nt.gz", "/changes", "/changes/page/0", "/sitemap.xml",
    "/contributions", "/contributions/20260101000000-abcdef01", "/validate", "/store", "/store/x",
    "/health", "/ready", "/metrics", "/api/queries", "/api/docs", "/static/style.css",
]  # fmt: skip
METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"]
DEADLINE = 10 + 5  # the default route budget, and slack for a loaded CI machine
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60)
HEADER = st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=60)  # what a client may send
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def fuzz_server(store_path, tmp_path_factory):
    folder = copy_store(store_path, tmp_path_factory.mktemp("fuzz") / "store")
    token = TokenRegistry(folder).create("fuzzer", "curator")
    running = start_server(folder, tmp_path_factory.mktemp("fuzz-logs"), CRITMIN_QUERY_TIMEOUT="5")
    running.token = token
    running.client = httpx.Client(base_url=running.url, timeout=DEADLINE + 5)
    yield running
    running.client.close()
    running.stop()


def check(server, method: str, path: str, **kwargs) -> None:
    started = time.monotonic()
    response = server.client.request(method, path, **kwargs)
    elapsed = time.monotonic() - started
    assert response.status_code < 500 or response.status_code == 503, (method, path, kwargs, response.text[:300])
    assert elapsed < DEADLINE, (method, path, elapsed)


@FUZZ
@given(path=TEXT, accept=HEADER)
def test_random_paths_under_id(fuzz_server, path, accept):
    check(fuzz_server, "GET", "/id/" + quote(path, safe="/"), headers={"Accept": accept})


@FUZZ
@given(route=st.sampled_from(ROUTES), method=st.sampled_from(METHODS),
       params=st.dictionaries(st.sampled_from(["query", "format", "graph", "status", "since", "contributor",
                                               "default-graph-uri", "named-graph-uri", "timeout", "title", "x"]),
                              TEXT, max_size=3),
       accept=HEADER, if_none_match=HEADER, range_header=HEADER, body=st.binary(max_size=300),
       content_type=st.sampled_from(["text/turtle", "application/ld+json", "application/sparql-query",
                                     "application/x-www-form-urlencoded", "text/csv", "", "multipart/form-data"]),
       authorised=st.booleans())  # fmt: skip
def test_random_requests_to_every_route(fuzz_server, route, method, params, accept, if_none_match, range_header,
                                        body, content_type, authorised):  # fmt: skip
    headers = {"Accept": accept, "If-None-Match": if_none_match, "Range": range_header}
    if content_type:
        headers["Content-Type"] = content_type
    if authorised:
        headers["Authorization"] = f"Bearer {fuzz_server.token}"
    kwargs = {"params": params, "headers": headers}
    if method in ("POST", "PUT", "PATCH"):
        kwargs["content"] = body
    check(fuzz_server, method, route, **kwargs)


@FUZZ
@given(query=TEXT, fmt=st.sampled_from(["json", "xml", "csv", "tsv", "turtle", "nonsense", ""]))
def test_random_queries(fuzz_server, query, fmt):
    check(fuzz_server, "GET", "/sparql", params={"query": query, "format": fmt})
    check(fuzz_server, "POST", "/sparql", content=query.encode(), headers={"Content-Type": "application/sparql-query"})


@FUZZ
@given(default=st.lists(TEXT, max_size=2), named=st.lists(TEXT, max_size=2), accept=HEADER)
def test_random_datasets(fuzz_server, default, named, accept):
    params = [("query", "ASK { ?s ?p ?o }")] + [("default-graph-uri", g) for g in default]
    params += [("named-graph-uri", g) for g in named]
    check(fuzz_server, "GET", "/sparql", params=params, headers={"Accept": accept})
