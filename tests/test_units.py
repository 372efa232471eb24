"""Unit tests of the pure modules (issue 10): negotiation, the protocol parser, query
inspection, the rate limiter, the result cache, the visibility rule, tokens and the
error document. No store, no server: each runs in microseconds, and together they are
what tools/mutation.py measures (`make mutation`)."""

from __future__ import annotations

import pytest

from critmin import negotiation
from critmin.errors import RequestError, problem_document
from critmin.ratelimit import ConcurrencyCap, RateLimiter, client_address, is_loopback, parse_networks
from critmin.sparql.cache import CachedResult, ResultCache, cache_key
from critmin.sparql.protocol import parse_request, split_content_type
from critmin.sparql.query_text import (
    RequestRejected,
    check_nesting,
    check_services,
    endpoint_allowed,
    first_keyword,
    inspect_query,
    tokens,
    with_default_prefixes,
)
from critmin.store import visibility

JSON, XML, CSV = "application/sparql-results+json", "application/sparql-results+xml", "text/csv"


# --- negotiation ----------------------------------------------------------------------


@pytest.mark.parametrize(("accept", "offers", "chosen"), [
    (None, [JSON, XML], JSON),  # no header: anything, the server's order decides
    ("", [JSON, XML], JSON),
    ("*/*", [XML, JSON], XML),
    (XML, [JSON, XML], XML),
    (f"{JSON};q=0.5, {XML}", [JSON, XML], XML),  # q decides
    (f"{JSON}, {XML}", [XML, JSON], XML),  # a tie goes to the server's order
    ("text/*;q=0, */*", [CSV, JSON], JSON),  # the more specific range (text/*) wins for text/csv
    ("text/*, */*;q=0.1", [JSON, CSV], CSV),
    ("application/*;q=0.2, text/csv;q=0.9", [JSON, CSV], CSV),
    (f"{JSON};q=0", [JSON], None),  # q=0 excludes
    ("image/png", [JSON], None),  # nothing fits: 406
    (f"{JSON};q=abc, {XML}", [JSON, XML], XML),  # a bad q counts as 0
    (f"{JSON};q=2, {XML}", [XML, JSON], XML),  # q is clamped to 1: a tie, the server's order
    (f"{XML};q=1, {JSON}", [XML, JSON], XML),  # no q is q=1: a tie with an explicit 1
    ("*", [XML], XML),  # a bare * is */*
    ("nonsense, text/csv", [JSON, CSV], CSV),  # a range without / is skipped
    ("TEXT/CSV", [CSV], CSV),
    (f"{XML};charset=utf-8;q=0.8, {JSON};q=0.9", [XML, JSON], JSON),
])  # fmt: skip
def test_choose(accept, offers, chosen):
    assert negotiation.choose(accept, offers) == chosen


def test_specific_range_q_wins_over_wildcard_for_the_same_type():
    assert negotiation.choose("*/*;q=0.9, text/csv;q=0.1", [CSV, JSON]) == JSON
    assert [r.specificity for r in negotiation.parse_accept("*/*, text/*, text/csv")] == [0, 1, 2]


def test_header_helpers():
    assert negotiation.with_charset("text/turtle") == "text/turtle; charset=utf-8"
    assert negotiation.with_charset(JSON) == JSON
    assert negotiation.http_date("2026-12-01T10:00:00Z") == "Tue, 01 Dec 2026 10:00:00 GMT"
    assert negotiation.http_date(None) is None and negotiation.http_date("") is None
    assert negotiation.etag_matches('W/"a", "b"', '"b"') and negotiation.etag_matches('"a"', 'W/"a"')
    assert negotiation.etag_matches("*", '"x"') and not negotiation.etag_matches('"a"', '"b"')
    assert negotiation.etag_matches(None, '"a"') is False and negotiation.etag_matches("", '"a"') is False


# --- the SPARQL protocol ----------------------------------------------------------------

FORM = "application/x-www-form-urlencoded"


def rejected(status: int, *args) -> str:
    with pytest.raises(RequestRejected) as raised:
        parse_request(*args)
    assert raised.value.status == status
    return str(raised.value)


def test_get_and_head_read_the_url():
    request = parse_request("get", [("query", "ASK {}"), ("default-graph-uri", "http://g/1"),
                                    ("named-graph-uri", "http://g/2"), ("timeout", "5"), ("format", "json"),
                                    ("format", "")], None, b"")  # fmt: skip
    assert request.query == "ASK {}" and request.default_graphs == ["http://g/1"]
    assert request.named_graphs == ["http://g/2"] and request.options == {"timeout": "5"}
    assert request.formats == ["json"]  # empty values are dropped
    assert parse_request("HEAD", [], None, b"").query is None  # no query: the service description


