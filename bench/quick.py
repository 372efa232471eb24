"""The quick fair side-by-side: critmin against `oxigraph serve-read-only --union-default-graph`.

    .venv/bin/python bench/quick.py [--triples 1000000] [--requests 400] [--seconds 3]

`make bench-quick`. On one generated graph (reused from var/bench/ when there): the
build (`critmin build` against `oxigraph load` of the same quads exported), then both
servers on loopback, each in its best configuration: Oxigraph with its native union
default graph, critmin as shipped (query workers, limits, cache, metrics), with only
its per-client rate limit off (the load comes from one address). Every answer is
checked equal across the two first (solutions as sets, graphs as isomorphic) and each
request has a unique text, so no cache answers. Prints, per query shape, the median
latency of sequential requests and the throughput at 1 and 4 clients, each with the
ratio critmin ÷ Oxigraph (latency: lower is better; throughput: higher is better).
Latency requests and throughput runs alternate between the two systems (short blocks,
three turns), so the machine's drift over a run falls on both. `--shapes` and
`--workers` narrow a run to some shapes and set critmin's query workers (to compare
settings: each run's ratios are against the same peer in the same run).
Writes bench/results/quick.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import turns
from generate import write_graph
from http_bench import BIN, System, free_port, wait_ready
from report import publish
from run import SHAPES, canonical
from servers import wait_for_derived

from critmin.rdf.namespaces import PREFIXES
from critmin.sparql import queries
from critmin.sparql.query_text import with_default_prefixes

VAR = Path(__file__).parents[1] / "var" / "bench"
# cq08 was left out until its BIND moved after its OPTIONAL: 14 s at 1M on both systems
# (the engine evaluated the OPTIONAL's pattern with ?commodity unbound).
CHEAP = ["lookup", "describe"] + [f"cq{n:02d}" for n in range(1, 11)]
COSTLY = ["2-hop join", "aggregate", "optional + regex"]


def shapes() -> dict[str, str]:
    """The query texts, with the project's prefixes declared (Oxigraph predeclares none)."""
    canned = {q.name[:4]: q.text for q in queries.all_queries()}
    texts = {**SHAPES, **{name: canned[name] for name in CHEAP if name.startswith("cq")}}
    return {name: with_default_prefixes(text, PREFIXES) for name, text in texts.items()}


def timed(command: list) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def prepare(triples: int) -> tuple[Path, Path, dict[str, float]]:
    """The critmin store and the Oxigraph database of the same quads, with build times
    (made afresh unless both exist from an earlier run: then its times are reported)."""
    data, store, dump, oxigraph = (VAR / f"{triples}.nq", VAR / f"quick-{triples}", VAR / f"quick-{triples}-all.nq",
                                   VAR / f"quick-{triples}-oxigraph")  # fmt: skip
    saved = VAR / f"quick-{triples}-times.json"
    if store.exists() and oxigraph.exists() and saved.exists():
        return store, oxigraph, json.loads(saved.read_text())
    times: dict[str, float] = {}
    for stale in (store, oxigraph):
        shutil.rmtree(stale, ignore_errors=True)
    VAR.mkdir(parents=True, exist_ok=True)
    if not data.exists():
        write_graph(triples, data)
    times["critmin build"] = timed([BIN / "critmin", "build", "--store", store, "--extra", data,
                                    "--reasoner", "rules", "--no-validate", "--force"])  # fmt: skip
    subprocess.run([BIN / "critmin", "export", "--store", store, "-f", "nquads", "-o", dump], check=True)
    times["oxigraph load"] = timed([BIN / "oxigraph", "load", "--location", oxigraph, "--file", dump])
    # Compacted for serving, as critmin's build compacts its own store (both sides then
    # answer from compacted storage; the build ratio is given against both times).
    times["oxigraph optimize"] = timed([BIN / "oxigraph", "optimize", "--location", oxigraph])
    saved.write_text(json.dumps(times))
    return store, oxigraph, times


