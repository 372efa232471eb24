"""Competency-query latency: critmin's embedded store (pyoxigraph) against rdflib.

Runs every query in queries/ on the same graph (the built store's union, with the
inferences) in both engines, side by side, and prints median latencies and the
ratio. This is the measured reason for pyoxigraph as the query engine.

    .venv/bin/python bench/queries_vs_rdflib.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import rdflib

from critmin import build, settings
from critmin.rdf.input import to_rdflib_graph
from critmin.sparql import queries
from critmin.store import EmbeddedStore


def median_ms(run, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        build.build(Path(folder), settings.project_home(), force=True)
        print(f"build: {time.perf_counter() - started:.2f} s")
        store = EmbeddedStore.open(Path(folder))
        graph = rdflib.Graph()
        graph += to_rdflib_graph(store.union_triples())
        print(f"graph: {len(graph)} triples (union)\n")
        print(f"{'query':<42} {'critmin ms':>10} {'rdflib ms':>10} {'ratio':>8}")
        ratios = []
        for query in queries.all_queries():
            ours = median_ms(lambda q=query: list(store.query(q.text)), args.repeat)
            theirs = median_ms(lambda q=query: list(graph.query(q.text)), max(3, args.repeat // 5))
            ratios.append(theirs / ours)
            print(f"{query.name:<42} {ours:>10.2f} {theirs:>10.2f} {theirs / ours:>7.0f}x")
        print(f"\ngeometric mean: rdflib is {statistics.geometric_mean(ratios):.0f}x slower")


if __name__ == "__main__":
    main()
