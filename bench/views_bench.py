"""What hidden graphs cost a query, and what the public snapshot gives back.

    .venv/bin/python bench/views_bench.py --store var/bench/quick-1000000 [--repeat 20]

Copies the store (the original is not touched) and hides something in the copy, as
the first contribution does (a record, and a staged contribution's graph). From then
on the public union is no longer the store's union of all graphs. Each query shape
is then timed (median ms, unique texts, in-process on the engine) three ways:
- "nothing hidden": the store's own union, as before the first contribution;
- "public list": the public graphs as the default graph, as every query ran
  once anything was hidden;
- "snapshot": the union of the public snapshot (store/views.py), as the query workers
  now read it.
It also times making a snapshot, and checks that every answer is the same across
the three. Prints a Markdown table (results/views.md).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
from report import publish
from run import SHAPES
from servers import copy_store

from critmin.rdf.namespaces import CONTRIBUTED_PREFIX, RECORDS_GRAPH
from critmin.store import LiveStore
from critmin.store.views import PublicViews
from critmin.store.visibility import Visibility

LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")


def canonical_rows(result) -> object:
    """An answer as compared across the three ways: a sorted list of rows or triples."""
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    if isinstance(result, ox.QueryTriples):
        return sorted(str(t) for t in result)
    return sorted(tuple(str(s[v]) for v in result.variables) for s in result)


def timed(run) -> tuple[float, object]:
    started = time.perf_counter()
    answer = run()
    return (time.perf_counter() - started) * 1000, answer


def compare(shape: str, query: str, repeat: int, store, public, snapshot) -> str:
    """One row: the shape's median on the union, on the public list, on the snapshot,
    the three ways taken in turn at each repetition (noise and caches fall on all three)."""
    ways = {
        "union": lambda text: store.evaluate(text),
        "list": lambda text: store.evaluate(text, default_graphs=public, named_graphs=public),
        "snapshot": lambda text: snapshot.query(text, use_default_graph_as_union=True),
    }
    samples: dict[str, list[float]] = {way: [] for way in ways}
    answers: dict[str, object] = {}
    for i in range(repeat):
        for way, evaluate in ways.items():
            text = f"{query}\n# {shape} {way} {i}"  # unique: nothing is reused between runs
            elapsed, answers[way] = timed(lambda: canonical_rows(evaluate(text)))  # noqa: B023
            samples[way].append(elapsed)
    union, listed, viewed = (statistics.median(samples[way]) for way in ways)
    equal = answers["union"] == answers["list"] == answers["snapshot"]
    return f"| {shape} | {union:.2f} | {listed:.2f} | {viewed:.2f} | {listed / viewed:.1f}× | {equal} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="critmin-views-") as scratch:
        copy = copy_store(args.store, Path(scratch) / "store")  # without a server's snapshots
        live = LiveStore(copy, writable=True)
        store = live.get()
        hidden = ox.NamedNode(f"{CONTRIBUTED_PREFIX}/bench")
        store.extend([ox.Quad(hidden, LABEL, ox.Literal("a staged contribution"), hidden),
                      ox.Quad(hidden, LABEL, ox.Literal("its record"), ox.NamedNode(RECORDS_GRAPH))])  # fmt: skip
        live.changed()
        visibility = Visibility.of(live)
        public = visibility.public_graphs()
        views = PublicViews(live, visibility.public_graphs, grace=0)
        started = time.perf_counter()
        snapshot = ox.Store.read_only(views.make_now())
        made = time.perf_counter() - started
        rows = ["| shape | nothing hidden | public list | snapshot | list ÷ snapshot | answers equal |",
                "| --- | --- | --- | --- | --- | --- |"]  # fmt: skip
        for shape, query in SHAPES.items():
            repeat = args.repeat if shape in ("lookup", "describe", "aggregate") else max(3, args.repeat // 4)
            rows.append(compare(shape, query, repeat, store, public, snapshot))
        size = sum(1 for _ in store.database.named_graphs())
    text = (f"Store: {args.store} ({size} graphs, {len(public)} public); making the snapshot: {made:.2f} s\n"
            "Median ms, in-process on the engine\n\n" + "\n".join(rows))  # fmt: skip
    publish(text, "views.md")


if __name__ == "__main__":
    main()
