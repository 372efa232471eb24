"""Contribution validation latency: critmin's sliced, focus-node validation against
naive pyshacl validation of the contribution unioned with the whole graph.

    .venv/bin/python bench/validation_bench.py [--scales 100000 1000000] [--naive-max 100000]

For each scale a store is built from the project's data plus a generated graph
(bench/generate.py); a 1,000-triple contribution shaped like the data (supply
relations between existing countries, citing existing sources) is validated
(a) the critmin way: the slice of the graph the contribution touches plus the
ontology, focus nodes = the contribution's own nodes; and (b) naively: pyshacl over
the contribution plus the whole graph, all targets. (b) is run only up to
--naive-max triples: beyond, it takes minutes and gigabytes (see bench/README.md).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyshacl
import rdflib

sys.path.insert(0, str(Path(__file__).parent))
from generate import build_store, write_graph
from report import publish

from critmin.contributions import ContributionService, parse_contribution
from critmin.rdf.input import to_rdflib_graph
from critmin.rdf.namespaces import ONTOLOGY_GRAPH, SHAPES_GRAPH
from critmin.store import EmbeddedStore, LiveStore

BENCH = "https://w3id.org/critmin/bench/"
CM = "https://w3id.org/critmin/ontology#"


def contribution(relations: int = 125) -> bytes:
    """About 1,000 triples: supply relations between generated countries, each sourced."""
    lines = [f"@prefix cm: <{CM}> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> ."]
    for i in range(relations):
        lines.append(
            f"""<{BENCH}supply/contributed-{i}> a cm:SupplyRelation ; rdfs:label "contributed {i}"@en ;
            cm:supplier <{BENCH}country/AB> ; cm:recipient <{BENCH}country/AC> ;
            cm:commodity <{BENCH}mineral/m{i % 100:03d}> ; cm:supplierRank {1 + i % 4} ;
            cm:shareOfNeeds 0.{i % 9 + 1} ; <http://purl.org/dc/terms/source> <{BENCH}source/register> ."""
        )
    return "\n".join(lines).encode()


def timed(function, repeat: int) -> tuple[float, object]:
    samples, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--naive-max", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    body = contribution()
    rows = []
    for scale in args.scales:
        with tempfile.TemporaryDirectory() as folder:
            work = Path(folder)
            store_path = build_store(write_graph(scale, work / "bench.nq"), work / "store")
            service = ContributionService(LiveStore(store_path), store_path)
            triples = parse_contribution(body, "text/turtle", service.limits, f"{BENCH}genid/")
            seconds, report = timed(lambda t=triples, s=service: s.validate(t), args.repeat)
            assert report.conforms, report.to_text()
            size = sum(1 for _ in EmbeddedStore.open(store_path).quads())
            naive = None
            if scale <= args.naive_max:
                store = EmbeddedStore.open(store_path)
                whole = to_rdflib_graph(store.quads()) + to_rdflib_graph(triples)
                ontology = to_rdflib_graph(store.graph_quads(str(ONTOLOGY_GRAPH)))
                shapes = to_rdflib_graph(store.graph_quads(str(SHAPES_GRAPH)))
                naive, _ = timed(
                    lambda g=whole, sh=shapes, o=ontology: pyshacl.validate(
                        g, shacl_graph=sh, ont_graph=o, advanced=True
                    ),
                    1,
                )
            rows.append((scale, size, len(triples), seconds, naive))
            summary = f"scale {scale}: {size} quads, {len(triples)} triples: critmin {seconds * 1000:.0f} ms"
            print(summary + (f", naive {naive:.1f} s" if naive else ""), flush=True)

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"pyshacl {pyshacl.__version__}, rdflib {rdflib.__version__}; peak RSS of the run {peak:.0f} MB.",
        "",
        "| generated triples | store quads | contribution triples | critmin median | naive pyshacl | ratio |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for scale, size, count, seconds, naive in rows:
        ratio = f"{naive / seconds:.0f}x" if naive else "not run"
        naive_text = f"{naive:.1f} s" if naive else f"not run (> --naive-max {args.naive_max})"
        lines.append(f"| {scale:,} | {size:,} | {count} | {seconds * 1000:.0f} ms | {naive_text} | {ratio} |")
    publish("\n".join(lines), "validation.md")


if __name__ == "__main__":
    main()
