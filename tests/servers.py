"""Start real critmin servers (uvicorn subprocesses) on loopback ports for tests."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyoxigraph as ox

from critmin.sparql import pool
from critmin.store import EmbeddedStore, point_current_at, write_database

PROJECT = Path(__file__).resolve().parents[1]
W3C_DATA = Path(__file__).parent / "w3c" / "data"
RETIRED = Path(__file__).parent / "fixtures" / "retired.nt"
KASEI = "http://kasei.us/2009/09/sparql/data/"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def descendants(pid: int) -> set[int]:
    """Every live process below `pid` (workers live under the forkserver)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def cpu_seconds(pids: set[int]) -> float:
    """The CPU time the processes have used together (those gone count nothing)."""
    return sum(pool.cpu_seconds(pid) or 0.0 for pid in pids)


def store_with_test_graphs(project_store: Path, target: Path) -> Path:
    """A copy of the project's store plus the W3C protocol tests' named graphs."""
    quads = list(EmbeddedStore.open(project_store).quads())
    for path in sorted(W3C_DATA.glob("*.nt")):
        graph = ox.NamedNode(f"{KASEI}{path.stem}.rdf")
        quads += [ox.Quad(q.subject, q.predicate, q.object, graph) for q in ox.parse(path=str(path))]
    retired = ox.NamedNode("https://w3id.org/critmin/graph/test/retired")
    quads += [ox.Quad(q.subject, q.predicate, q.object, retired) for q in ox.parse(path=str(RETIRED))]
    target.mkdir(parents=True, exist_ok=True)
    write_database(target / "db-test", quads)
    point_current_at(target, target / "db-test")
    return target


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(store: Path | str, log_dir: Path, *, wait_ready: bool = True, ready_within: float = 60,
                 **environment: str) -> Server:  # fmt: skip
    """A server on a free port, once /ready (or /health) answers 200 within `ready_within` s
    (its derived documents take minutes at millions of quads: benchmarks wait longer)."""
    port = free_port()
    log = log_dir / f"server-{port}.log"
    # Rate limiting and the per-client query cap are on by default, loopback included; the
    # suite's servers take many requests from one address, so they run without them
    # unless a test sets them (test_fair_share, test_query_limits).
    unlimited = {"CRITMIN_RATE_LIMIT": "0", "CRITMIN_CLIENT_QUERIES": "0", "CRITMIN_CLIENT_UPLOADS": "0"}
    env = {**os.environ, "CRITMIN_HOME": str(PROJECT), **unlimited, **environment}
    command = [sys.executable, "-m", "critmin.cli", "serve", "--store", str(store), "--port", str(port),
               "--log-level", "warning"]  # fmt: skip
    process = subprocess.Popen(command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + ready_within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()}")
        try:
            if httpx.get(f"{url}/{'ready' if wait_ready else 'health'}", timeout=1).status_code == 200:
                return Server(url, process, log)
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"server did not start: {log.read_text()}")


def copy_store(source: Path, target: Path) -> Path:
    """A private copy of a store folder, without the snapshots a server running on it
    makes (store/views.py: a cache of its own, made and removed while this copies)."""
    shutil.copytree(source, target, symlinks=True, ignore=shutil.ignore_patterns("views"))
    return target


def wait_for_derived(url: str, timeout: float = 120) -> None:
    """Wait until the server's derived documents (VoID, dumps, sitemap) are those of its
    current data: they are made in the background after each change."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        derived = httpx.get(f"{url}/health", timeout=10).json()["derived"]
        if derived["current"] and not derived["generating"]:
            return
        time.sleep(0.1)
    raise AssertionError(f"derived documents still not current after {timeout} s")


@contextlib.contextmanager
def curated_server(store_path: Path, factory, name: str, **environment: str):
    """A server on a private copy of the store, with a curator's token as `.token` and
    the copy as `.store` (for tests that write)."""
    from critmin.tokens import TokenRegistry

    folder = copy_store(store_path, factory.mktemp(name) / "store")
    token = TokenRegistry(folder).create("carol", "curator")
    running = start_server(folder, factory.mktemp(f"{name}-logs"), **environment)
    running.store, running.token = folder, token
    try:
        yield running
    finally:
        running.stop()
