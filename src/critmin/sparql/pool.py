"""Evaluate queries in worker processes that can be killed at a deadline.

pyoxigraph cannot cancel a running query from Python (oxigraph issue #1926): a
deadline checked between rows does not stop a COUNT over a huge join, and a thread
cannot be stopped at all. A process can. Each query runs in a pooled worker; when
its deadline passes, the worker is killed (the CPU really goes back to idle) and
replaced. Workers only read, so a kill loses nothing, and every query has a worker
of its own, so a kill never fails another client's query.

A query past 0.2 s of CPU is a long runner. While a cheap query of ours is in flight
beside it, or ended less than a second ago (the client's next request is on its way),
a long runner runs at the lowest CPU priority (nice 19), so that on a small machine
cheap queries keep answering promptly while runaways burn towards their deadline;
otherwise it runs at normal priority. It once stayed at nice 19 to the end,
and beside CPU load that is not ours (another service, a build, an engine compacting)
nice 19 yields to everything: a 1.5 s query got a sliver of a core and died at its
deadline where Oxigraph was only slowed (bench/contention.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import multiprocessing
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from critmin import metrics, settings
from critmin.sparql import worker as query_worker
from critmin.sparql.worker import QueryJob, QueryOutcome

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
    long_running: bool = False  # its query has used `deprioritise_after` s of CPU
    reniced: bool = False  # at nice 19 now: a long runner yielding to a cheap query of ours
    extra: bool = False  # an overflow worker, retired after its query
    cpu_mark: tuple[float, float] | None = None  # (busy_since, CPU seconds) when the monitor first saw the query
    served: int = 0  # queries answered

    @property
    def pid(self) -> int:
        return self.process.pid


CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int) -> float | None:
    """The CPU time (user + system) a process has used, from Linux's /proc; None where
    there is no /proc or the process is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()  # the name, in parentheses, may hold spaces
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime: fields 14 and 15


