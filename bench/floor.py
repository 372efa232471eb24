"""Where a cheap query's time goes: the floor under each part of critmin's request path.

    .venv/bin/python bench/floor.py [--requests 2000]

Four servers on loopback, asked in turn request by request over keep-alive connections
(http.client, as bench/quick.py): a trivial ASGI app (a fixed two-byte answer) under
uvicorn with h11 (critmin's choice) and with httptools, critmin on a copy of the shipped
store, and `oxigraph serve-read-only --union-default-graph` on the 1M benchmark database
(var/bench/quick-1000000-oxigraph, made by `make bench-quick`). The same lookup text
each time (critmin answers it from its result cache: HTTP, middleware and protocol
checks, no worker), then unique texts (critmin's worker hop and evaluation added). The
trivial app is the floor of any Python service on that server; the gap between the
cached and the unique answer is the process hop. Prints medians in ms.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
from http_bench import BIN, free_port
from quick import VAR
from servers import PROJECT, copy_store
from turns import Client

TRIVIAL = """async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    headers = [(b"content-type", b"application/sparql-results+json"), (b"content-length", b"2")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"{}"})
"""
LOOKUP = "SELECT ?l WHERE { <https://w3id.org/critmin/id/country/CA> <http://www.w3.org/2000/01/rdf-schema#label> ?l }"


def servers(work: Path) -> tuple[dict[str, str], list[subprocess.Popen]]:
    (work / "trivial.py").write_text(TRIVIAL)
    store = copy_store(PROJECT / "var" / "store", work / "store")
    ports = {name: free_port() for name in ("uvicorn h11, trivial app", "uvicorn httptools, trivial app",
                                            "critmin", "oxigraph serve")}  # fmt: skip
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    uvicorn = [BIN / "python", "-m", "uvicorn", "trivial:app", "--app-dir", work, "--log-level", "error"]
    processes = [
        subprocess.Popen([*uvicorn, "--http", "h11", "--port", str(ports["uvicorn h11, trivial app"])], **quiet),
        subprocess.Popen(
            [*uvicorn, "--http", "httptools", "--port", str(ports["uvicorn httptools, trivial app"])], **quiet
        ),
        subprocess.Popen(
            [BIN / "critmin", "serve", "--store", store, "--port", str(ports["critmin"]), "--log-level", "error"],
            env={**os.environ, "CRITMIN_RATE_LIMIT": "0"},
            **quiet,
        ),
        subprocess.Popen(
            [
                BIN / "oxigraph",
                "serve-read-only",
                "--location",
                VAR / "quick-1000000-oxigraph",
                "--bind",
                f"127.0.0.1:{ports['oxigraph serve']}",
                "--union-default-graph",
            ],
            **quiet,
        ),
    ]
    urls = {name: f"http://127.0.0.1:{port}/{'query' if name == 'oxigraph serve' else 'sparql'}"
            for name, port in ports.items()}  # fmt: skip
    return urls, processes


def medians(clients: dict[str, Client], texts, count: int) -> dict[str, float]:
    samples: dict[str, list[float]] = {name: [] for name in clients}
    for index in range(count):
        for name, client in clients.items():
            started = time.perf_counter()
            status, body, _ = client.get(texts(index))
            samples[name].append(time.perf_counter() - started)
            if status != 200:
                raise SystemExit(f"{name}: {status} {body[:200]!r}")
    return {name: round(statistics.median(values) * 1000, 3) for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="critmin-floor-"))
    urls, processes = servers(work)
    try:
        time.sleep(5)  # critmin makes its snapshot and derived documents of the small store
        clients = {name: Client(url) for name, url in urls.items()}
        medians(clients, lambda index: LOOKUP, 50)  # warm-up; critmin caches the answer
        print("same text (critmin: result cache):", medians(clients, lambda index: LOOKUP, args.requests))
        pair = {name: clients[name] for name in ("critmin", "oxigraph serve")}
        print("unique texts:", medians(pair, lambda index: f"# {index} {time.time_ns()}\n{LOOKUP}", args.requests))
    finally:
        for process in processes:
            process.terminate()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
