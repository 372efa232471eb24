"""The benchmark suite across stores: critmin (embedded), critmin on Virtuoso,
`oxigraph serve`, Virtuoso's own endpoint and rdflib-endpoint, side by side on the
same data.

    .venv/bin/python bench/run.py [--scales 100000 1000000 10000000] [--repeat 20] [--seconds 2]

Each system is loaded its own fastest way: critmin by `critmin build`, Oxigraph by
`oxigraph load`, Virtuoso by critmin's isql bulk loader (ld_dir), rdflib-endpoint
by parsing the dump at start-up (only up to --rdflib-max triples: it holds the
graph in Python objects).

For each scale: load time and triples/s per system, per-shape latency (median, p99)
for the competency-question shapes (lookup, 2-hop join, aggregate, OPTIONAL +
regex, DESCRIBE), HTTP throughput at 1, 4 and 16 clients on the lookup, the systems
taking turns for both (bench/turns.py), and contribution-validation latency; then
ratios against each peer and how each figure grows between the smallest and the
largest scale (the log-log slope). Writes
bench/results/suite.md and bench/results/latency.png (latency against graph size).
Needs Debian's virtuoso-opensource (installed by `make test`).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
import turns
from engines import start_oxigraph, start_virtuoso
from generate import build_store, write_graph
from http_bench import BIN, System, ensure_peers, free_port, wait_ready
from report import publish
from servers import descendants, start_server
from validation_bench import contribution

from critmin.contributions import ContributionService, parse_contribution
from critmin.sparql import queries
from critmin.store import EmbeddedStore, LiveStore
from critmin.store.remote import RemoteStore

BENCH = "https://w3id.org/critmin/bench/"
CM = "https://w3id.org/critmin/ontology#"
SHAPES = {
    "lookup": f"SELECT ?label WHERE {{ <{BENCH}country/AB> <http://www.w3.org/2000/01/rdf-schema#label> ?label }}",
    # Which commodities on AC's 2000 list does AB supply, in how many relations? Work
    # grows with AB's supply relations (linearly with the data); the answer is bounded.
    "2-hop join": f"""SELECT ?commodity (COUNT(?r) AS ?n) WHERE {{
        <{BENCH}list/AC-2000> <{CM}hasEntry> ?entry . ?entry <{CM}denotes> ?commodity .
        ?r <{CM}supplier> <{BENCH}country/AB> ; <{CM}commodity> ?commodity }} GROUP BY ?commodity""",
    "aggregate": f"""SELECT ?supplier (COUNT(*) AS ?n) WHERE {{ ?r <{CM}recipient> <{BENCH}country/AB> ;
        <{CM}supplier> ?supplier }} GROUP BY ?supplier ORDER BY DESC(?n) ?supplier LIMIT 10""",
    "optional + regex": f"""SELECT ?c ?label ?share WHERE {{ ?c a <{CM}Commodity> ; <http://www.w3.org/2000/01/rdf-schema#label> ?label .
        OPTIONAL {{ ?r <{CM}commodity> ?c ; <{CM}supplier> <{BENCH}country/AA> ; <{CM}shareOfNeeds> ?share }}
        FILTER regex(?label, "^Mineral 0[0-4]") }}""",  # noqa: E501
    "describe": f"DESCRIBE <{BENCH}country/AB>",
}
SYSTEMS = ["critmin", "critmin on virtuoso", "oxigraph serve", "virtuoso", "rdflib-endpoint"]
RESULTS_JSON = Path(__file__).parent / "results" / "suite.json"
ACCEPT = {"Accept": "application/sparql-results+json, application/n-triples;q=0.9"}


def measure_in_turns(urls: dict[str, str], able: dict[str, dict[str, str]], args, results: dict,
                     scale: int) -> None:  # fmt: skip
    """Per-shape latency (median, p99) of the systems that answered the shape
    (`compare_answers`), and the lookup's throughput at 1, 4 and 16 clients, every system
    asked in turn (bench/turns.py). Every system answers on its own default graph, the
    union of the loaded graphs (Oxigraph started with --union-default-graph, Virtuoso's
    default without FROM): none is sent a dataset it would not be queried with."""
    for shape, query in SHAPES.items():
        answering = able[shape]
        for system, samples in zip(answering, turns.latencies(list(answering.values()), query, args.repeat, budget=60),
                                   strict=True):  # fmt: skip
            results[(scale, system, f"{shape} median")] = statistics.median(samples)
            results[(scale, system, f"{shape} p99")] = turns.p99(samples)
        print(f"  {shape} done", flush=True)
    for clients in (1, 4, 16):
        rates = turns.throughput(list(urls.values()), SHAPES["lookup"], clients, args.seconds)
        for system, rate in zip(urls, rates, strict=True):
            results[(scale, system, f"lookup {clients} clients req/s")] = rate


def canonical(body: bytes, media_type: str):
    """An answer as compared across systems: solutions as a sorted list of rows (a
    multiset), a graph as its sorted N-Triples lines (no blank nodes in these shapes)."""
    if "json" in media_type:
        document = json.loads(body)
        if "boolean" in document:
            return document["boolean"]
        rows = [tuple(sorted((k, v["value"]) for k, v in b.items())) for b in document["results"]["bindings"]]
        return sorted(rows)
    return sorted(str(t) for t in ox.parse(body, format=ox.RdfFormat.N_TRIPLES))


def compare_answers(urls: dict[str, str]) -> tuple[list[str], dict[str, dict[str, str]]]:
    """Each shape asked once of every system, compared with critmin's answer: the shapes
    and systems whose answers differ (DESCRIBE is the engine's choice in SPARQL 1.1), and
    per shape the systems that answered it (rdflib-endpoint answers DESCRIBE 422), which
    are the ones timed."""
    differing, able = [], {}
    with httpx.Client(timeout=600) as client:
        for shape, query in SHAPES.items():
            answers = {}
            for system, url in urls.items():
                response = client.post(url, data={"query": query}, headers=ACCEPT)
                if response.status_code == 200:
                    answers[system] = canonical(response.content, response.headers.get("content-type", ""))
                else:
                    print(f"  {system} cannot answer {shape}: {response.status_code}", flush=True)
            differing += [f"{shape}: {s}" for s, a in answers.items() if a != answers.get("critmin")]
            able[shape] = {system: urls[system] for system in answers}
    return differing, able


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of a process and all its descendants, in MB."""
    total = 0
    for member in {pid} | descendants(pid):
        try:
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--rdflib-max", type=int, default=1_000_000, help="largest scale rdflib-endpoint is run at")
    parser.add_argument("--virtuoso-buffers", type=int, default=680_000, help="8 KB pages (the ini's 8 GB setting)")
    parser.add_argument("--replot", action="store_true", help="redraw the plot from results/suite.json only")
    parser.add_argument(
        "--only-oxigraph",
        action="store_true",
        help="critmin and oxigraph serve only (results/suite-oxigraph.*): the fair side-by-side",
    )
    args = parser.parse_args()
    suffix = "-oxigraph" if args.only_oxigraph else ""
    results_json = RESULTS_JSON.with_name(f"suite{suffix}.json")
    if args.replot:
        saved = json.loads(results_json.read_text())
        plot({(scale, system, metric): value for scale, system, metric, value in saved["results"]}, saved["scales"],
             SYSTEMS, suffix)  # fmt: skip
        return
    ensure_peers()
    results: dict[tuple[int, str, str], float] = {}
    loads: dict[tuple[int, str], tuple[float, int]] = {}
    mismatches: dict[int, list[str]] = {}
    for scale in args.scales:
        print(f"scale {scale:,}", flush=True)
        work = Path(tempfile.mkdtemp(prefix=f"critmin-suite-{scale}-"))
        data = write_graph(scale, work / "bench.nq")
        started = time.perf_counter()
        store = build_store(data, work / "store")
        built = time.perf_counter() - started  # (counting the quads below is no part of the build)
        quads = sum(1 for _ in EmbeddedStore.open(store).quads())
        loads[(scale, "critmin")] = (built, quads)
        dump = work / "all.nq"
        ox.serialize(EmbeddedStore.open(store).quads(), str(dump), ox.RdfFormat.N_QUADS)
        print(f"  critmin built: {quads:,} quads", flush=True)

        (work / "oxigraph").mkdir()
        started = time.perf_counter()
        location = work / "oxigraph" / "db"
        subprocess.run([str(BIN / "oxigraph"), "load", "--location", str(location), "--file", str(dump)],
                       check=True, capture_output=True)  # fmt: skip
        # Its best configuration for serving: compacted, as critmin's build compacts its own.
        subprocess.run([str(BIN / "oxigraph"), "optimize", "--location", str(location)],
                       check=True, capture_output=True)  # fmt: skip
        loads[(scale, "oxigraph serve")] = (time.perf_counter() - started, quads)
        oxigraph = start_oxigraph(work / "oxigraph", union_default_graph=True)

        # Measured once its derived documents are made (/ready), never while they are.
        servers = {"critmin": start_server(store, work, ready_within=3600)}
        processes = {"critmin": servers["critmin"].process, "oxigraph serve": oxigraph.process}
        urls = {"critmin": servers["critmin"].url + "/sparql", "oxigraph serve": oxigraph.query_url}
        virtuoso = None if args.only_oxigraph else start_virtuoso_peer(work, store, args, loads, scale, quads)
        if virtuoso is not None:
            # /health only: at 1M its derived documents fail (reading a graph from Virtuoso
            # passes the 60 s engine timeout) and are tried again in the background.
            servers["critmin on virtuoso"] = start_server(virtuoso.query_url, work, wait_ready=False)
            processes.update({"critmin on virtuoso": servers["critmin on virtuoso"].process,
                              "virtuoso": virtuoso.process})  # fmt: skip
            urls.update({"critmin on virtuoso": servers["critmin on virtuoso"].url + "/sparql",
                         "virtuoso": virtuoso.query_url})  # fmt: skip
        print("  engines loaded", flush=True)
        rdflib_endpoint = None
        if scale <= args.rdflib_max and not args.only_oxigraph:
            started = time.perf_counter()
            rdflib_endpoint = start_rdflib_endpoint(dump)
            loads[(scale, "rdflib-endpoint")] = (time.perf_counter() - started, quads)
            urls["rdflib-endpoint"] = rdflib_endpoint.url
            processes["rdflib-endpoint"] = rdflib_endpoint.process
        try:
            mismatches[scale], able = compare_answers(urls)
            measure_in_turns(urls, able, args, results, scale)
            service = ContributionService(LiveStore(store), store)
            triples = parse_contribution(contribution(), "text/turtle", service.limits, f"{BENCH}genid/")
            samples = []
            for _ in range(3):
                started = time.perf_counter()
                service.validate(triples)
                samples.append((time.perf_counter() - started) * 1000)
            results[(scale, "critmin", "validate 1k triples")] = statistics.median(samples)
            for name, milliseconds in competency_questions(store).items():
                results[(scale, "critmin", f"{name} (embedded store) median")] = milliseconds
            for system, process in processes.items():
                results[(scale, system, "peak memory MB")] = peak_rss_mb(process.pid)
        finally:
            for server in servers.values():
                server.stop()
            oxigraph.stop()
            if virtuoso is not None:
                virtuoso.stop()
            if rdflib_endpoint:
                rdflib_endpoint.process.kill()
        shutil.rmtree(work, ignore_errors=True)

    systems = SYSTEMS
    results_json.write_text(json.dumps({"scales": args.scales, "loads": [[*k, *v] for k, v in loads.items()],
                                        "results": [[*k, v] for k, v in results.items()]}, indent=0))  # fmt: skip
    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"{args.repeat} runs per latency, {args.seconds:g} s per throughput cell.",
        "",
        "| scale | system | load s | quads/s |",
        "| --- | --- | --- | --- |",
    ]
    for (scale, system), (seconds, quads) in sorted(loads.items()):
        lines.append(f"| {scale:,} | {system} | {seconds:.1f} | {quads / seconds:,.0f} |")
    for scale, differing in sorted(mismatches.items()):
        lines += ["", f"Answers at {scale:,} differing from critmin's: {', '.join(differing) or 'none'}."]
    metrics = sorted({m for (_, _, m) in results})
    lines += ["", "Latency in ms, throughput in requests/s. Last column: what critmin adds over the engine it "
              "fronts (critmin on virtuoso ÷ virtuoso).", "",
              "| scale | measure | " + " | ".join(systems) + " | critmin ÷ oxigraph | critmin ÷ virtuoso "
              "| critmin ÷ rdflib-endpoint | critmin on virtuoso ÷ virtuoso |",
              "| --- | --- | " + " | ".join("---" for _ in systems) + " | --- | --- | --- | --- |"]  # fmt: skip
    for scale in args.scales:
        for metric in metrics:
            values = [results.get((scale, s, metric)) for s in systems]
            cells = " | ".join("-" if v is None else f"{v:.1f}" for v in values)
            ratio = [f"{values[0] / v:.2f}" if values[0] and v else "-" for v in (values[2], values[3], values[4])]
            fronted = f"{values[1] / values[3]:.2f}" if values[1] and values[3] else "-"
            lines.append(f"| {scale:,} | {metric} | {cells} | {' | '.join(ratio)} | {fronted} |")
    if len(args.scales) > 1:
        low, high = min(args.scales), max(args.scales)
        header = "| measure | " + " | ".join(systems) + " |"
        rule = "| --- | " + " | ".join("---" for _ in systems) + " |"
        lines += [
            "",
            f"Growth from {low:,} to {high:,} triples (log-log slope; 1 = linear, 0 = flat; "
            "rdflib-endpoint over the scales it ran at):",
            "",
            header,
            rule,
        ]
        for metric in metrics:
            slopes = []
            for system in systems:
                ran = [scale for scale in args.scales if results.get((scale, system, metric))]
                first, last = (min(ran), max(ran)) if ran else (low, low)
                a, b = results.get((first, system, metric)), results.get((last, system, metric))
                slopes.append(f"{math.log(b / a) / math.log(last / first):.2f}" if a and b and last > first else "-")
            lines.append(f"| {metric} | " + " | ".join(slopes) + " |")
    publish("\n".join(lines), f"suite{suffix}.md")
    plot(results, args.scales, systems, suffix)


