"""Inference upkeep after a write: incremental against a full recompute, on a built store.

    .venv/bin/python bench/inference_bench.py --store var/bench/store1M [--triples 1000]

Copies the store (the original is not touched), then through the one write path
(DatasetWriter.public_change, as a publish or a Graph Store write does): adds a graph of
`--triples` generated triples (another seed: new supply relations, lists and entries
about the same countries and commodities), drops it again, and times each write with
its inference upkeep; then times a full recompute of the inferred graph, and checks
that the incremental result equals it. Prints a Markdown table (results/inference.md).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
from generate import generate
from report import publish
from servers import copy_store

from critmin.contributions.writer import DatasetWriter
from critmin.rdf.namespaces import INFERRED_GRAPH
from critmin.store.embedded import LiveStore

GRAPH = "https://example.org/graphs/bench-write"


def inferred(store) -> set:
    return set(store.graph_quads(str(INFERRED_GRAPH)))


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--triples", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="critmin-inference-") as scratch:
        copy = copy_store(args.store, Path(scratch) / "store")  # without a server's snapshots
        live = LiveStore(copy, writable=True)
        writer = DatasetWriter(live)
        quads = [ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(GRAPH)) for q in generate(args.triples, 99)]
        size = live.get().count(str(INFERRED_GRAPH))

        def write(operations, label):
            with writer.lock:
                writer.public_change(live.get(), operations, label)

        add = timed(lambda: write([writer.insert_data(quads)], "bench add"))
        after_add = inferred(live.get())
        full_add = timed(lambda: writer.refresh_inferences(live.get()))
        same_add = after_add == inferred(live.get())
        drop = timed(lambda: write([f"DROP SILENT GRAPH <{GRAPH}>"], "bench drop"))
        after_drop = inferred(live.get())
        full_drop = timed(lambda: writer.refresh_inferences(live.get()))
        same_drop = after_drop == inferred(live.get())
    rows = [
        "| write | incremental upkeep (write included) | full recompute | equal |",
        "| --- | --- | --- | --- |",
        f"| add {len(quads):,} triples | {add:.2f} s | {full_add:.2f} s | {same_add} |",
        f"| drop them again | {drop:.2f} s | {full_drop:.2f} s | {same_drop} |",
    ]
    text = f"Store: {args.store} ({size:,} inferred triples)\n\n" + "\n".join(rows)
    publish(text, "inference.md")
    if not (same_add and same_drop):
        sys.exit("the incremental result differs from the full recompute")


if __name__ == "__main__":
    main()
