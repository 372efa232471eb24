"""Costly queries beside CPU load that is not critmin's: two busy processes at nice 0.

    .venv/bin/python bench/contention.py [--rounds 5]

On the 1M side-by-side of `quick.py` (reused from var/bench/), critmin as shipped and
`oxigraph serve-read-only --union-default-graph` are asked in turn, first on an idle
machine, then with two processes spinning at nice 0 (as another service, a compaction
or a build on the same machine would). critmin once reniced every query past ~0.2 s of
CPU to nice 19 for the rest of its run; beside load at nice 0 such a query got a sliver
of a core and passed its deadline where Oxigraph, which does not renice, was only
slowed. A long runner now yields only while a cheap query of ours runs beside it
(sparql/pool.py). Prints each system's times in ms (503: the deadline, 10 s).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import quick
import turns

TEXTS = {
    "count (~1.5 s at 1M)": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o . ?s a ?t }",
    "cq01 (~0.2 s)": None,  # filled from the canned queries
}


def ask(clients: list[turns.Client], text: str, rounds: int, tag: str) -> list[list[float]]:
    samples: list[list[float]] = [[] for _ in clients]
    for number in range(rounds):
        for client, taken in zip(clients, samples, strict=True):
            started = time.perf_counter()
            status, _, _ = client.get(f"# {tag} {number} {time.time_ns()}\n{text}")
            taken.append((time.perf_counter() - started) * 1000 if status == 200 else float(status))
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    store, oxigraph, _ = quick.prepare(1_000_000)
    texts = {**TEXTS, "cq01 (~0.2 s)": quick.shapes()["cq01"]}
    systems = quick.start(store, oxigraph)
    hogs: list[subprocess.Popen] = []
    try:
        for load in ("idle", "two processes busy at nice 0"):
            if load != "idle":
                hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
                time.sleep(1)
            for name, text in texts.items():
                clients = [turns.Client(s.url) for s in systems]
                ours, theirs = ask(clients, text, args.rounds, load)
                cells = [f"{system.name} {[round(x) for x in taken]} (median {statistics.median(taken):.0f})"
                         for system, taken in zip(systems, (ours, theirs), strict=True)]  # fmt: skip
                print(f"{load}, {name}: " + "; ".join(cells), flush=True)
    finally:
        for hog in hogs:
            hog.kill()
        for system in systems:
            system.process.terminate()
            system.process.wait(timeout=20)


if __name__ == "__main__":
    main()
