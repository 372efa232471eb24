"""Start real SPARQL engines on loopback for the tests: the Oxigraph server (PyPI
`oxigraph`) and Virtuoso (Debian's virtuoso-opensource, installed by the Makefile)."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from servers import free_port

VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")


@dataclass
class Engine:
    name: str
    query_url: str
    update_url: str
    process: subprocess.Popen
    loader_env: dict[str, str]  # how `critmin build --store` loads this engine in bulk

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def wait_for(url: str, process: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"engine exited: {log.read_text()[-2000:]}")
        with contextlib.suppress(httpx.HTTPError):  # not listening yet
            response = httpx.get(url, params={"query": "ASK {}"}, headers={"Accept": "application/sparql-results+json"})
            if response.status_code == 200:
                return
        time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"engine did not start: {log.read_text()[-2000:]}")


def start_oxigraph(folder: Path, *, union_default_graph: bool = False) -> Engine:
    """An Oxigraph server on its own database; `union_default_graph` as its users would
    run it for data in named graphs (the benchmarks' best configuration)."""
    binary = Path(sys.executable).parent / "oxigraph"
    port = free_port()
    log = folder / "oxigraph.log"
    command = [str(binary), "serve", "--location", str(folder / "db"), "--bind", f"127.0.0.1:{port}"]
    command += ["--union-default-graph"] if union_default_graph else []
    process = subprocess.Popen(command, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    wait_for(f"{base}/query", process, log)
    gsp = {"CRITMIN_REMOTE_LOADER": "gsp", "CRITMIN_REMOTE_GSP_URL": f"{base}/store"}
    return Engine("oxigraph", f"{base}/query", f"{base}/update", process, gsp)


def virtuoso_available() -> bool:
    return shutil.which("virtuoso-t") is not None and shutil.which("isql-vt") is not None and VIRTUOSO_INI.exists()


def start_virtuoso(folder: Path, buffers: int | None = None) -> Engine:
    """A private Virtuoso: its own database files and ports; SPARQL updates allowed on
    loopback. `buffers` (8 KB pages) replaces the package's small default cache
    (10,000 pages, 80 MB), as Virtuoso's ini advises for large graphs."""
    sql_port, http_port = free_port(), free_port()
    ini = VIRTUOSO_INI.read_text()
    if buffers:
        ini = ini.replace("NumberOfBuffers          = 10000", f"NumberOfBuffers          = {buffers}")
        ini = ini.replace("MaxDirtyBuffers          = 6000", f"MaxDirtyBuffers          = {buffers * 3 // 4}")
    ini = ini.replace("/var/lib/virtuoso-opensource-7/db", str(folder))
    ini = ini.replace("ServerPort               = 1111", f"ServerPort               = {sql_port}")
    ini = ini.replace("ServerPort                  = 8890", f"ServerPort                  = {http_port}")
    load_dir = folder / "load"
    load_dir.mkdir()
    ini = ini.replace("DirsAllowed              = .,", f"DirsAllowed              = ., {load_dir},")
    (folder / "virtuoso.ini").write_text(ini)
    log = folder / "virtuoso.out"
    process = subprocess.Popen(["virtuoso-t", "-f", "-c", str(folder / "virtuoso.ini")], cwd=folder,
                               stdout=log.open("wb"), stderr=subprocess.STDOUT)  # fmt: skip
    url = f"http://127.0.0.1:{http_port}/sparql"
    wait_for(url, process, log)
    subprocess.run(["isql-vt", str(sql_port), "dba", "dba", 'exec=GRANT SPARQL_UPDATE TO "SPARQL";'],
                   check=True, capture_output=True, timeout=60)  # fmt: skip
    isql = {"CRITMIN_REMOTE_LOADER": "virtuoso-isql", "CRITMIN_VIRTUOSO_LOAD_DIR": str(load_dir),
            "CRITMIN_VIRTUOSO_SQL": f"localhost:{sql_port}", "CRITMIN_VIRTUOSO_SQL_PASSWORD": "dba"}  # fmt: skip
    return Engine("virtuoso", url, url, process, isql)
