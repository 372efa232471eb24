"""Bulk loads into a remote engine: three ways in, chosen by the operator.

- `update` (the default; any SPARQL 1.1 engine): INSERT DATA in batches of
  CRITMIN_REMOTE_BATCH quads (Virtuoso caps the SQL one update may generate).
  Portable and slow: ~7k quads/s into Virtuoso.
- `gsp`: the Graph Store HTTP Protocol, one POST of N-Triples per graph to
  CRITMIN_REMOTE_GSP_URL (Oxigraph's `/store`, Fuseki's `/{dataset}/data`,
  Virtuoso's `/sparql-graph-crud-auth`), with the same credentials as updates.
- `virtuoso-isql`: Virtuoso's own bulk loader (`ld_dir` + `rdf_loader_run`,
  then `checkpoint`) driven through `isql`. The fastest way into Virtuoso, but the
  engine reads the file itself: CRITMIN_VIRTUOSO_LOAD_DIR must be a directory
  both can reach and that Virtuoso's `DirsAllowed` lists. CRITMIN_VIRTUOSO_ISQL
  (default `isql-vt`), CRITMIN_VIRTUOSO_SQL (host:port, default localhost:1111),
  CRITMIN_VIRTUOSO_SQL_USER (default dba) and CRITMIN_VIRTUOSO_SQL_PASSWORD.

Every loader writes blank nodes as skolem IRIs (`skolem`), so what a loader put in
reads back the same whichever loader it was.
"""

from __future__ import annotations

import gzip
import re
import shlex
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Protocol

import httpx
import pyoxigraph as ox

from critmin import settings

LOADERS = ("update", "gsp", "virtuoso-isql")


class LoadError(OSError):
    """A bulk load failed; the message names the loader and what the engine said.
    `partial`: the engine's old graphs were already dropped when it failed."""

    partial = False


class Loader(Protocol):
    def load(self, quads: Iterable[ox.Quad]) -> int: ...


def nquad_line(quad: ox.Quad) -> str:
    return f"{quad.subject} {quad.predicate} {quad.object} {quad.graph_name} .\n"


class UpdateLoader:
    """INSERT DATA batches through `insert` (one engine transaction each)."""

    def __init__(self, insert: Callable[[list[ox.Quad]], None], batch: int):
        self.insert, self.batch = insert, batch

    def load(self, quads: Iterable[ox.Quad]) -> int:
        batch: list[ox.Quad] = []
        count = 0
        for quad in quads:
            batch.append(quad)
            count += 1
            if len(batch) >= self.batch:
                self.insert(batch)
                batch = []
        if batch:
            self.insert(batch)
        return count


class GraphStoreLoader:
    """One Graph Store Protocol POST per graph, the body streamed from a spool file."""

    def __init__(self, url: str, auth: httpx.Auth | None, timeout: float):
        self.url, self.auth, self.timeout = url, auth, timeout

    def load(self, quads: Iterable[ox.Quad]) -> int:
        count = 0
        with tempfile.TemporaryDirectory(prefix="critmin-gsp-") as folder, ExitStack() as files:
            spools: dict[str, tuple[Path, IO[str]]] = {}
            for quad in quads:
                graph = quad.graph_name.value
                if graph not in spools:
                    path = Path(folder) / f"{len(spools)}.nt"
                    spools[graph] = (path, files.enter_context(path.open("w", encoding="utf-8")))
                spools[graph][1].write(f"{quad.subject} {quad.predicate} {quad.object} .\n")
                count += 1
            for _, handle in spools.values():
                handle.flush()
            with httpx.Client(timeout=self.timeout, auth=self.auth) as client:
                for graph, (path, _) in spools.items():
                    with path.open("rb") as body:
                        response = client.post(self.url, params={"graph": graph}, content=body,
                                                headers={"Content-Type": "text/turtle"})  # fmt: skip
                    if response.status_code >= 300:
                        raise LoadError(f"Graph Store load of <{graph}> into {self.url} answered "
                                        f"{response.status_code}: {response.text[:1000]}")  # fmt: skip
        return count