def test_posts():
    form = parse_request("POST", [("default-graph-uri", "http://g/1")], f"{FORM}; charset=UTF-8",
                         b"query=ASK%20%7B%7D&timeout=3")  # fmt: skip
    assert form.query == "ASK {}" and form.default_graphs == ["http://g/1"] and form.options == {"timeout": "3"}
    direct = parse_request("POST", [("named-graph-uri", "http://g/2")], "application/sparql-query", b"ASK {}")
    assert direct.query == "ASK {}" and direct.named_graphs == ["http://g/2"]
    assert split_content_type('Application/X-WWW-Form-Urlencoded; Charset="utf-8"') == (FORM, {"charset": "utf-8"})
    assert split_content_type(None) == (None, {})


def test_protocol_refusals():
    assert "send exactly one" in rejected(400, "GET", [("query", "a"), ("query", "b")], None, b"")
    assert "use GET or POST" in rejected(405, "PUT", [], None, b"")
    assert "not accepted at the query endpoint" in rejected(400, "GET", [("update", "x")], None, b"")
    assert "not an absolute IRI" in rejected(400, "GET", [("default-graph-uri", "g")], None, b"")
    assert "needs a Content-Type" in rejected(415, "POST", [], None, b"query=x")
    assert "needs a Content-Type" in rejected(400, "POST", [], None, b"")
    assert "no 'query' parameter" in rejected(400, "POST", [], FORM, b"timeout=3")
    assert "not in a 'query' parameter" in rejected(400, "POST", [("query", "x")], "application/sparql-query", b"x")
    assert "charset latin-1" in rejected(415, "POST", [], f"{FORM}; charset=latin-1", b"query=x")
    assert "charset" in rejected(415, "POST", [], "application/sparql-query; charset=latin-1", b"x")
    assert "byte 0" in rejected(400, "POST", [], "application/sparql-query", b"\xff")
    assert "not accepted at the query endpoint" in rejected(400, "POST", [], "application/sparql-update", b"x")
    assert "text/plain is not accepted" in rejected(415, "POST", [], "text/plain", b"x")
    assert "not accepted at the query endpoint" in rejected(400, "POST", [], FORM, b"update=x")
    assert parse_request("POST", [], f"{FORM}; charset=utf8", b"query=x").query == "x"


# --- query inspection -------------------------------------------------------------------


def test_inspection():
    text = "PREFIX a: <http://a/> # SELECT in a comment\nBASE <http://b/> CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    assert inspect_query(text).form == "CONSTRUCT" and inspect_query(text).returns_graph
    assert inspect_query("DESCRIBE <x>").returns_graph and not inspect_query("ASK {}").returns_graph
    assert inspect_query("select * {}").form == "SELECT" and inspect_query("{ }").form is None
    with pytest.raises(RequestRejected, match="not NONSENSE"):
        inspect_query("NONSENSE")
    assert first_keyword(tokens("PREFIX a: <x> PREFIX b: <y> ask {}")) == "ASK"
    assert first_keyword([]) is None
    info = inspect_query("SELECT * { SERVICE SILENT <http://e/sparql> { ?s ?p ?o } SERVICE ?x { } }")
    assert info.services == ["http://e/sparql", "?x"]
    with pytest.raises(RequestRejected, match="INSERT") as update:
        inspect_query("INSERT DATA { <a> <b> <c> }")
    assert update.value.status == 400
    with pytest.raises(RequestRejected, match="LOAD"):
        inspect_query("LOAD <http://x/>")


def test_nesting_bound_counts_every_bracket():
    check_nesting(tokens("{" * 3 + "}" * 3), limit=3)
    with pytest.raises(RequestRejected, match="deeper than 3"):
        check_nesting(tokens("{ ( [ {"), limit=3)
    check_nesting(tokens("{}" * 10), limit=1)  # siblings are not depth
    check_nesting(tokens("{" * 100 + "}" * 100))  # the default bound is 100 levels
    with pytest.raises(RequestRejected, match="deeper than 100"):
        check_nesting(tokens("{" * 101))


@pytest.mark.parametrize(("target", "allowed", "ok"), [
    ("https://query.wikidata.org/sparql", "https://query.wikidata.org", True),
    ("https://query.wikidata.org:443/sparql", "https://query.wikidata.org/sparql", True),
    ("https://query.wikidata.org@127.0.0.1:8602/", "https://query.wikidata.org", False),
    ("https://query.wikidata.org.evil.example/", "https://query.wikidata.org", False),
    ("http://query.wikidata.org/sparql", "https://query.wikidata.org", False),
    ("https://query.wikidata.org/sparqlx", "https://query.wikidata.org/sparql", False),
    ("https://query.wikidata.org:8443/", "https://query.wikidata.org", False),
    ("https://[::1", "https://query.wikidata.org", False),
])  # fmt: skip
def test_service_allowlist_compares_parsed_urls(target, allowed, ok):
    assert endpoint_allowed(target, allowed) is ok


