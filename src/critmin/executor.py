"""Evaluate queries in worker processes that can be killed at a deadline.

pyoxigraph cannot cancel a running query from Python (oxigraph issue #1926): a
deadline checked between rows does not stop a COUNT over a huge join, and a thread
cannot be stopped at all. A process can. Each query runs in a pooled worker; when
its deadline passes, the worker is killed (the CPU really goes back to idle) and
replaced. Workers only read, so a kill loses nothing, and every query has a worker
of its own, so a kill never fails another client's query.

Long-running workers are given the lowest CPU priority after 0.2 s, so that
on a small machine cheap queries on the other workers keep answering promptly
while runaway ones burn towards their deadline; such a worker is replaced (at
normal priority) once it is done.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from critmin import metrics, query_worker
from critmin.query_worker import QueryJob, QueryOutcome

log = logging.getLogger(__name__)


class QueryTimeout(Exception):
    """The query (or its wait for a worker) ran past its deadline; its worker was killed."""


class WorkerCrashed(Exception):
    """The worker died on its own (out of memory, a crash in the engine)."""


@dataclass(eq=False)
class Worker:
    process: multiprocessing.Process
    connection: object
    busy_since: float | None = None
    deprioritised: bool = False

    @property
    def pid(self) -> int:
        return self.process.pid


_PRELOAD = ["critmin.query_worker", "critmin.validation_pool", "critmin.derived"]


def worker_context():
    """The forkserver context every worker pool forks from (one per process), preloading
    the worker modules so that a new worker starts in milliseconds."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    return context


class QueryPool:
    """A fixed number of query worker processes behind an async `run`."""

    def __init__(
        self,
        store_path: Path,
        size: int = 4,
        *,
        inline_limit: int = 1 << 20,
        deprioritise_after: float = 0.2,
    ):
        self.store_path = store_path
        self.size = size
        self.inline_limit = inline_limit
        self.deprioritise_after = deprioritise_after
        self.spool_dir = tempfile.mkdtemp(prefix="critmin-spool-")
        self._context = worker_context()
        self._idle: asyncio.Queue[Worker] = asyncio.Queue()
        self._all: set[Worker] = set()
        self._monitor: asyncio.Task | None = None

    # --- life cycle ----------------------------------------------------------------

    def _spawn(self) -> Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=query_worker.serve,
            args=(child, str(self.store_path), self.spool_dir, self.inline_limit),
            daemon=True,
            name="critmin-query-worker",
        )
        process.start()
        child.close()
        worker = Worker(process, parent)
        self._all.add(worker)
        return worker

    def state(self) -> dict:
        """For /health: from memory, no I/O."""
        alive = sum(1 for w in self._all if w.process.is_alive())
        return {"kind": "processes", "size": self.size, "alive": alive, "idle": self._idle.qsize()}

    async def start(self) -> None:
        for _ in range(self.size):
            self._idle.put_nowait(self._spawn())
        self._monitor = asyncio.create_task(self._watch_long_runners())

    async def close(self) -> None:
        if self._monitor:
            self._monitor.cancel()
        for worker in list(self._all):
            self._retire(worker, graceful=True)
        shutil.rmtree(self.spool_dir, ignore_errors=True)

    def _retire(self, worker: Worker, *, graceful: bool = False) -> None:
        self._all.discard(worker)
        if graceful:
            with contextlib.suppress(OSError, ValueError):
                worker.connection.send(None)
            worker.process.join(timeout=1)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join(timeout=5)
        worker.connection.close()

    def _replace(self, worker: Worker) -> None:
        metrics.WORKERS_REPLACED.inc()
        self._retire(worker)
        self._idle.put_nowait(self._spawn())

    async def _watch_long_runners(self) -> None:
        while True:
            await asyncio.sleep(0.2)
            now = time.monotonic()
            for worker in list(self._all):
                busy = worker.busy_since
                if busy is not None and not worker.deprioritised and now - busy > self.deprioritise_after:
                    with contextlib.suppress(OSError):
                        os.setpriority(os.PRIO_PROCESS, worker.pid, 19)
                        worker.deprioritised = True

    # --- queries -------------------------------------------------------------------

    async def _wait_readable(self, worker: Worker, timeout: float) -> bool:
        loop = asyncio.get_running_loop()
        ready = loop.create_future()
        descriptor = worker.connection.fileno()
        loop.add_reader(descriptor, lambda: ready.done() or ready.set_result(True))
        try:
            return await asyncio.wait_for(ready, timeout)
        except TimeoutError:
            return False
        finally:
            loop.remove_reader(descriptor)
            os.set_blocking(descriptor, True)  # uvloop leaves it non-blocking; recv needs blocking

    async def run(self, job: QueryJob, timeout: float) -> QueryOutcome:
        """Evaluate `job` within `timeout` seconds, or raise QueryTimeout."""
        deadline = time.monotonic() + timeout
        try:
            worker = await asyncio.wait_for(self._idle.get(), timeout)
        except TimeoutError:
            raise QueryTimeout(f"no query worker became free within {timeout:g} s") from None
        if not worker.process.is_alive():
            self._retire(worker)
            worker = self._spawn()
        worker.busy_since = time.monotonic()
        try:
            worker.connection.send(job)
            if not await self._wait_readable(worker, max(0.0, deadline - time.monotonic())):
                log.warning("query passed its %.1f s deadline; killing worker %s", timeout, worker.pid)
                self._replace(worker)
                raise QueryTimeout(f"the query ran past its time limit of {timeout:g} s and was stopped")
            outcome = worker.connection.recv()
        except (EOFError, OSError) as error:
            self._replace(worker)
            raise WorkerCrashed(f"the query worker died: {error}") from None
        worker.busy_since = None
        if worker.deprioritised:
            self._replace(worker)
        else:
            self._idle.put_nowait(worker)
        return outcome