def competency_questions(store: Path, budget: float = 60) -> dict[str, float]:
    """Median ms of each competency question on the embedded store, its answer written
    as SPARQL JSON by pyoxigraph as the service does (at least 3 runs, at most 10)."""
    database = EmbeddedStore.open(store)
    timings = {}
    for canned in queries.all_queries():
        samples: list[float] = []
        began = time.perf_counter()
        while len(samples) < 10 and (len(samples) < 3 or time.perf_counter() - began < budget / 12):
            started = time.perf_counter()
            database.query(canned.text).serialize(format=ox.QueryResultsFormat.JSON)
            samples.append((time.perf_counter() - started) * 1000)
        timings[canned.name[:4]] = statistics.median(samples)
    return timings


def start_virtuoso_peer(work: Path, store: Path, args, loads: dict, scale: int, quads: int):
    """Virtuoso, loaded with the store's quads by critmin's isql bulk loader (timed)."""
    (work / "virtuoso").mkdir()
    virtuoso = start_virtuoso(work / "virtuoso", buffers=args.virtuoso_buffers)
    os.environ.update(CRITMIN_STATE=str(work / "virt-state"), CRITMIN_REMOTE_UPDATE_URL=virtuoso.update_url)
    os.environ.update(virtuoso.loader_env)
    started = time.perf_counter()
    RemoteStore(virtuoso.query_url).replace_everything(EmbeddedStore.open(store).quads())
    loads[(scale, "virtuoso")] = (time.perf_counter() - started, quads)
    return virtuoso


