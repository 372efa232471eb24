"""Hardening against hostile requests (the security review's findings): the service
survives every crash input with the same process, no request text reaches a query
as text, and bad names are 400/404, never 500."""

from __future__ import annotations

import time

import httpx
import pyoxigraph as ox
import pytest
from servers import copy_store, start_server, wait_for_derived

from critmin.contributions import ContributionError, Limits, parse_contribution
from critmin.rdf import terms as sparql_terms
from critmin.rdf.parse_guard import RdfInputError, check_json_depth, check_xml
from critmin.rdf.untrusted import SandboxLimits, parse_untrusted
from critmin.sparql.query_text import RequestRejected, dataset_clauses, inspect_query, outside_graphs_emptied
from critmin.tokens import TokenRegistry

INJECTION = "x%3E%20%3Fp%20%3Fo%20.%20" + "%7B" * 12_000
CROSS_PRODUCT = (
    "x%3E%20%3Fp%20%3Fo%20.%20%3Fa%20%3Fb%20%3Fc%20.%20%3Fd%20%3Fe%20%3Ff%20.%20%3Fg%20%3Fh%20%3Fi%20.%20%3Cx"
)
CRAFTED_PATHS = [
    *(INJECTION, CROSS_PRODUCT, "<script>", "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "a%20b", "a%22b"),
    *("x%7D%20UNION%20%7B", "%00", "%FF%FE", "a\\b", "..%2F..%2Fetc%2Fpasswd", "mineral/lithium%3E"),
]


def nested_jsonld(depth: int) -> bytes:
    return ('{"@id":"http://e/s","http://e/p":' * depth + '"x"' + "}" * depth).encode()


def nested_rdfxml(depth: int) -> bytes:
    return (
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://e/">'
        '<rdf:Description rdf:about="http://e/s">'
        + "<e:p><rdf:Description>" * depth
        + "</rdf:Description></e:p>" * depth
        + "</rdf:Description></rdf:RDF>"
    ).encode()


@pytest.fixture(scope="module")
def hard_server(store_path, tmp_path_factory):
    folder = copy_store(store_path, tmp_path_factory.mktemp("hard") / "store")
    registry = TokenRegistry(folder)
    running = start_server(folder, tmp_path_factory.mktemp("hard-logs"))
    running.tokens = {"alice": registry.create("alice"), "carol": registry.create("carol", "curator")}
    running.store = folder
    yield running
    running.stop()


def alive(server) -> None:
    """The same process still answers /health."""
    assert server.process.poll() is None, "the service died"
    assert httpx.get(f"{server.url}/health", timeout=10).status_code == 200


# --- units ------------------------------------------------------------------------


def test_terms_refuse_what_would_rewrite_a_query():
    assert (
        sparql_terms.iri("https://w3id.org/critmin/id/mineral/lithium")
        == "<https://w3id.org/critmin/id/mineral/lithium>"
    )
    for bad in ["https://e/x> ?p ?o . {", "https://e/<script>", "https://e/a b", "no-scheme", ""]:
        with pytest.raises(sparql_terms.InvalidTerm):
            sparql_terms.iri(bad)
        assert not sparql_terms.is_iri(bad)
    assert sparql_terms.literal('a"b\n}') == '"a\\"b\\n}"'


def test_json_depth_bound_names_line_and_column():
    check_json_depth(nested_jsonld(99), "body")
    with pytest.raises(RdfInputError) as caught:
        check_json_depth(b'{"a":\n' + b"[" * 200 + b"]" * 200 + b"}", "body")
    assert caught.value.line == 2 and caught.value.column == 100 and "deeper than 100" in str(caught.value)
    check_json_depth(b'{"a": "' + b"[" * 500 + b'"}', "body")  # brackets inside strings do not count


def test_xml_depth_bound():
    check_xml(nested_rdfxml(40), "body")  # two elements per level: 80 deep
    with pytest.raises(RdfInputError) as caught:
        check_xml(nested_rdfxml(60), "body")
    assert "deeper than 100" in str(caught.value) and caught.value.line == 1


def test_query_nesting_bound():
    inspect_query("SELECT * WHERE { " + "{ " * 90 + "}" * 90 + " }")
    with pytest.raises(RequestRejected) as caught:
        inspect_query("SELECT * WHERE " + "{" * 10_000 + "}" * 10_000)
    assert caught.value.status == 400
    inspect_query('SELECT * WHERE { ?s ?p "' + "{" * 1000 + '" }')  # braces in a string are not nesting


def test_an_engine_extension_before_the_query_form_is_refused_where_it_stands():
    """Virtuoso's `define` pragmas (a wider dataset, URL fetches) never reach an engine."""
    with pytest.raises(RequestRejected, match=r"line 3, column 2: .* not DEFINE"):
        inspect_query(
            'PREFIX x: <http://example.org/>\n# define in a comment is nothing\n define get:soft "soft"\nASK {}'
        )
    with pytest.raises(RequestRejected, match=r"line 1, column 1: .* not SPARQL"):
        inspect_query("sparql SELECT * WHERE { ?s ?p ?o }")
    assert inspect_query('SELECT ("define" AS ?d) WHERE {}').form == "SELECT"


@pytest.mark.parametrize("query, where", [
    ("SELECT (bif:http_get('http://127.0.0.1/') AS ?x) WHERE {}", "line 1, column 9: bif:http_get"),
    ("SELECT ?x WHERE {\n  BIND(<bif:http_get>('http://127.0.0.1/') AS ?x) }", "line 2, column 8: <bif:http_get>"),
    ("PREFIX b: <bif:> SELECT (b:http_get('http://127.0.0.1/') AS ?x) WHERE {}", "line 1, column 11: <bif:>"),
    ("SELECT ?s WHERE { ?s ?p ?o . ?o BIF:contains 'x' }", "BIF:contains"),
    ("SELECT * WHERE { ?s <http://www.openlinksw.com/schemas/sql#P> ?o }", "schemas/sql#P"),
])  # fmt: skip
def test_an_engine_function_namespace_is_refused_where_it_stands(query, where):
    """Virtuoso lets its anonymous SPARQL user call `bif:http_get`: a URL fetched for
    anyone who can send a query (tests/test_engines.py checks no request arrives)."""
    with pytest.raises(RequestRejected, match="engine's built-in functions") as refused:
        inspect_query(query)
    assert where in str(refused.value) and refused.value.status == 400
    for harmless in ['SELECT ?bif WHERE { ?bif ?p "bif:http_get" }', "SELECT * WHERE { ?s <http://e.org/bif:x> ?o }"]:
        assert inspect_query(harmless).form == "SELECT"


def test_dataset_clauses_leave_the_query_text_for_the_protocol():
    """FROM and FROM NAMED come out of the text (blanked: error positions stay), resolved
    with the prologue; keywords in strings, IRIs and comments are not clauses."""
    text = (
        "BASE <http://base.example/>\nPREFIX g: <http://g.example/>\n# FROM <http://comment.example/>\n"
        'SELECT * FROM g:one FROM NAMED <two> FROM <http://three.example/> WHERE { ?s ?p "FROM <x>" }'
    )
    clauses = dataset_clauses(text)
    assert clauses.defaults == ("http://g.example/one", "http://three.example/")
    assert clauses.named == ("http://base.example/two",)
    assert len(clauses.text) == len(text) and "FROM" not in clauses.text.split("WHERE")[0].split("\n")[-1]
    assert clauses.text.endswith('WHERE { ?s ?p "FROM <x>" }') and "# FROM <http://comment.example/>" in clauses.text
    with pytest.raises(RequestRejected, match="line 2, column 12: the prefix of foaf:g is not declared"):
        dataset_clauses("SELECT *\nFROM NAMED foaf:g WHERE {}")  # Virtuoso predeclares foaf:


def test_graph_constants_outside_the_dataset_name_the_empty_graph():
    text = 'PREFIX g: <http://g.example/>\nASK { GRAPH g:in { ?s ?p "GRAPH <http://g.example/out>" } GRAPH <out> { } }'
    emptied, changed = outside_graphs_emptied(text, ["http://g.example/in"], "urn:empty", "http://g.example/")
    assert changed and emptied.endswith("GRAPH <urn:empty> { } }") and "GRAPH g:in {" in emptied
    assert outside_graphs_emptied("ASK { GRAPH ?g { } }", [], "urn:empty") == ("ASK { GRAPH ?g { } }", False)


def test_sandbox_stops_at_the_quad_limit_and_reports_syntax():
    many = b"".join(b"<http://e/s%d> <http://e/p> 1 .\n" % i for i in range(50))
    with pytest.raises(ContributionError) as caught:
        parse_contribution(many, "text/turtle", Limits(max_triples=10), "http://e/genid/")
    assert caught.value.status == 413
    with pytest.raises(RdfInputError) as syntax:
        parse_untrusted(b"<http://e/s> <http://e/p> .\n", ox.RdfFormat.TURTLE, source="body")
    assert syntax.value.line == 1 and syntax.value.source == "body"


def test_sandbox_memory_limit_is_a_clean_error():
    big = b"".join(b'<http://e/s%d> <http://e/p> "%s" .\n' % (i, b"x" * 1000) for i in range(100_000))
    with pytest.raises(RdfInputError) as caught:
        parse_untrusted(big, ox.RdfFormat.N_TRIPLES, limits=SandboxLimits(memory_bytes=150 << 20))
    assert "MB" in str(caught.value) or "crashed" in str(caught.value)


# --- through the real service ---------------------------------------------------------


def test_injection_through_dereferenced_paths_is_404_and_the_service_lives(hard_server):
    for kind in ("id", "graph"):
        for path in CRAFTED_PATHS:
            started = time.monotonic()
            response = httpx.get(f"{hard_server.url}/{kind}/{path}", headers={"Accept": "text/html"}, timeout=30)
            assert response.status_code in (404, 400), (kind, path[:60], response.status_code)
            assert time.monotonic() - started < 10, (kind, path[:60], time.monotonic() - started)
    alive(hard_server)


def test_deep_jsonld_is_400_not_a_dead_service(hard_server):
    response = httpx.post(f"{hard_server.url}/validate", content=nested_jsonld(10_000),
                          headers={"Content-Type": "application/ld+json"}, timeout=60)  # fmt: skip
    assert response.status_code == 400, response.text
    assert "deeper than 100" in response.text and ":1:" in response.text
    alive(hard_server)


def test_deep_rdfxml_and_deep_sparql_are_400(hard_server):
    response = httpx.post(f"{hard_server.url}/validate", content=nested_rdfxml(30_000),
                          headers={"Content-Type": "application/rdf+xml"}, timeout=60)  # fmt: skip
    assert response.status_code == 400 and "deeper than" in response.text
    query = "SELECT * WHERE " + "{" * 10_000 + "}" * 10_000
    response = httpx.post(f"{hard_server.url}/sparql", data={"query": query}, timeout=60)
    assert response.status_code == 400 and "deeper than" in response.text
    alive(hard_server)


def test_a_parser_crash_costs_one_request_not_the_service(store_path, tmp_path_factory):
    """With the nesting bound lifted, pyoxigraph really segfaults: in the sandbox only."""
    folder = copy_store(store_path, tmp_path_factory.mktemp("crash") / "store")
    running = start_server(folder, tmp_path_factory.mktemp("crash-logs"), CRITMIN_PARSE_MAX_DEPTH="10000000")
    try:
        response = httpx.post(f"{running.url}/validate", content=nested_jsonld(10_000),
                              headers={"Content-Type": "application/ld+json"}, timeout=120)  # fmt: skip
        assert response.status_code == 400 and "crashed" in response.text, response.text
        alive(running)
    finally:
        running.stop()


def test_blank_node_description_is_bounded_to_the_node(hard_server):
    token = hard_server.tokens["carol"]
    body = """<https://w3id.org/critmin/id/test/holder> <http://www.w3.org/2000/01/rdf-schema#seeAlso>
              [ <http://www.w3.org/2000/01/rdf-schema#label> "inner" ; <http://e/deeper> [ <http://e/v> 1 ] ] ."""
    writer = {"Content-Type": "text/turtle", "Authorization": f"Bearer {token}"}
    put = httpx.put(f"{hard_server.url}/store?graph=http://example.org/bnode-graph", content=body, headers=writer)
    assert put.status_code in (201, 204), put.text
    page = httpx.get(f"{hard_server.url}/id/test/holder.nt", timeout=30)
    assert page.status_code == 200
    triples = [line for line in page.text.splitlines() if line.strip()]
    assert '"inner"' in page.text and '"1"^^<http://www.w3.org/2001/XMLSchema#integer>' in page.text
    assert len(triples) < 30, len(triples)  # the old query matched every triple of the union (3,925)


def test_invalid_names_are_400_and_leave_nothing_behind(hard_server):
    alice = {"Authorization": f"Bearer {hard_server.tokens['alice']}", "Content-Type": "text/turtle"}
    carol = {"Authorization": f"Bearer {hard_server.tokens['carol']}", "Content-Type": "text/turtle"}
    before = sorted(p.name for p in (hard_server.store / "contributions").glob("*")) if (
        hard_server.store / "contributions").exists() else []  # fmt: skip
    response = httpx.post(f"{hard_server.url}/contributions", params={"source": "not an iri"}, content=b"",
                          headers=alice, timeout=30)  # fmt: skip
    assert response.status_code == 400 and "IRI" in response.text
    response = httpx.post(f"{hard_server.url}/contributions", params={"title": "t" * 2000}, content=b"",
                          headers=alice, timeout=30)  # fmt: skip
    assert response.status_code == 400 and "title" in response.text
    after = sorted(p.name for p in (hard_server.store / "contributions").glob("*")) if (
        hard_server.store / "contributions").exists() else []  # fmt: skip
    assert after == before
    assert httpx.put(f"{hard_server.url}/store?graph=not-an-iri", content=b"", headers=carol).status_code == 400
    assert httpx.get(f"{hard_server.url}/store?graph=not-an-iri").status_code == 400
    long_iri = f"<http://e/{'x' * 5000}> <http://e/p> <http://e/o> .".encode()
    response = httpx.post(f"{hard_server.url}/validate", content=long_iri, headers={"Content-Type": "text/turtle"})
    assert response.status_code == 400 and "limit is 4096" in response.text
    alive(hard_server)


@pytest.mark.parametrize(
    "target, allowed",
    [
        ("https://query.wikidata.org/sparql", True),
        ("https://QUERY.wikidata.org:443/sparql", True),
        ("https://query.wikidata.org@127.0.0.1:8602/", False),
        ("https://user:pw@query.wikidata.org/sparql", False),
        ("https://query.wikidata.org.evil.example/sparql", False),
        ("https://query.wikidata.org:8443/sparql", False),
        ("http://query.wikidata.org/sparql", False),
        ("https://example.org/sparql", False),
    ],
)
def test_service_allowlist_matches_parsed_urls(target, allowed):
    from critmin.sparql.query_text import QueryInfo, check_services

    if allowed:
        check_services(QueryInfo("SELECT", [target]), ["https://query.wikidata.org"])
    else:
        with pytest.raises(RequestRejected):
            check_services(QueryInfo("SELECT", [target]), ["https://query.wikidata.org"])


def test_service_allowlist_path_prefix_is_a_segment():
    from critmin.sparql.query_text import endpoint_allowed

    assert endpoint_allowed("https://e.org/sparql", "https://e.org/sparql")
    assert endpoint_allowed("https://e.org/sparql/v2", "https://e.org/sparql")
    assert not endpoint_allowed("https://e.org/sparqlevil", "https://e.org/sparql")
    assert not endpoint_allowed("https://e.org/other", "https://e.org/sparql")


STAGED = """@prefix cm: <https://w3id.org/critmin/ontology#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/critmin/id/supply/test-secret> a cm:SupplyRelation ; rdfs:label "a draft not cleared for release"@en ;
    cm:supplier <https://w3id.org/critmin/id/country/CA> ; cm:recipient <https://w3id.org/critmin/id/country/US> ;
    cm:commodity <https://w3id.org/critmin/id/mineral/lithium> ; cm:supplierRank 2 ;
    dct:source <https://w3id.org/critmin/id/source/nrcan-2020-01-09> ."""
SECRET = "https://w3id.org/critmin/id/supply/test-secret"


def test_staged_data_is_private_on_every_route(hard_server):
    assert_staged_data_is_private(hard_server)


def assert_staged_data_is_private(server) -> None:
    """Every public route, after a contribution is staged (also run on every engine by
    tests/test_engines.py: on Virtuoso a FROM in the query read the staged graph)."""
    import gzip

    alice = {"Authorization": f"Bearer {server.tokens['alice']}"}
    created = httpx.post(f"{server.url}/contributions", content=STAGED,
                         headers={**alice, "Content-Type": "text/turtle"}, timeout=60)  # fmt: skip
    assert created.status_code == 201, created.text
    record = created.json()
    graph, records = record["graph"], "https://w3id.org/critmin/graph/contributions"

    def sparql(query: str, **params) -> str:
        response = httpx.get(f"{server.url}/sparql", params={"query": query, "format": "json", **params})
        assert response.status_code == 200, response.text
        return response.text

    assert SECRET not in sparql(f"SELECT * WHERE {{ <{SECRET}> ?p ?o }}")
    for query in [f"DESCRIBE <{SECRET}>", f"CONSTRUCT WHERE {{ <{SECRET}> ?p ?o }}",
                  "DESCRIBE ?s WHERE { ?s cm:supplier <https://w3id.org/critmin/id/country/CA> }"]:  # fmt: skip
        described = httpx.get(f"{server.url}/sparql", params={"query": query},
                              headers={"Accept": "application/n-triples"})  # fmt: skip
        assert described.status_code == 200 and "draft not cleared" not in described.text, described.text[:500]
    assert SECRET not in sparql("SELECT * WHERE { ?s ?p ?o }", **{"default-graph-uri": graph})
    assert SECRET not in sparql("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", **{"named-graph-uri": graph})
    assert SECRET not in sparql(f"SELECT * FROM NAMED <{graph}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}")
    assert SECRET not in sparql(f"SELECT * FROM <{graph}> WHERE {{ ?s ?p ?o }}")
    assert record["id"] not in sparql(f"SELECT * FROM <{records}> WHERE {{ ?s ?p ?o }}")
    assert record["id"] not in sparql("SELECT * WHERE { ?s ?p ?o }", **{"default-graph-uri": records})
    assert httpx.get(f"{server.url}/store", params={"graph": graph}).status_code == 404
    assert httpx.get(f"{server.url}/store", params={"graph": records}).status_code in (403, 404)
    assert httpx.get(f"{server.url}/id/supply/test-secret").status_code == 404
    for path in (graph.split("/graph/", 1)[1], "contributions"):  # named graphs dereference at /graph/
        response = httpx.get(f"{server.url}/graph/{path}", headers={"Accept": "application/n-triples"})
        assert response.status_code == 404 and SECRET not in response.text, (path, response.text[:300])
    assert httpx.get(f"{server.url}/contributions/{record['id']}").status_code == 404
    assert httpx.get(f"{server.url}/contributions/{record['id']}/data").status_code == 404
    assert record["id"] not in httpx.get(f"{server.url}/contributions").text
    feed = httpx.get(f"{server.url}/changes").json()
    for page in range(1, feed["totalItems"] // 100 + 2):
        items = httpx.get(f"{server.url}/changes/page/{page}")
        assert items.status_code in (200, 404) and SECRET not in items.text and record["id"] not in items.text
    dump = httpx.get(f"{server.url}/dumps/latest.nt.gz", follow_redirects=True)
    assert dump.status_code == 200 and SECRET.encode() not in gzip.decompress(dump.content)
    # ... and its contributor sees it.
    assert httpx.get(f"{server.url}/contributions/{record['id']}", headers=alice).status_code == 200
    assert SECRET in httpx.get(f"{server.url}/contributions/{record['id']}/data", headers=alice).text


def test_state_files_are_private(hard_server):
    alice = {"Authorization": f"Bearer {hard_server.tokens['alice']}", "Content-Type": "text/turtle"}
    httpx.post(f"{hard_server.url}/contributions", content=STAGED, timeout=60, headers=alice)
    state = hard_server.store
    for path in [state, *state.rglob("*")]:
        if path.is_symlink():
            continue
        mode = path.stat().st_mode & 0o777
        assert mode & 0o077 == 0, (str(path), oct(mode))


def test_ownership_follows_the_token_not_the_name(hard_server):
    registry = TokenRegistry(hard_server.store)
    token = registry.create("dora")
    dora = {"Authorization": f"Bearer {token}", "Content-Type": "text/turtle"}
    body = STAGED.replace("test-secret", "test-dora")
    created = httpx.post(f"{hard_server.url}/contributions", content=body, headers=dora, timeout=60)
    assert created.status_code == 201, created.text
    identifier = created.json()["id"]
    registry.revoke("dora")
    impostor = {"Authorization": f"Bearer {registry.create('dora')}"}
    assert httpx.get(f"{hard_server.url}/contributions/{identifier}", headers=impostor).status_code == 404
    assert httpx.delete(f"{hard_server.url}/contributions/{identifier}", headers=impostor).status_code == 403


def test_staging_makes_no_release_and_old_releases_are_pruned(hard_server, tmp_path):
    import os

    from critmin.linked_data.dumps import prune_releases

    before = httpx.get(f"{hard_server.url}/dumps/").json()
    alice = {"Authorization": f"Bearer {hard_server.tokens['alice']}", "Content-Type": "text/turtle"}
    body = STAGED.replace("test-secret", "test-release")
    assert httpx.post(f"{hard_server.url}/contributions", content=body, headers=alice).status_code == 201
    assert httpx.get(f"{hard_server.url}/dumps/").json() == before  # same release: nothing public changed
    root = tmp_path / "dumps"
    for number in range(8):
        folder = root / f"v{number}"
        folder.mkdir(parents=True)
        (folder / "index.json").write_text("[]")
        os.utime(folder / "index.json", ns=(number * 10**9, number * 10**9))
    (root / "v1" / "KEEP").write_text("")
    removed = prune_releases(tmp_path, 3)
    assert sorted(removed) == ["v0", "v2", "v3", "v4"]
    assert sorted(p.name for p in root.iterdir()) == ["v1", "v5", "v6", "v7"]


def test_validation_past_its_deadline_is_503_and_the_validator_recovers(store_path, tmp_path):
    """SHACL runs in killable workers: a big upload past the deadline costs that request."""
    folder = copy_store(store_path, tmp_path / "store")
    server = start_server(folder, tmp_path, CRITMIN_VALIDATION_TIMEOUT="1", CRITMIN_VALIDATION_WORKERS="1")
    big = "".join(
        f"<https://w3id.org/critmin/id/supply/big-{i}> a <https://w3id.org/critmin/ontology#SupplyRelation> ; "
        f'<http://www.w3.org/2000/01/rdf-schema#label> "big {i}"@en .\n'
        for i in range(4_000)
    )
    try:
        service_pid = server.process.pid
        slow = httpx.post(f"{server.url}/validate", content=big, headers={"Content-Type": "text/turtle"}, timeout=120)
        assert slow.status_code == 503 and "longer than 1 s" in slow.text, slow.text[:300]
        small = httpx.post(f"{server.url}/validate", content=STAGED, headers={"Content-Type": "text/turtle"})
        assert small.status_code == 200, small.text[:300]
        assert server.process.pid == service_pid
        alive(server)
    finally:
        server.stop()


CRAFTED_VALUES = [
    "x> ?p ?o . {", '" || true || "', "') } UNION { ?s ?p ?o } #", "<script>alert(1)</script>",
    "a\nb", "%00", "😀", "x" * 5000, "https://w3id.org/critmin/graph/contributions", "not an iri",
    "?s", "}}}}", "\\u0022", "../../etc/passwd",
]  # fmt: skip


@pytest.mark.parametrize("value", CRAFTED_VALUES, ids=range(len(CRAFTED_VALUES)))
def test_crafted_parameters_never_reach_a_query_as_text(hard_server, value):
    from urllib.parse import quote

    url = hard_server.url
    requests = [
        ("GET", "/contributions", {"status": value}),
        ("GET", "/contributions", {"contributor": value}),
        ("GET", "/contributions", {"since": value}),
        ("GET", f"/contributions/{quote(value, safe='')}", {}),
        ("GET", f"/contributions/{quote(value, safe='')}/data", {}),
        ("GET", "/store", {"graph": value}),
        ("GET", "/sparql", {"query": "ASK { ?s ?p ?o }", "default-graph-uri": value}),
        ("GET", "/sparql", {"query": "ASK { ?s ?p ?o }", "named-graph-uri": value}),
        ("GET", f"/ontology/{quote(value, safe='')}", {}),
        ("GET", f"/dumps/{quote(value, safe='')}", {}),
        ("GET", f"/changes/page/{quote(value, safe='')}", {}),
        ("GET", f"/id/mineral/{quote(value, safe='')}", {}),
    ]
    for method, path, params in requests:
        response = httpx.request(method, url + path, params=params, timeout=30)
        assert response.status_code in (200, 400, 404, 406, 410, 422), (path, params, response.status_code)
        if path == "/contributions" and response.status_code == 200:
            assert response.json() == [], (params, "a filter must never widen the listing")
        if path == "/sparql" and response.status_code == 200:
            assert response.json()["boolean"] is False, (params, "a graph name must never widen the dataset")
    alive(hard_server)


def test_withdrawing_a_duplicate_announces_update_not_delete(hard_server):
    """The feed says Delete only for a resource with no public triple left."""
    alice = {"Authorization": f"Bearer {hard_server.tokens['alice']}", "Content-Type": "text/turtle"}
    carol = {"Authorization": f"Bearer {hard_server.tokens['carol']}"}
    body = STAGED.replace("test-secret", "test-duplicate")
    subject = SECRET.replace("test-secret", "test-duplicate")
    ids = []
    for title in ("original", "duplicate"):  # the same subject; not byte-identical (that is a 409)
        content = body + ("\n# sent again\n" if title == "duplicate" else "")
        created = httpx.post(f"{hard_server.url}/contributions", content=content, headers=alice,
                             params={"title": title})  # fmt: skip
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
        assert httpx.post(f"{hard_server.url}/contributions/{ids[-1]}/publish", headers=carol).status_code == 200
        wait_for_derived(hard_server.url)  # each version gets its patch and feed entries
    assert httpx.delete(f"{hard_server.url}/contributions/{ids[1]}", headers=carol).status_code == 200
    wait_for_derived(hard_server.url)
    feed = httpx.get(httpx.get(f"{hard_server.url}/changes").json()["last"]["id"]).json()["orderedItems"]
    about = [a["type"] for a in feed if a["object"]["id"] == subject]
    assert about[-1] == "Update", about  # still asserted by the original
    assert feed[-1]["object"] == {"id": "https://w3id.org/critmin/id/dataset", "type": "Dataset"}  # new version
    assert httpx.delete(f"{hard_server.url}/contributions/{ids[0]}", headers=carol).status_code == 200
    wait_for_derived(hard_server.url)
    feed = httpx.get(httpx.get(f"{hard_server.url}/changes").json()["last"]["id"]).json()["orderedItems"]
    assert [a["type"] for a in feed if a["object"]["id"] == subject][-1] == "Delete"
    gone = httpx.get(f"{hard_server.url}/id/supply/test-duplicate")
    assert gone.status_code == 410 and "withdrawn" in gone.text  # not 404: the feed announced its removal


def test_identical_content_is_409_naming_the_contribution(hard_server):
    alice = {"Authorization": f"Bearer {hard_server.tokens['alice']}", "Content-Type": "text/turtle"}
    body = STAGED.replace("test-secret", "test-identical")
    first = httpx.post(f"{hard_server.url}/contributions", content=body, headers=alice)
    assert first.status_code == 201
    before = sorted(p.name for p in (hard_server.store / "contributions").iterdir())
    again = httpx.post(f"{hard_server.url}/contributions", content=body, headers=alice)
    assert again.status_code == 409 and first.json()["id"] in again.text
    assert sorted(p.name for p in (hard_server.store / "contributions").iterdir()) == before  # nothing written