def start(store: Path, oxigraph: Path, workers: int | None = None) -> list[System]:
    ours, theirs = free_port(), free_port()
    # The load comes from one address: the per-client rate and concurrency caps (a fairness
    # policy between clients) are lifted, as they would not bind four different users.
    env = {
        **os.environ,
        "CRITMIN_RATE_LIMIT": "0",
        "CRITMIN_CLIENT_QUERIES": "8",
        "CRITMIN_QUERY_TIMEOUT": "10",
        "CRITMIN_ROW_LIMIT": "100000",
    }
    if workers:
        env["CRITMIN_QUERY_WORKERS"] = str(workers)
    systems = [
        System("critmin", f"http://127.0.0.1:{ours}/sparql", subprocess.Popen(
            [BIN / "critmin", "serve", "--store", store, "--port", str(ours), "--log-level", "error"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)),
        System("oxigraph serve", f"http://127.0.0.1:{theirs}/query", subprocess.Popen(
            [BIN / "oxigraph", "serve-read-only", "--location", oxigraph, "--bind", f"127.0.0.1:{theirs}",
             "--union-default-graph"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)),
    ]  # fmt: skip
    for system in systems:
        wait_ready(system)
    # Measured once critmin's derived documents (VoID, dumps, sitemap) are made: making
    # them takes both cores for a while at 1M, and a run must not time that.
    wait_for_derived(f"http://127.0.0.1:{ours}", timeout=3600)
    return systems


def check_answers(systems: list[System], texts: dict[str, str]) -> None:
    clients = [turns.Client(s.url) for s in systems]
    for name, text in texts.items():
        answers = []
        for client in clients:
            status, body, media_type = client.get(text)
            if status != 200:
                raise SystemExit(f"{name}: status {status}: {body[:300]!r}")
            answers.append(canonical(body, media_type))
        if answers[0] != answers[1]:
            raise SystemExit(f"{name}: the answers differ between {systems[0].name} and {systems[1].name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--seconds", type=float, default=3.0, help="throughput time per system, in 3 turns")
    parser.add_argument("--shapes", nargs="+", help="only these shapes (default: all)")
    parser.add_argument("--workers", type=int, help="critmin's query workers (default: as shipped)")
    parser.add_argument("--output", default="quick.md", help="file name under bench/results/")
    args = parser.parse_args()
    store, oxigraph, times = prepare(args.triples)
    texts = {name: text for name, text in shapes().items() if not args.shapes or name in args.shapes}
    systems = start(store, oxigraph, args.workers)
    rows = []
    try:
        check_answers(systems, texts)
        for name, text in texts.items():
            count = args.requests if name in CHEAP else 20
            latencies = turns.medians([s.url for s in systems], text, count)
            rates = [turns.throughput([s.url for s in systems], text, clients, args.seconds) for clients in (1, 4)]
            rows.append((name, latencies, rates))
            print(name, latencies, rates, flush=True)
    finally:
        for system in systems:
            system.process.terminate()
            system.process.wait(timeout=20)
    workers = f"{args.workers} query workers" if args.workers else "query workers as shipped"
    report = [f"Graph: {args.triples:,} generated triples; every answer checked equal first; critmin with {workers}; "
              f"{os.cpu_count()} cores.", ""]  # fmt: skip
    if times:
        load, compact = times["oxigraph load"], times.get("oxigraph optimize", 0.0)
        report += [f"Build: critmin {times['critmin build']:.1f} s (compacted), oxigraph load {load:.1f} s "
                   f"(critmin ÷ load {times['critmin build'] / load:.2f}), + optimize {compact:.1f} s "
                   f"(critmin ÷ load and optimize {times['critmin build'] / (load + compact):.2f})", ""]  # fmt: skip
    report += [
        "| shape | kind | median ms critmin | median ms oxigraph | latency ÷ "
        "| req/s 1 client (÷) | req/s 4 clients (÷) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, (ours, theirs), ((one_ours, one_theirs), (four_ours, four_theirs)) in rows:
        kind = "cheap" if name in CHEAP else "costly"
        report.append(
            f"| {name} | {kind} | {ours:.2f} | {theirs:.2f} | {ours / theirs:.2f} | "
            f"{one_ours:.0f} vs {one_theirs:.0f} ({one_ours / one_theirs:.2f}) | "
            f"{four_ours:.0f} vs {four_theirs:.0f} ({four_ours / four_theirs:.2f}) |"
        )
    publish("\n".join(report), args.output)


if __name__ == "__main__":
    main()