def test_check_services():
    check_services(inspect_query("SELECT * {}"), [])
    check_services(inspect_query("SELECT * { SERVICE <https://e.org/s> {} }"), ["https://e.org"])
    with pytest.raises(RequestRejected, match="disabled") as raised:
        check_services(inspect_query("SELECT * { SERVICE <https://e.org/s> {} }"), [])
    assert raised.value.status == 403
    with pytest.raises(RequestRejected, match="not on this endpoint's allowlist") as refused:
        check_services(inspect_query("SELECT * { SERVICE ?e {} }"), ["https://e.org"])
    assert refused.value.status == 403


def test_default_prefixes_are_added_only_when_used_and_undeclared():
    prefixes = {"cm": "https://w3id.org/critmin/ontology#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#"}
    assert with_default_prefixes("ASK { ?s a ?o }", prefixes) == "ASK { ?s a ?o }"
    added = with_default_prefixes("ASK { ?s a cm:Commodity ; rdfs:label ?l }", prefixes)
    assert added.splitlines()[0].count("PREFIX") == 2 and "ASK" in added.splitlines()[1]
    own = "PREFIX cm: <http://mine/> ASK { ?s a cm:X }"
    assert with_default_prefixes(own, prefixes) == own


# --- the rate limiter -------------------------------------------------------------------


def test_bucket_allows_bursts_then_refills():
    limiter = RateLimiter(60)
    assert all(limiter.retry_after("a", now=0.0) is None for _ in range(60))
    assert limiter.retry_after("a", now=0.0) == pytest.approx(1.0)
    assert limiter.retry_after("a", now=0.5) == pytest.approx(0.5)  # refilled by half a token
    assert limiter.retry_after("a", now=1.5) is None
    assert limiter.retry_after("b", now=0.0) is None  # clients are separate
    assert RateLimiter.header_value(0.2) == "1" and RateLimiter.header_value(2.1) == "3"


def test_loopback_exemption_and_off():
    exempt = RateLimiter(1, limit_loopback=False)
    assert all(exempt.retry_after("127.0.0.1", now=0.0) is None for _ in range(5))
    assert exempt.retry_after("::1", now=0.0) is None
    assert exempt.retry_after("10.0.0.1", now=0.0) is None and exempt.retry_after("10.0.0.1", now=0.0) is not None
    limited = RateLimiter(1, limit_loopback=True)
    assert limited.retry_after("127.0.0.1", now=0.0) is None and limited.retry_after("127.0.0.1", now=0.0) is not None
    default = RateLimiter(1)  # loopback is limited unless the operator exempts it
    assert default.retry_after("127.0.0.1", now=0.0) is None and default.retry_after("127.0.0.1", now=0.0) is not None
    off = RateLimiter(0)
    assert all(off.retry_after("x", now=0.0) is None for _ in range(5))


def test_client_table_is_bounded_by_evicting_the_least_recent():
    limiter = RateLimiter(1, max_clients=2)
    for client in ("a", "b"):
        assert limiter.retry_after(client, now=0.0) is None
    assert limiter.retry_after("c", now=0.0) is None  # evicts a
    assert limiter.retry_after("a", now=0.0) is None  # a starts afresh
    assert limiter.retry_after("c", now=0.0) is not None  # c is still known


def test_addresses():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("10.0.0.1") and not is_loopback(None) and not is_loopback("name")
    proxies = parse_networks(["10.0.0.0/8", " 192.168.1.1 "])
    with pytest.raises(ValueError, match="'x'"):
        parse_networks(["x"])
    assert client_address("10.1.1.1", "203.0.113.7, 10.2.2.2", proxies) == "203.0.113.7"
    assert client_address("8.8.8.8", "203.0.113.7", proxies) == "8.8.8.8"  # not from a proxy: ignored
    assert client_address("10.1.1.1", "10.2.2.2", proxies) == "10.1.1.1"  # only proxies: the peer
    assert client_address("10.1.1.1", "not-an-ip, 10.2.2.2", proxies) == "not-an-ip"
    assert client_address(None, "1.2.3.4", proxies) == "?"


