"""The code that runs inside a query worker process.

A worker opens the live store read-only, evaluates one job at a time and sends back
either the serialised result (small ones inline, large ones as a spool file) or an
error. It never writes to the store, so the service may kill it at any moment (a
query past its deadline) without losing anything. Kept free of rdflib and pyshacl
so that starting a replacement is quick.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from critmin.sparql import result_writers
from critmin.store import EmbeddedStore, compacted_away, visibility


@dataclass(frozen=True)
class QueryJob:
    query: str
    result_format: str  # a key of result_writers' format tables
    row_limit: int
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    base_iri: str | None = None  # relative IRIs in the query resolve against it
    generation: str = ""  # the store's state the query must see; a new one means reopen
    public_graphs: tuple[str, ...] | None = None  # the default dataset, when the request names none
    view: str | None = None  # a snapshot holding only the public graphs (store/views.py): read it instead


@dataclass
class QueryOutcome:
    kind: str  # "solutions", "boolean", "graph", or "error"
    body: bytes | None = None
    spool_path: str | None = None
    rows: int = 0
    truncated: bool = False
    error: str | None = None  # "syntax", "evaluation", "unwritable", "storage" or "unavailable"
    message: str = ""
    size: int = field(default=0)


class SpoolWriter(io.RawIOBase):
    """Keeps output in memory up to `threshold` bytes, then moves it to a file."""

    def __init__(self, spool_dir: str, threshold: int):
        self._buffer = io.BytesIO()
        self._file = None
        self._spool_dir = spool_dir
        self._threshold = threshold
        self.path: str | None = None
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        data = bytes(data)
        self.size += len(data)
        if self._file is None and self.size > self._threshold:
            os.makedirs(self._spool_dir, exist_ok=True)  # gone if its file system was replaced
            handle, self.path = tempfile.mkstemp(dir=self._spool_dir, prefix="result-")
            self._file = os.fdopen(handle, "wb")
            self._file.write(self._buffer.getvalue())
            self._buffer = io.BytesIO()
        (self._file or self._buffer).write(data)
        return len(data)

    def finish(self) -> bytes | None:
        if self._file is not None:
            self._file.close()
            return None
        return self._buffer.getvalue()


def execute(store: EmbeddedStore, job: QueryJob, spool_dir: str, inline_limit: int) -> QueryOutcome:
    defaults, named = visibility.dataset(job.default_graphs, job.named_graphs, job.public_graphs)
    try:
        result = store.evaluate(job.query, base_iri=job.base_iri, default_graphs=defaults, named_graphs=named)
        out = SpoolWriter(spool_dir, inline_limit)
        if isinstance(result, ox.QueryBoolean):
            kind, written = "boolean", result_writers.write_boolean(result, job.result_format, out)
        elif isinstance(result, ox.QueryTriples):
            kind, written = "graph", result_writers.write_triples(result, job.result_format, out, job.row_limit)
        else:
            kind, written = "solutions", result_writers.write_solutions(result, job.result_format, out, job.row_limit)
        body = out.finish()
        return QueryOutcome(kind, body, out.path, written.rows, written.truncated, size=out.size)
    except SyntaxError as error:
        return QueryOutcome("error", error="syntax", message=str(error))
    except result_writers.UnwritableValue as error:
        _discard(locals().get("out"))
        return QueryOutcome("error", error="unwritable", message=str(error))
    except OSError as error:
        _discard(locals().get("out"))
        if error.errno == errno.ENOSPC:
            return QueryOutcome("error", error="storage", message="no space left for the result spool")
        return QueryOutcome("error", error="evaluation", message=str(error))
    except (ValueError, RuntimeError, KeyError) as error:
        _discard(locals().get("out"))
        return QueryOutcome("error", error="evaluation", message=str(error))
    except Exception as error:  # a writer fault must cost the request, never the worker
        _discard(locals().get("out"))
        return QueryOutcome("error", error="evaluation", message=f"{type(error).__name__}: {error}")


def _discard(out: SpoolWriter | None) -> None:
    """Remove the spool file of a result that failed half-way."""
    if out is not None and out.path:
        with contextlib.suppress(OSError):
            out.finish()
        with contextlib.suppress(OSError):
            os.unlink(out.path)


def serve(connection, store_path: str, spool_dir: str, inline_limit: int) -> None:
    """Worker main loop: one job in, one outcome out, until told to stop (None)."""
    database, opened = None, None
    while True:
        try:
            job = connection.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if job is None:
            return
        # The snapshot, else the generation (the database `current` points at and the
        # writes): a new one means reopen.
        live = job.view or job.generation
        if live != opened:
            database, opened = None, None
            try:
                database = EmbeddedStore.open_view(Path(job.view)) if job.view else EmbeddedStore.open(Path(store_path))
            except (OSError, RuntimeError) as error:  # the request fails, the worker stays
                message = f"the store could not be opened: {error}"
                connection.send(QueryOutcome("error", error="unavailable", message=message))
                continue
            opened = live
        outcome = execute(database, job, spool_dir, inline_limit)
        if outcome.kind == "error" and not job.view and compacted_away(outcome.message):
            # The live database, read beside its writer: a table file compacted away
            # after the open (store/embedded.open_read_only). Once more, on a new open.
            database, opened = None, None
            with contextlib.suppress(OSError, RuntimeError):
                database, opened = EmbeddedStore.open(Path(store_path)), live
                outcome = execute(database, job, spool_dir, inline_limit)
        connection.send(outcome)