def start_rdflib_endpoint(dump: Path) -> System:
    """rdflib-endpoint serving the dump (its default graph is the union); ready when it answers."""
    port = free_port()
    command = [str(BIN / "rdflib-endpoint"), "serve", str(dump), "--port", str(port), "--host", "127.0.0.1"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peer = System("rdflib-endpoint", f"http://127.0.0.1:{port}/", process)
    wait_ready(peer, timeout=3600)
    return peer


def plot(results, scales, systems, suffix: str = "") -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed; no plot")
        return
    figure, axes = plt.subplots(1, len(SHAPES), figsize=(4 * len(SHAPES), 3.5), sharey=False)
    for axis, shape in zip(axes, SHAPES, strict=True):
        for system in systems:
            points = [(s, results.get((s, system, f"{shape} median"))) for s in scales]
            points = [(s, v) for s, v in points if v]
            if points:
                axis.plot(*zip(*points, strict=True), marker="o", label=system)
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_title(shape)
        axis.set_xlabel("generated triples")
    axes[0].set_ylabel("median latency, ms")
    handles, labels = axes[0].get_legend_handles_labels()  # the lookup panel has every system
    figure.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize="small")
    figure.tight_layout(rect=(0, 0.08, 1, 1))
    figure.savefig(Path(__file__).parent / "results" / f"latency{suffix}.png", dpi=110)


if __name__ == "__main__":
    main()
