"""Timing systems in turns: the measuring method shared by quick.py and run.py.

This machine drifts by 20-30 % over a minute. Timing one system's whole series, then
the other's, put that drift into the ratio: OPTIONAL + regex read 1.49 timed in series
and 1.07 in turns, minutes apart, on the same code. So every system is asked in turn,
for latency and for throughput alike, and the drift falls on all of them.
"""

from __future__ import annotations

import asyncio
import http.client
import itertools
import statistics
import time
from urllib.parse import urlencode, urlsplit

from http_bench import load

ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"


class Client:
    """One keep-alive HTTP/1.1 connection (http.client: the least client overhead)."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.url = url
        self.path = parts.path
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=600)

    def get(self, query: str) -> tuple[int, bytes, str]:
        """One answer. A connection the server closed while idle (uvicorn's keep-alive
        timeout is 5 s: at 10M a costly turn of the other system is longer) is opened
        again once, as any keep-alive client does; the request had not been read."""
        target = f"{self.path}?{urlencode({'query': query})}"
        for attempt in (1, 2):
            try:
                self.connection.request("GET", target, headers={"Accept": ACCEPT})
                response = self.connection.getresponse()
                return response.status, response.read(), response.getheader("Content-Type", "")
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def timed(self, query: str) -> float:
        """Seconds for one answer; a failed request stops the run (a fast error is no answer)."""
        started = time.perf_counter()
        status, body, _ = self.get(query)
        elapsed = time.perf_counter() - started
        if status != 200:
            raise SystemExit(f"{self.url}: status {status}: {body[:300]!r}")
        return elapsed


def latencies(urls: list[str], text: str, count: int, budget: float | None = None) -> list[list[float]]:
    """Milliseconds of sequential requests with unique texts, per system, the systems
    taking turns in short blocks. Blocks, not single requests, for fast shapes: a server
    idle while the other answered wakes slower (alternating every request, Oxigraph's
    lookup took 0.98 ms against 0.35 ms in series); a costly shape (over 20 ms) goes one
    request at a time, 20 samples at most. Past `budget` seconds, the turns stop once
    every system has 3 samples (a very slow peer must not hold the run for hours)."""
    clients = [Client(url) for url in urls]
    tag = itertools.count()
    samples: list[list[float]] = [[] for _ in clients]

    def block(client: Client, timings: list[float] | None, size: int) -> None:
        for _ in range(size):
            elapsed = client.timed(f"# {next(tag)} {time.time_ns()}\n{text}")
            if timings is not None:
                timings.append(elapsed * 1000)

    for client in clients:
        block(client, None, 5)  # warm-up, other texts
    started = time.perf_counter()
    block(clients[0], None, 5)
    size = 1 if (time.perf_counter() - started) / 5 > 0.02 else 25
    if size == 1:
        count = min(count, 20)
    began = time.perf_counter()
    while len(samples[0]) < count:
        if budget is not None and time.perf_counter() - began > budget and min(map(len, samples)) >= 3:
            break
        for client, timings in zip(clients, samples, strict=True):
            block(client, None, 3 if size > 1 else 0)  # warm again after the other's turn, untimed
            block(client, timings, size)
    return samples


def medians(urls: list[str], text: str, count: int) -> list[float]:
    return [statistics.median(taken) for taken in latencies(urls, text, count)]


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def throughput(urls: list[str], text: str, clients: int, seconds: float, turns: int = 3) -> list[float]:
    """Requests/s of each system at `clients` concurrent clients, unique texts, the
    systems taking `turns` turns of `seconds / turns` each (the mean of the turns' rates)."""

    def unique(number, sequence):
        return f"# {number} {sequence} {time.time_ns()}\n{text}"

    rates: list[list[float]] = [[] for _ in urls]
    for _ in range(turns):
        for url, taken in zip(urls, rates, strict=True):
            rate, _, _, errors = asyncio.run(load(url, unique, clients, seconds / turns, {"Accept": ACCEPT}))
            if errors:
                raise SystemExit(f"{errors} requests failed at {url}")
            taken.append(rate)
    return [statistics.mean(taken) for taken in rates]