def test_concurrency_cap():
    cap = ConcurrencyCap(2)
    assert cap.acquire("a") and cap.acquire("a") and not cap.acquire("a") and cap.acquire("b")
    cap.release("a")
    assert cap.acquire("a") and not cap.acquire("a")
    cap.release("a"), cap.release("a"), cap.release("a")  # extra releases do not go negative
    assert cap.acquire("a") and cap.acquire("a") and not cap.acquire("a")
    unlimited = ConcurrencyCap(0)
    assert all(unlimited.acquire("a") for _ in range(10))
    unlimited.release("a")


# --- the result cache -------------------------------------------------------------------


def entry(size: int) -> CachedResult:
    return CachedResult(b"x" * size, JSON, 1, False)


def test_cache_hits_misses_and_keys():
    cache = ResultCache(100)
    assert cache.get("k") is None and cache.misses == 1
    cache.put("k", entry(10))
    assert cache.get("k") == entry(10) and cache.hits == 1
    assert cache_key("v1", "q") != cache_key("v2", "q") and cache_key("a", "b") != cache_key("ab")
    assert cache_key("v", "q") == cache_key("v", "q") and len(cache_key("x")) == 32


def test_cache_evicts_least_recently_used_and_refuses_big_entries():
    cache = ResultCache(100)
    cache.put("big", entry(26))  # over a quarter of the budget: not cached
    assert cache.get("big") is None
    for key in ("a", "b", "c", "d"):
        cache.put(key, entry(25))
    cache.get("a")  # a is now the most recent
    cache.put("e", entry(25))  # evicts b, the least recent
    assert cache.get("b") is None and cache.get("a") is not None and cache.get("e") is not None
    cache.put("a", entry(20))  # replacing counts the new size only
    cache.put("f", entry(25))
    assert cache.get("c") is None and cache.get("d") is not None and cache.get("a") is not None


# --- visibility, errors, tokens -----------------------------------------------------------

C = "https://w3id.org/critmin/graph/contribution/"


def test_visibility_rule():
    names = [f"{C}1", f"{C}2", f"{C}2/retracts/1", "https://w3id.org/critmin/graph/contributions",
             "https://w3id.org/critmin/graph/data/x", "http://example.org/gsp"]  # fmt: skip
    assert visibility.hidden_graphs(names, {f"{C}1"}) == {
        f"{C}2", f"{C}2/retracts/1", "https://w3id.org/critmin/graph/contributions"}  # fmt: skip
    assert visibility.restrict(["a", "b"], None) == ("a", "b")
    assert visibility.restrict(["a", "b", "c"], ["a"]) == ("a", visibility.EMPTY_GRAPH)
    assert visibility.is_public("x", None) and not visibility.is_public("x", ["y"])
    assert visibility.dataset(["d"], [], ["p"]) == (("d",), ())
    assert visibility.dataset([], ["n"], ["p"]) == ((), ("n",))
    assert visibility.dataset([], [], ["p"]) == (("p",), ("p",))
    assert visibility.dataset([], [], None) == ((), ())


def test_problem_document_and_error_hierarchy():
    document = problem_document(404, "no such thing", candidates=[1])
    assert document == {"type": "about:blank", "title": "Not Found", "status": 404, "detail": "no such thing",
                        "error": "no such thing", "candidates": [1]}  # fmt: skip
    assert problem_document(599, "odd")["title"] == "Error"
    error = RequestRejected("bad", 415)
    assert isinstance(error, RequestError) and error.status == 415 and error.extra == {}
    assert RequestError("x").status == 400 and RequestError("x", 409, report={}).extra == {"report": {}}


def test_tokens(tmp_path):
    from critmin.tokens import TokenRegistry

    registry = TokenRegistry(tmp_path)
    secret = registry.create("alice", "contributor")
    principal = registry.authenticate(secret)
    assert principal.name == "alice" and not principal.is_curator and principal.id
    assert registry.authenticate(secret + "x") is None and registry.authenticate("") is None
    curator = registry.authenticate(registry.create("carol", "curator"))
    assert curator.is_curator and curator.id != principal.id
    assert secret not in (tmp_path / "tokens.json").read_text()  # only a hash is kept
    assert registry.revoke("alice") and registry.authenticate(secret) is None
    assert not registry.revoke("nobody")  # revoking an unknown name reports it


