"""HTTP benchmark: critmin's endpoint against `oxigraph serve` and rdflib-endpoint.

    .venv/bin/python bench/http_bench.py [--triples 100000] [--seconds 3]

Starts the three servers side by side on loopback, on the same data (the project's
graph plus a generated graph, with the same inferences), then measures requests per
second and p50/p99 latency at 1, 4 and 16 concurrent clients for a cheap lookup, a
2-hop join and the competency questions; for critmin both uncached (each request
made unique by a comment) and repeated (answered from the result cache); and the
cheap lookup's p99 while two runaway queries run. Prints a Markdown table with
ratios (critmin / peer) and writes it to bench/results/http.md.

Peers are installed on demand into the project's virtual env (PyPI `oxigraph`,
`rdflib-endpoint`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from generate import build_store, write_graph
from report import publish

from critmin.sparql import queries
from critmin.store import EmbeddedStore

BIN = Path(sys.executable).parent
CHEAP = "SELECT ?label WHERE { <https://w3id.org/critmin/bench/country/AB> <http://www.w3.org/2000/01/rdf-schema#label> ?label }"  # noqa: E501
JOIN = """PREFIX cm: <https://w3id.org/critmin/ontology#>
SELECT ?commodity (COUNT(*) AS ?n) WHERE {
  ?relation cm:supplier <https://w3id.org/critmin/bench/country/AB> ; cm:commodity ?commodity .
  ?entry cm:denotes ?commodity ; cm:inList ?list .
} GROUP BY ?commodity"""
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
ACCEPT = {"Accept": "application/sparql-results+json"}


@dataclass
class System:
    name: str
    url: str
    process: subprocess.Popen


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(system: System, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if system.process.poll() is not None:
            raise RuntimeError(f"{system.name} exited with {system.process.returncode}")
        with contextlib.suppress(httpx.HTTPError):  # not listening yet
            if httpx.get(system.url, params={"query": "ASK {}"}, headers=ACCEPT, timeout=5).status_code == 200:
                return
        time.sleep(0.5)
    raise RuntimeError(f"{system.name} did not start")


def ensure_peers() -> None:
    if not (BIN / "oxigraph").exists() or not (BIN / "rdflib-endpoint").exists():
        subprocess.run([BIN / "pip", "install", "--quiet", "oxigraph", "rdflib-endpoint"], check=True)


def start_systems(work: Path, triples: int) -> tuple[list[System], int]:
    import pyoxigraph as ox

    store = build_store(write_graph(triples, work / "bench.nq"), work / "critmin-store")
    dump = work / "all.nq"
    live = EmbeddedStore.open(store)
    ox.serialize(live.quads(), str(dump), ox.RdfFormat.N_QUADS)
    size = sum(1 for _ in live.quads())
    del live

    oxigraph_dir = work / "oxigraph"
    subprocess.run([BIN / "oxigraph", "load", "--location", oxigraph_dir, "--file", dump], check=True,
                   capture_output=True)  # fmt: skip
    systems = []
    port = free_port()
    env = {**os.environ, "CRITMIN_QUERY_TIMEOUT": "10", "CRITMIN_ROW_LIMIT": "100000"}
    systems.append(System("critmin", f"http://127.0.0.1:{port}/sparql", subprocess.Popen(
        [BIN / "critmin", "serve", "--store", store, "--port", str(port), "--log-level", "error"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)))  # fmt: skip
    port = free_port()
    systems.append(System("oxigraph serve", f"http://127.0.0.1:{port}/query", subprocess.Popen(
        [BIN / "oxigraph", "serve-read-only", "--location", oxigraph_dir, "--bind", f"127.0.0.1:{port}",
         "--union-default-graph"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)))  # fmt: skip
    port = free_port()
    systems.append(System("rdflib-endpoint", f"http://127.0.0.1:{port}/", subprocess.Popen(
        [BIN / "rdflib-endpoint", "serve", str(dump), "--port", str(port), "--host", "127.0.0.1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)))  # fmt: skip
    try:
        for system in systems:
            wait_ready(system)
    except BaseException:
        for system in systems:
            system.process.kill()
        raise
    return systems, size


async def load(url: str, query_for, clients: int, seconds: float,
               accept: dict | None = None) -> tuple[float, float, float, int]:  # fmt: skip
    """Run `clients` concurrent loops for `seconds`; (requests/s, p50 ms, p99 ms, errors)."""
    latencies: list[float] = []
    errors = 0
    stop = time.monotonic() + seconds

    async def client(number: int, http: httpx.AsyncClient) -> None:
        nonlocal errors
        sequence = 0
        while time.monotonic() < stop:
            sequence += 1
            started = time.perf_counter()
            try:
                response = await http.get(url, params={"query": query_for(number, sequence)}, headers=accept or ACCEPT)
                if response.status_code != 200:
                    errors += 1
                    continue
            except httpx.HTTPError:
                errors += 1
                continue
            latencies.append((time.perf_counter() - started) * 1000)

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        began = time.monotonic()
        await asyncio.gather(*(client(n, http) for n in range(clients)))
        elapsed = time.monotonic() - began
    if not latencies:
        return 0.0, float("nan"), float("nan"), errors
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return len(latencies) / elapsed, statistics.median(latencies), p99, errors


def unique(query: str):
    return lambda client, sequence: f"{query}\n# client {client} request {sequence}"


def repeated(query: str):
    return lambda client, sequence: query


def competency_mix(unique_requests: bool):
    texts = [q.text for q in queries.all_queries()]

    def pick(client: int, sequence: int) -> str:
        text = texts[(client + sequence) % len(texts)]
        return f"{text}\n# client {client} request {sequence}" if unique_requests else text

    return pick


async def runaway_p99(system: System, seconds: float) -> tuple[float, float]:
    """Cheap-query p99 alone, then while two runaway queries run."""
    _, _, alone, _ = await load(system.url, unique(CHEAP), 1, seconds)
    async with httpx.AsyncClient(timeout=120) as http:
        params = {"query": RUNAWAY}
        if system.name == "critmin":
            params["timeout"] = str(seconds + 2)
        runaways = [asyncio.create_task(http.get(system.url, params=params, headers=ACCEPT)) for _ in range(2)]
        await asyncio.sleep(0.5)
        _, _, loaded, _ = await load(system.url, unique(CHEAP), 1, seconds)
        for task in runaways:
            task.cancel()
    return alone, loaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--skip-runaway", action="store_true")
    args = parser.parse_args()
    ensure_peers()
    work = Path(tempfile.mkdtemp(prefix="critmin-bench-"))
    systems, size = start_systems(work, args.triples)
    rows = []
    try:
        shapes = [("cheap lookup", CHEAP), ("2-hop join", JOIN)]
        for label, query in shapes:
            for clients in (1, 4, 16):
                for system in systems:
                    rows.append((label, clients, system.name, "uncached",
                                 *asyncio.run(load(system.url, unique(query), clients, args.seconds))))  # fmt: skip
                rows.append((label, clients, "critmin", "repeated",
                             *asyncio.run(load(systems[0].url, repeated(query), clients, args.seconds))))  # fmt: skip
        for clients in (1, 4, 16):
            for system in systems:
                rows.append(("competency questions", clients, system.name, "uncached",
                             *asyncio.run(load(system.url, competency_mix(True), clients, args.seconds))))  # fmt: skip
        runaway = {}
        if not args.skip_runaway:
            for system in systems[:2]:
                runaway[system.name] = asyncio.run(runaway_p99(system, args.seconds))
    finally:
        for system in systems:
            system.process.terminate()
        for system in systems:
            try:
                system.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                system.process.kill()
        shutil.rmtree(work, ignore_errors=True)

    report = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; graph: {size:,} quads; {args.seconds:g} s per cell.",
        "",
        "| shape | clients | system | mode | req/s | p50 ms | p99 ms | errors | critmin req/s ÷ this |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    ours = {(r[0], r[1], r[3]): r[4] for r in rows if r[2] == "critmin"}
    for shape, clients, name, mode, rps, p50, p99, errors in rows:
        ratio = ours[(shape, clients, "uncached")] / rps if rps else float("inf")
        report.append(
            f"| {shape} | {clients} | {name} | {mode} | {rps:.1f} | {p50:.1f} | {p99:.1f} | {errors} | {ratio:.2f} |"
        )
    if runaway:
        report += [
            "",
            "| system | cheap p99 alone ms | cheap p99 with 2 runaways ms | ratio |",
            "| --- | --- | --- | --- |",
        ]
        for name, (alone, loaded) in runaway.items():
            report.append(f"| {name} | {alone:.1f} | {loaded:.1f} | {loaded / alone:.2f} |")
    publish("\n".join(report), "http.md")


if __name__ == "__main__":
    main()