_PRELOAD = ["critmin.sparql.worker", "critmin.semantics.validation_pool", "critmin.linked_data.derived"]


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
        size: int,
        *,
        inline_limit: int = 1 << 20,
        deprioritise_after: float = 0.2,
        yield_window: float = 1.0,
    ):
        self.store_path = store_path
        self.size = size
        self.inline_limit = inline_limit
        self.deprioritise_after = deprioritise_after
        # Long runners keep yielding for this long after a cheap query of ours ends: a
        # client's next request spends its first milliseconds in the event loop and
        # the route, outside any worker, and at nice 0 two runners on two cores slowed
        # a stream of cheap queries from 44 to 160 ms (test_fair_share, in CI).
        self.yield_window = yield_window
        self._cheap_ended = -math.inf
        self.spool_dir = tempfile.mkdtemp(prefix="critmin-spool-")
        self._context = worker_context()
        # Last in, first out: a client's next query goes to the worker that answered its
        # last one, whose caches (the engine's blocks, the interned strings) are warm.
        self._idle: asyncio.Queue[Worker] = asyncio.LifoQueue()
        self._all: set[Worker] = set()
        self._extra = 0
        configured = settings.environment().overflow_workers
        self.max_extra = 2 * size if configured is None else configured
        self._monitor: asyncio.Task | None = None
        self._may_restore = True  # until the system refuses to lower a nice value

    # --- life cycle ----------------------------------------------------------------

    def _spawn(self) -> Worker:
        worker = self._start_worker()
        self._all.add(worker)
        return worker

    def _start_worker(self) -> Worker:
        """A new worker, not yet in the pool (safe in a thread: touches no shared state)."""
        parent, child = self._context.Pipe()
        arguments = (child, str(self.store_path), self.spool_dir, self.inline_limit)
        process = self._context.Process(target=query_worker.serve, args=arguments, daemon=True,
                                        name="critmin-query-worker")  # fmt: skip
        process.start()
        child.close()
        return Worker(process, parent)

    def state(self) -> dict:
        """For /health: from memory, no I/O."""
        alive = sum(1 for w in self._all if w.process.is_alive())
        return {"kind": "processes", "size": self.size, "alive": alive, "idle": self._idle.qsize()}

    async def start(self) -> None:
        for _ in range(self.size):
            self._idle.put_nowait(self._spawn())
        self._monitor = asyncio.create_task(self._watch_workers())

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
        """Kill `worker` now; reap it and start its successor in a thread. Starting a
        process through the forkserver and joining a killed one take milliseconds to
        hundreds of them on a loaded machine: on the event loop that was /health's p99."""
        metrics.WORKERS_REPLACED.inc()
        self._all.discard(worker)
        with contextlib.suppress(OSError):
            worker.process.kill()
        loop = asyncio.get_running_loop()
        loop.run_in_executor(None, self._reap_and_restart, worker, loop)

    def _reap_and_restart(self, worker: Worker, loop: asyncio.AbstractEventLoop) -> None:
        worker.process.join(timeout=5)
        worker.connection.close()
        if worker.extra:
            loop.call_soon_threadsafe(self._forget_extra)
            return
        successor = self._start_worker()
        loop.call_soon_threadsafe(self._adopt, successor)

    def _adopt(self, worker: Worker) -> None:
        self._all.add(worker)
        self._idle.put_nowait(worker)

    def _forget_extra(self) -> None:
        self._extra -= 1

    async def _overflow_worker(self) -> Worker | None:
        """A fresh worker beyond the pool's size when every worker is held by a long
        runner: many clients' runaway queries must not make a cheap query wait for their
        deadlines. At most `max_extra` (CRITMIN_OVERFLOW_WORKERS, default twice the size).
        An extra worker that ran a long query is retired with it; one that answered a
        cheap query stays (it has opened the store, which takes a while at scale). While
        the cheap query runs, the long runners are at nice 19, so extras cost memory more
        than CPU."""
        busy = list(self._all)
        if self._extra >= self.max_extra or not busy or not all(w.long_running for w in busy):
            return None
        self._extra += 1
        worker = await asyncio.get_running_loop().run_in_executor(None, self._start_worker)
        worker.extra = True
        self._all.add(worker)
        return worker

    async def _watch_workers(self) -> None:
        """Every 0.2 s: queries past the CPU line become long runners (and yield while a
        cheap query runs), and an idle worker that died (the out-of-memory killer, an
        operator's kill) is replaced at once rather than when a query next takes it
        (until then /health counted one worker short)."""
        while True:
            await asyncio.sleep(0.2)
            now = time.monotonic()
            for worker in list(self._all):
                busy = worker.busy_since
                if busy is None and not worker.process.is_alive():
                    self._replace(worker)  # it stays in the idle queue, out of `_all`: `run` skips it
                elif busy is not None and not worker.long_running and self._runs_long(worker, busy, now):
                    worker.long_running = True
            self._share_cpu()

    def _share_cpu(self) -> None:
        """Long runners at nice 19 while a cheap query of ours is in flight or ended
        less than `yield_window` s ago, at nice 0 otherwise. Called when a query starts
        or ends and on every tick of the monitor, so a cheap query never waits for the
        tick to get the cores. Costs a loop over a handful of workers, and system calls
        only where a long runner is running."""
        running = [worker for worker in self._all if worker.busy_since is not None]
        long_runners = [worker for worker in running if worker.long_running]
        if not long_runners:  # the usual case, on every query's start and end: no clock read
            return
        cheap_in_flight = len(long_runners) < len(running)
        yielding = cheap_in_flight or time.monotonic() - self._cheap_ended < self.yield_window
        for worker in long_runners:
            if worker.reniced == yielding:
                continue
            if yielding:
                with contextlib.suppress(OSError):
                    os.setpriority(os.PRIO_PROCESS, worker.pid, 19)
                    worker.reniced = True
            elif self._may_restore:
                self._restore_priority(worker)

    def _runs_long(self, worker: Worker, busy: float, now: float) -> bool:
        """Whether the query has used `deprioritise_after` s of CPU since the monitor first
        saw it. CPU, not time on the clock: under load a short query mostly waits for a
        core (four clients' 0.15 s joins on two cores passed 0.2 s on the clock, each
        worker was reniced and, where its priority cannot be given back, replaced after
        its query). Clock time where there is no /proc."""
        cpu = cpu_seconds(worker.pid)
        if cpu is None:
            return now - busy > self.deprioritise_after
        if worker.cpu_mark is None or worker.cpu_mark[0] != busy:
            worker.cpu_mark = (busy, cpu)
            return False
        return cpu - worker.cpu_mark[1] > self.deprioritise_after

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

    async def _acquire(self, deadline: float, timeout: float) -> Worker:
        """An idle worker, or an overflow one as soon as every worker turns out to be held
        by a long runner (checked every 0.1 s while waiting), or QueryTimeout."""
        while True:
            if not self._idle.empty():
                return self._idle.get_nowait()
            extra = await self._overflow_worker()
            if extra is not None:
                return extra
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise QueryTimeout(f"no query worker became free within {timeout:g} s")
            with contextlib.suppress(TimeoutError):
                return await asyncio.wait_for(self._idle.get(), min(0.1, remaining))

    async def run(self, job: QueryJob, timeout: float) -> QueryOutcome:
        """Evaluate `job` within `timeout` seconds, or raise QueryTimeout."""
        deadline = time.monotonic() + timeout
        worker = await self._acquire(deadline, timeout)
        if worker not in self._all or not worker.process.is_alive():  # died while idle: take the next free one
            if worker in self._all:  # else the monitor replaced it already
                self._replace(worker)
            return await self.run(job, max(0.0, deadline - time.monotonic()))
        worker.busy_since = time.monotonic()
        self._share_cpu()
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
        worker.served += 1
        if not worker.long_running:
            self._cheap_ended = time.monotonic()
        if (worker.long_running and worker.extra) or (worker.reniced and not self._restore_priority(worker)):
            self._replace(worker)  # an extra worker goes with its long query; else one we cannot renice back
        else:
            worker.long_running = False  # (its CPU mark is tied to `busy_since`: no reset needed)
            self._idle.put_nowait(worker)
        self._share_cpu()
        return outcome

    def _restore_priority(self, worker: Worker) -> bool:
        """Give a long runner's worker its normal priority back, where the system lets us
        (root, CAP_SYS_NICE or RLIMIT_NICE): while its query runs, and after it, so that
        the worker stays with its open store and warm caches (it was replaced every time:
        at 10M every costly query then met a cold worker). Where lowering a nice value is
        not permitted, a reniced worker stays at nice 19 to the end of its query and is
        then replaced."""
        try:
            os.setpriority(os.PRIO_PROCESS, worker.pid, 0)
        except PermissionError:
            self._may_restore = False
            return False
        except OSError:  # the worker is gone
            return False
        worker.reniced = False
        return True