def test_visibility_policy_on_a_store_in_memory():
    """The policy over a live store: records and unpublished contribution graphs hidden,
    recomputed when the store changes, and what a validation may read."""
    import pyoxigraph as ox

    from critmin.store.memory import MemoryLiveStore

    records, data = "https://w3id.org/critmin/graph/contributions", "https://w3id.org/critmin/graph/data/x"
    cm = "https://w3id.org/critmin/ontology#"

    def quad(s, p, o, g):
        return ox.Quad(ox.NamedNode(s), ox.NamedNode(p), o, ox.NamedNode(g))

    def record(number: str, status: str, token: str | None = None) -> list[ox.Quad]:
        node = f"https://w3id.org/critmin/id/contribution/{number}"
        quads = [quad(node, f"{cm}contributionGraph", ox.NamedNode(f"{C}{number}"), records),
                 quad(node, f"{cm}status", ox.Literal(status), records)]  # fmt: skip
        return quads + ([quad(node, f"{cm}contributorToken", ox.Literal(token), records)] if token else [])

    fact = [quad("http://e/s", "http://e/p", ox.Literal("o"), g) for g in (data, f"{C}1", f"{C}2")]
    live = MemoryLiveStore(fact + record("1", "published") + record("2", "staged", "alice"))
    policy = visibility.Visibility.of(live)
    assert visibility.Visibility.of(live) is policy  # one per live store
    assert set(policy.public_graphs()) == {data, f"{C}1"}
    assert policy.hidden() == (f"{C}2", records)
    assert [(s.graph, s.identifier, s.contributor_id) for s in policy.staged()] == [(f"{C}2", "2", "alice")]
    assert set(policy.context_graphs()) == {data, f"{C}1"}
    assert set(policy.context_graphs(own=[f"{C}2"], without=[f"{C}1"])) == {data, f"{C}2"}
    assert len(list(live.get().query("SELECT * { ?s ?p ?o }"))) == 2  # the union of the public graphs only
    live.get().update(f'DELETE DATA {{ GRAPH <{records}> {{ <https://w3id.org/critmin/id/contribution/2> '
                      f'<{cm}status> "staged" }} }}')  # fmt: skip
    live.get().update(f'INSERT DATA {{ GRAPH <{records}> {{ <https://w3id.org/critmin/id/contribution/2> '
                      f'<{cm}status> "published" }} }}')  # fmt: skip
    assert set(policy.public_graphs()) == {data, f"{C}1"}  # cached until the store says it changed
    live.changed()
    assert set(policy.public_graphs()) == {data, f"{C}1", f"{C}2"} and policy.staged() == ()
    nothing_hidden = MemoryLiveStore(fact[:1])
    assert visibility.Visibility.of(nothing_hidden).public_graphs() is None
    assert visibility.Visibility.of(nothing_hidden).hidden() == ()
    assert visibility.Visibility.of(nothing_hidden).context_graphs() == (data,)


def test_token_names_formats_and_ids(tmp_path):
    from critmin.tokens import TokenRegistry

    registry = TokenRegistry(tmp_path)
    for bad in ("", "a b", "a/b", "é!"):
        with pytest.raises(ValueError, match="letters, digits"):
            registry.create(bad)
    with pytest.raises(ValueError, match="role must be one of"):
        registry.create("x", "admin")
    token = registry.create("a.b-c_d")
    assert token.startswith("cm_") and len(token) == 3 + 43  # 32 random bytes, URL-safe base64
    with pytest.raises(ValueError, match="exists"):
        registry.create("a.b-c_d")
    principal = registry.authenticate(token)
    assert len(principal.id) == 16 and principal.role == "contributor"
    assert registry.revoke("nobody") is False and registry.revoke("a.b-c_d") is True
    # a registry written before ids: the digest's first 16 characters stand in
    import hashlib
    import json

    digest = hashlib.sha256(b"cm_known").hexdigest()
    (tmp_path / "tokens.json").write_text(json.dumps({"old": {"sha256": digest, "role": "curator"}}))
    old = registry.authenticate("cm_known")
    assert old.name == "old" and old.is_curator and old.id == digest[:16]


def test_the_registry_of_a_location(tmp_path, monkeypatch):
    from critmin.store.shared import EngineDocuments, FileDocuments
    from critmin.tokens import TokenRegistry

    local = TokenRegistry.for_location(tmp_path / "store", tmp_path / "store")
    assert isinstance(local.documents, FileDocuments) and local.documents.path("tokens.json") == local.path
    remote = TokenRegistry.for_location("http://127.0.0.1:9/sparql", tmp_path / "state")
    assert isinstance(remote.documents, EngineDocuments)  # every replica over the engine sees it
    monkeypatch.setenv("CRITMIN_TOKENS_FILE", str(tmp_path / "elsewhere.json"))
    chosen = TokenRegistry.for_location("http://127.0.0.1:9/sparql", tmp_path / "state")
    chosen.create("dana")
    assert (tmp_path / "elsewhere.json").exists() and chosen.authenticate("nope") is None
