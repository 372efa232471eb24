"""Storm: many clients on every public GET route while one client measures.

    python bench/storm.py [--triples 1000000] [--clients 8] [--seconds 60]

On a store of the project's graph plus N generated triples (bench/generate.py,
written straight to the database), one client calls /health and a cheap /sparql
query every 100 ms, first alone (unloaded), then while N clients loop over every
public GET route: VoID, sitemap, dumps, dereference of a big and a small node, the
feed, the contribution listing, cheap and runaway /sparql queries. Prints the
measuring client's p50/p99 both ways, every route's status mix, the service's total
RSS (all its processes) and any status other than 200/304/404/429/503, against the
targets: /health p99 < 50 ms, the cheap query's p99 within 3x unloaded.
"""

from __future__ import annotations

import argparse
import collections
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate
from servers import PROJECT, descendants, start_server, wait_for_derived

from critmin import build
from critmin.store import EmbeddedStore, point_current_at, write_database

CHEAP = "ASK { <https://w3id.org/critmin/id/mineral/lithium> ?p ?o } # {n}"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } # {n}"
ROUTES = [
    ("/.well-known/void", {}), ("/sitemap.xml", {}), ("/dumps/", {}), ("/dumps/latest.nt.gz", {}),
    ("/id/country/US", {}), ("/id/mineral/lithium", {}), ("/id/mineral/lithium.ttl", {}),
    ("/changes", {}), ("/contributions", {}), ("/ontology", {}), ("/sparql", {"query": CHEAP}),
    ("/sparql", {"query": RUNAWAY, "timeout": "2"}),
]  # fmt: skip
OK = {200, 302, 304, 404, 429, 503}


def make_store(folder: Path, triples: int) -> Path:
    project = folder / "project"
    build.build(project, PROJECT)
    quads = list(EmbeddedStore.open(project).quads())
    write_database(folder / "db-storm", iter(quads + list(generate(triples))))
    point_current_at(folder, folder / "db-storm")
    return folder


def rss_mb(pid: int) -> float:
    total = 0
    for process in {pid} | descendants(pid):
        try:
            for line in Path(f"/proc/{process}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def measure(url: str, seconds: float) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {"health": [], "cheap": []}
    with httpx.Client(base_url=url, timeout=60) as client:
        deadline, n = time.monotonic() + seconds, 0
        while time.monotonic() < deadline:
            cheap = {"query": CHEAP.replace("{n}", str(n))}
            for name, path, params in (("health", "/health", {}), ("cheap", "/sparql", cheap)):
                started = time.perf_counter()
                client.get(path, params=params)
                timings[name].append(time.perf_counter() - started)
            n += 1
            time.sleep(0.1)
    return timings


def storm(url: str, stop: threading.Event, statuses: dict, errors: list, index: int) -> None:
    with httpx.Client(base_url=url, timeout=60, follow_redirects=False) as client:
        n = 0
        while not stop.is_set():
            for path, params in ROUTES:
                if stop.is_set():
                    return
                params = {k: v.replace("{n}", f"{index}-{n}") for k, v in params.items()}
                try:
                    status = client.get(path, params=params, headers={"X-Forwarded-For": f"10.0.0.{index}"}).status_code
                except httpx.HTTPError as error:
                    status = type(error).__name__
                statuses[path + ("?runaway" if "COUNT" in params.get("query", "") else "")][status] += 1
                if status not in OK:
                    errors.append((path, status))
                n += 1


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * q) - 1)] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="critmin-storm-") as folder:
        started = time.monotonic()
        store = make_store(Path(folder), args.triples)
        print(f"store with {args.triples:,} generated triples written in {time.monotonic() - started:.0f} s")
        server = start_server(store, Path(folder), wait_ready=False, CRITMIN_RATE_LIMIT="0",
                              CRITMIN_TRUSTED_PROXIES="127.0.0.1", CRITMIN_CLIENT_QUERIES="2")  # fmt: skip
        try:
            started = time.monotonic()
            wait_for_derived(server.url, timeout=1800)
            print(f"derived documents made in {time.monotonic() - started:.0f} s (in the background)")
            quiet = measure(server.url, 20)
            stop, statuses, errors = threading.Event(), collections.defaultdict(collections.Counter), []
            threads = [threading.Thread(target=storm, args=(server.url, stop, statuses, errors, i))
                       for i in range(args.clients)]  # fmt: skip
            for thread in threads:
                thread.start()
            peak = 0.0
            loaded: dict[str, list[float]] = {}
            sampler = threading.Thread(target=lambda: loaded.update(measure(server.url, args.seconds)))
            sampler.start()
            while sampler.is_alive():
                peak = max(peak, rss_mb(server.process.pid))
                time.sleep(1)
            stop.set()
            for thread in threads:
                thread.join()
        finally:
            server.stop()
    print(f"\n{args.clients} storm clients for {args.seconds:.0f} s; the measuring client every 100 ms\n")
    print("| measured | unloaded p50 | unloaded p99 | loaded p50 | loaded p99 | target |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, target in (("health", "p99 < 50 ms"), ("cheap", "p99 within 3x unloaded")):
        row = [percentile(quiet[name], 0.5), percentile(quiet[name], 0.99),
               percentile(loaded[name], 0.5), percentile(loaded[name], 0.99)]  # fmt: skip
        met = row[3] < 50 if name == "health" else row[3] <= 3 * row[1]
        print(f"| {name} | " + " | ".join(f"{v:.1f} ms" for v in row) + f" | {target}: {'met' if met else 'MISSED'} |")
    print(f"\npeak RSS of the service (all processes): {peak:.0f} MB\n")
    print("| route | statuses |")
    print("| --- | --- |")
    for route, counter in sorted(statuses.items()):
        print(f"| {route} | " + ", ".join(f"{k}: {v}" for k, v in sorted(counter.items(), key=str)) + " |")
    print(f"\nstatuses other than {sorted(OK)}: {len(errors)}" + (f" (first: {errors[:5]})" if errors else ""))
    print(f"median of the measuring client's cheap query, loaded ÷ unloaded: "
          f"{statistics.median(loaded['cheap']) / statistics.median(quiet['cheap']):.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