class VirtuosoIsqlLoader:
    """Virtuoso's bulk loader over isql: a gzipped N-Quads file in a directory the
    server may read, registered with ld_dir, loaded by rdf_loader_run, made durable
    by checkpoint; the loader's error column is checked afterwards."""

    def __init__(self, directory: Path, isql: list[str], address: str, user: str, password: str):
        self.directory, self.isql, self.address, self.user, self.password = directory, isql, address, user, password

    @classmethod
    def from_environment(cls) -> VirtuosoIsqlLoader:
        env = settings.environment()
        directory, password = env.virtuoso_load_dir, env.virtuoso_sql_password
        if not directory or not password:
            raise LoadError("the virtuoso-isql loader needs CRITMIN_VIRTUOSO_LOAD_DIR (a directory in Virtuoso's "
                            "DirsAllowed) and CRITMIN_VIRTUOSO_SQL_PASSWORD")  # fmt: skip
        return cls(
            Path(directory).resolve(),
            shlex.split(env.virtuoso_isql),
            env.virtuoso_sql,
            env.virtuoso_sql_user,
            password,
        )

    def sql(self, statements: str, timeout: float = 7200) -> str:
        """Run SQL through isql; isql reports errors on stdout ("*** Error ...")."""
        command = [*self.isql, self.address, self.user, self.password, f"exec={statements}"]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise LoadError(f"isql could not run: {error}") from error
        output = done.stdout + done.stderr
        if done.returncode != 0 or "*** Error" in output:
            raise LoadError(f"isql failed: {output.strip()[:2000]}")
        return output

    def load(self, quads: Iterable[ox.Quad]) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"critmin-{uuid.uuid4().hex}.nq.gz"
        path = self.directory / name
        count = 0
        try:
            with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as out:
                for quad in quads:
                    out.write(nquad_line(quad))
                    count += 1
            path.chmod(0o644)
            directory = sql_string(str(self.directory))
            self.sql(f"ld_dir({directory}, {sql_string(name)}, 'urn:critmin:unnamed'); rdf_loader_run(); checkpoint;")
            registered = sql_string(f"{self.directory}/{name}")  # isql mangles '%', so no LIKE
            report = self.sql(
                f"SELECT 'LOADSTATE', ll_state, ll_error FROM DB.DBA.LOAD_LIST WHERE ll_file = {registered};"
            )
            self.sql(f"DELETE FROM DB.DBA.LOAD_LIST WHERE ll_file = {registered};")
        finally:
            path.unlink(missing_ok=True)
        state = re.search(r"LOADSTATE\s+(\d+)\s+(.*)", report)
        if not state:
            raise LoadError(f"Virtuoso's loader did not register {name}: is {self.directory} in DirsAllowed?")
        if state.group(1) != "2" or state.group(2).strip() not in ("", "NULL"):
            raise LoadError(f"Virtuoso's loader failed on {name}: {state.group(2).strip()}")
        return count


def update_batch() -> int:
    """Quads per INSERT DATA (CRITMIN_REMOTE_BATCH): Virtuoso caps the SQL one update may generate."""
    return settings.environment().remote_batch


def sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def loader_from_environment(insert: Callable[[list[ox.Quad]], None], auth: httpx.Auth | None,
                            timeout: float) -> Loader:  # fmt: skip
    """The loader CRITMIN_REMOTE_LOADER names (default `update`)."""
    kind = settings.environment().remote_loader
    if kind == "update":
        return UpdateLoader(insert, update_batch())
    if kind == "gsp":
        url = settings.environment().remote_gsp_url
        if not url:
            raise LoadError("the gsp loader needs CRITMIN_REMOTE_GSP_URL (the engine's Graph Store Protocol endpoint)")
        return GraphStoreLoader(url, auth, max(timeout, 3600))
    if kind == "virtuoso-isql":
        return VirtuosoIsqlLoader.from_environment()
    raise LoadError(f"unknown CRITMIN_REMOTE_LOADER {kind!r}: use one of {', '.join(LOADERS)}")
