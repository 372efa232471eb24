"""SHACL validation of uploads in worker processes that can be killed at a deadline.

pyshacl is pure Python: a contribution of 200k triples took 26 s and 1.1 GB in the
service process, three at once held every core, and the memory stayed allocated
afterwards. So the service validates in a small pool of worker processes, each under
an address-space limit (`resource.setrlimit`), each job under a deadline: past it
the worker is killed and replaced, and the upload is answered 503. A worker that
grew past `recycle_bytes` is replaced after its job, so memory goes back to the
system. The store is read in the service (the context slice is small); the worker
gets the slice, the ontology and the shapes as N-Triples and sends back the report.

Workers come from the same forkserver as the query workers (critmin.sparql.pool),
which preloads this module and pyshacl, so a new worker costs milliseconds.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import resource
import threading
from dataclasses import dataclass

import rdflib

from critmin import metrics, settings
from critmin.semantics import validation


class ValidationBusy(Exception):
    """No worker came free in time, or the job ran past its deadline (answer 503)."""


@dataclass(frozen=True)
class ValidationLimits:
    workers: int = 2
    timeout: float = 60.0
    memory_bytes: int = 2 << 30
    recycle_bytes: int = 512 << 20
    wait: float = 10.0

    @classmethod
    def from_environment(cls) -> ValidationLimits:
        number = settings.env_number
        return cls(
            workers=int(number("CRITMIN_VALIDATION_WORKERS", cls.workers)),
            timeout=number("CRITMIN_VALIDATION_TIMEOUT", cls.timeout),
            memory_bytes=int(number("CRITMIN_VALIDATION_MEMORY_MB", cls.memory_bytes >> 20)) << 20,
        )


# --- the worker side -------------------------------------------------------------------

_cache: dict[str, tuple[rdflib.Graph, rdflib.Graph]] = {}


def _serve(connection, memory_bytes: int, recycle_bytes: int) -> None:
    """Worker main loop: (key, ontology, shapes, data, focus) in, report out."""
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    while True:
        try:
            job = connection.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if job is None:
            return
        key, ontology, shapes, data, focus = job
        try:
            if key not in _cache:
                _cache.clear()
                _cache[key] = (rdflib.Graph().parse(data=ontology, format="nt"),
                               rdflib.Graph().parse(data=shapes, format="nt"))  # fmt: skip
            onto, shape_graph = _cache[key]
            graph = rdflib.Graph().parse(data=data, format="nt")
            nodes = [rdflib.URIRef(n) for n in focus] if focus is not None else None
            report = validation.validate(graph, ontology=onto, shapes=shape_graph, focus_nodes=nodes)
            outcome = ("ok", report.conforms, report.violations, report.graph.serialize(format="nt"))
        except MemoryError:
            outcome = ("error", "validation needs more memory than a validation worker may use")
        except Exception as error:  # reported to the caller, never the end of the worker
            outcome = ("error", f"{type(error).__name__}: {error}")
        connection.send(outcome)
        if _rss() > recycle_bytes:
            return  # the pool starts a fresh worker: memory goes back to the system


def _rss() -> int:
    with contextlib.suppress(OSError, ValueError, IndexError), open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    return 0


# --- the service side ------------------------------------------------------------------


@dataclass(eq=False)
class _Worker:
    process: multiprocessing.Process
    connection: object


class ValidationPool:
    """`validate(...)` with the signature of critmin.semantics.validation.validate, run in a worker.
    Blocking (called from the threads that handle uploads)."""

    def __init__(self, limits: ValidationLimits | None = None):
        from critmin.sparql.pool import worker_context

        self.limits = limits or ValidationLimits.from_environment()
        self._context = worker_context()
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._started = 0

    def _spawn(self) -> _Worker:
        parent, child = self._context.Pipe()
        limits = (self.limits.memory_bytes, self.limits.recycle_bytes)
        process = self._context.Process(target=_serve, args=(child, *limits), daemon=True,
                                        name="critmin-validation-worker")  # fmt: skip
        process.start()
        child.close()
        return _Worker(process, parent)

    def _take(self) -> _Worker:
        with self._lock:
            if self._started < self.limits.workers:
                self._started += 1
                return self._spawn()
        try:
            return self._idle.get(timeout=self.limits.wait)
        except queue.Empty:
            raise ValidationBusy("every validator is busy with other uploads; try again shortly") from None

    def _kill(self, worker: _Worker) -> None:
        with contextlib.suppress(Exception):
            worker.process.kill()
            worker.process.join(timeout=5)
        worker.connection.close()
        metrics.WORKERS_REPLACED.inc()

    def validate(self, data: rdflib.Graph, *, ontology: rdflib.Graph, shapes: rdflib.Graph,
                 focus_nodes=None, key: str = "") -> validation.ValidationReport:  # fmt: skip
        worker = self._take()
        job = (key or str(len(ontology) + len(shapes)), ontology.serialize(format="nt"),
               shapes.serialize(format="nt"), data.serialize(format="nt"),
               None if focus_nodes is None else [str(n) for n in focus_nodes])  # fmt: skip
        try:
            worker.connection.send(job)
            if not worker.connection.poll(self.limits.timeout):
                self._kill(worker)
                worker = self._spawn()
                raise ValidationBusy(
                    f"validation took longer than {self.limits.timeout:g} s; the upload was not accepted"
                )
            outcome = worker.connection.recv()
        except (EOFError, OSError, BrokenPipeError):
            self._kill(worker)
            worker = self._spawn()
            raise ValidationBusy("the validator stopped (out of memory?); the upload was not accepted") from None
        finally:
            if not worker.process.is_alive():  # recycled after a big job
                worker.connection.close()
                worker = self._spawn()
            self._idle.put(worker)
        if outcome[0] == "error":
            raise ValidationBusy(outcome[1])
        _, conforms, violations, report_nt = outcome
        return validation.ValidationReport(conforms, violations, rdflib.Graph().parse(data=report_nt, format="nt"))

    def close(self) -> None:
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                return
            with contextlib.suppress(Exception):
                worker.connection.send(None)
            self._kill(worker)
