"""Fair shares: who a client is (trusted proxies only), the rate limiter's bucket, and a
per-client cap on concurrent queries so that one client cannot starve the others."""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from servers import copy_store, start_server

from critmin.ratelimit import ConcurrencyCap, RateLimiter, client_address, parse_networks
from critmin.service_settings import ServiceSettings, SettingsError

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
CHEAP = "ASK { <https://w3id.org/critmin/id/mineral/lithium> ?p ?o }"
PROXY = parse_networks(["127.0.0.1", "10.1.0.0/16"])


def test_forwarded_for_is_honoured_only_from_trusted_proxies():
    assert client_address("127.0.0.1", "203.0.113.7", PROXY) == "203.0.113.7"
    assert client_address("198.51.100.1", "203.0.113.7", PROXY) == "198.51.100.1"  # not a proxy: header ignored
    assert client_address("127.0.0.1", "203.0.113.7", ()) == "127.0.0.1"  # no proxies configured
    # A client's own X-Forwarded-For is left of what the proxies append: the right-most untrusted hop wins.
    assert client_address("127.0.0.1", "1.2.3.4, 203.0.113.7, 10.1.2.3", PROXY) == "203.0.113.7"
    assert client_address("127.0.0.1", "10.1.2.3", PROXY) == "127.0.0.1"
    assert client_address(None, None, PROXY) == "?"


def test_bad_proxy_setting_names_the_variable(monkeypatch):
    monkeypatch.setenv("CRITMIN_TRUSTED_PROXIES", "127.0.0.1 not-an-address")
    with pytest.raises(SettingsError, match=r"CRITMIN_TRUSTED_PROXIES.*not-an-address"):
        ServiceSettings.from_environment()
    monkeypatch.setenv("CRITMIN_TRUSTED_PROXIES", "")
    monkeypatch.setenv("CRITMIN_ROW_LIMIT", "many")
    with pytest.raises(SettingsError, match="CRITMIN_ROW_LIMIT"):
        ServiceSettings.from_environment()


def test_bucket_refills_and_says_when():
    limiter = RateLimiter(60)  # one a second, bursts of 60
    assert all(limiter.retry_after("a", now=0.0) is None for _ in range(60))
    assert limiter.retry_after("a", now=0.0) == pytest.approx(1.0)
    assert limiter.retry_after("a", now=0.5) == pytest.approx(0.5)
    assert limiter.retry_after("a", now=1.01) is None  # refilled one token
    assert limiter.retry_after("b", now=1.01) is None  # others have their own bucket
    assert RateLimiter.header_value(0.2) == "1" and RateLimiter.header_value(2.1) == "3"


def test_loopback_exemption_is_an_explicit_choice():
    exempt = RateLimiter(1, limit_loopback=False)
    assert all(exempt.retry_after("127.0.0.1", now=0.0) is None for _ in range(5))
    assert all(exempt.retry_after("::1", now=0.0) is None for _ in range(5))
    assert exempt.retry_after("192.0.2.1", now=0.0) is None
    assert exempt.retry_after("192.0.2.1", now=0.0) is not None
    limited = RateLimiter(1)
    assert limited.retry_after("127.0.0.1", now=0.0) is None
    assert limited.retry_after("127.0.0.1", now=0.0) is not None


def test_full_client_table_evicts_the_oldest_not_everyone():
    limiter = RateLimiter(1, max_clients=3)
    for client in ("a", "b", "c"):
        assert limiter.retry_after(client, now=0.0) is None
    assert limiter.retry_after("c", now=0.0) is not None  # c is out of tokens
    assert limiter.retry_after("d", now=0.0) is None  # evicts a, the least recently seen
    assert limiter.retry_after("c", now=0.0) is not None  # c was kept: still limited
    assert limiter.retry_after("a", now=0.0) is None  # a starts afresh


def test_concurrency_cap_counts_per_client():
    cap = ConcurrencyCap(2)
    assert cap.acquire("a") and cap.acquire("a") and not cap.acquire("a")
    assert cap.acquire("b")
    cap.release("a")
    assert cap.acquire("a")
    assert ConcurrencyCap(0).acquire("x")


def timed(url: str, query: str, client: str, **params) -> tuple[int, float]:
    started = time.monotonic()
    response = httpx.get(f"{url}/sparql", params={"query": query, **params},
                         headers={"X-Forwarded-For": client}, timeout=60)  # fmt: skip
    return response.status_code, time.monotonic() - started


def test_one_client_cannot_starve_another(server_store, tmp_path):
    """Four runaway queries from one client leave another client's cheap query at its
    normal latency + 100 ms: the cap keeps two workers free of it."""
    store = copy_store(server_store, tmp_path / "store")
    server = start_server(store, tmp_path, CRITMIN_QUERY_WORKERS="4", CRITMIN_TRUSTED_PROXIES="127.0.0.1",
                          CRITMIN_CLIENT_QUERIES="2")  # fmt: skip
    try:
        for _ in range(5):
            timed(server.url, CHEAP, "198.51.100.2")  # warm-up
        normal = statistics.median(timed(server.url, CHEAP + f" # {i}", "198.51.100.2")[1] for i in range(9))
        with ThreadPoolExecutor(max_workers=4) as pool:
            runaways = [pool.submit(timed, server.url, RUNAWAY + f" # {i}", "198.51.100.1", timeout="5")
                        for i in range(4)]  # fmt: skip
            time.sleep(0.8)
            loaded = [timed(server.url, CHEAP + f" # loaded {i}", "198.51.100.2") for i in range(9)]
            statuses = sorted(r.result()[0] for r in runaways)
        assert all(status == 200 for status, _ in loaded)
        assert statistics.median(t for _, t in loaded) <= normal + 0.1, (normal, loaded)
        assert statuses == [429, 429, 503, 503]  # two capped at once, two stopped at the deadline
    finally:
        server.stop()


def test_forwarded_for_from_an_untrusted_peer_does_not_split_a_client(server_store, tmp_path):
    store = copy_store(server_store, tmp_path / "store")
    server = start_server(store, tmp_path, CRITMIN_CLIENT_QUERIES="1")  # no trusted proxies
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            first = pool.submit(timed, server.url, RUNAWAY, "198.51.100.1", timeout="3")
            time.sleep(0.5)
            second = timed(server.url, CHEAP, "198.51.100.2")  # same peer, header ignored
            assert second[0] == 429
            assert first.result()[0] == 503
    finally:
        server.stop()


def test_one_upload_at_a_time_per_client(server_store, tmp_path):
    store = copy_store(server_store, tmp_path / "store")
    server = start_server(store, tmp_path, CRITMIN_CLIENT_UPLOADS="1")
    turtle = {"Content-Type": "text/turtle"}

    def slow_body():
        for _ in range(3):
            time.sleep(0.5)
            yield b"# still sending\n"
        yield b'<http://example.org/s> <http://www.w3.org/2000/01/rdf-schema#label> "x" .\n'

    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            first = pool.submit(httpx.post, f"{server.url}/validate", content=slow_body(), headers=turtle, timeout=60)
            time.sleep(0.5)
            second = httpx.post(f"{server.url}/validate", content=b"", headers=turtle, timeout=60)
            assert second.status_code == 429 and "upload in progress" in second.text
            assert first.result().status_code in (200, 422)
        assert httpx.post(f"{server.url}/validate", content=b"", headers=turtle, timeout=60).status_code != 429
    finally:
        server.stop()
