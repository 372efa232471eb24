"""CPU priorities of the query workers: a long runner (past the CPU line) yields to a
cheap query of ours beside it and to nothing else, and where the system does not let
the service give a priority back, the worker is replaced rather than left slow."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time

from inprocess import run_in_own_loop

from critmin.sparql.pool import QueryPool
from critmin.sparql.worker import QueryJob

WINDOW = 0.4  # the pool's yield window in these scenarios (1 s as shipped)
PRODUCT = "SELECT (COUNT(*) AS ?n) WHERE { " + " UNION ".join(["{ ?a ?b ?c . ?d a ?f }"] * 4) + " }"  # ~3 s of CPU


async def beside_a_cheap_query(store_path: str) -> dict[str, object]:
    """A long query on a pool of two; once it is taken for a long runner, its worker's
    nice value alone (over two monitor ticks), the moment a cheap query is sent beside
    it, when that one has answered, once the yield window has passed, and at the end;
    whether the pool kept its workers."""
    queries = QueryPool(store_path, size=2, deprioritise_after=0.05, yield_window=WINDOW)
    await queries.start()
    try:
        before = {worker.pid for worker in queries._all}
        long_query = asyncio.create_task(queries.run(QueryJob(PRODUCT, "json", 10), 60))
        deadline = time.monotonic() + 30
        while not any(worker.long_running for worker in queries._all):
            assert time.monotonic() < deadline and not long_query.done(), "never taken for a long runner"
            await asyncio.sleep(0.05)
        runner = next(worker for worker in queries._all if worker.long_running)
        alone = set()
        for _ in range(4):  # two ticks of the monitor and more
            alone.add(os.getpriority(os.PRIO_PROCESS, runner.pid))
            await asyncio.sleep(0.15)
        running = not long_query.done()
        cheap = asyncio.create_task(queries.run(QueryJob("ASK { ?s ?p ?o }", "json", 10), 10))
        await asyncio.sleep(0)  # the cheap query is sent: its worker waits for the answer
        beside_cheap = os.getpriority(os.PRIO_PROCESS, runner.pid)
        await cheap
        after_cheap = os.getpriority(os.PRIO_PROCESS, runner.pid)
        await asyncio.sleep(WINDOW + 0.3)  # the window and a tick of the monitor
        later = os.getpriority(os.PRIO_PROCESS, runner.pid)
        running = running and not long_query.done()
        outcome = await long_query
        end = os.getpriority(os.PRIO_PROCESS, runner.pid) if runner in queries._all else None  # None: replaced
        await asyncio.sleep(0.5)  # a replacement, had there been one, is adopted by now
        kept = {worker.pid for worker in queries._all} == before
        return {"rows": outcome.rows, "alone": sorted(alone), "beside": beside_cheap, "after": after_cheap,
                "later": later, "end": end, "kept": kept, "running": running}  # fmt: skip
    finally:
        await queries.close()


def test_a_long_runner_yields_only_around_our_cheap_queries_and_keeps_its_worker(store_path):
    """A query past the CPU line runs at normal priority while it is alone, at nice 19
    from the moment a cheap query starts beside it (no wait for the monitor's tick), for
    the yield window after that one ends (the client's next request is on its way), and
    at normal priority again once the window has passed; its worker is kept, with its open
    store, rather than replaced (where the system permits lowering a nice value: these
    tests run as root). It once stayed at nice 19 to its end, and beside load that was
    not ours a 1.5 s query died at its deadline (bench/contention.py)."""
    seen = run_in_own_loop(beside_a_cheap_query(str(store_path)))
    expected = {"rows": 1, "alone": [0], "beside": 19, "after": 19, "later": 0, "end": 0, "kept": True}
    assert seen == {**expected, "running": True}, seen


def test_where_a_priority_cannot_be_given_back_the_long_runner_s_worker_is_replaced(store_path):
    """Without CAP_SYS_NICE (and with RLIMIT_NICE at its default of 0) a process may
    lower a worker's priority but not raise it again: the scenario above, run in a
    process whose bounding set lacks CAP_SYS_NICE (setpriv, util-linux). The long runner
    stays at nice 19 once it has yielded, and its worker is replaced after its query,
    not handed to the next query at nice 19."""
    code = "import asyncio, json, sys, test_priorities; " \
           "print(json.dumps(asyncio.run(test_priorities.beside_a_cheap_query(sys.argv[1]))))"  # fmt: skip
    command = ["setpriv", "--inh-caps=-sys_nice", "--bounding-set=-sys_nice", sys.executable, "-c", code,
               str(store_path)]  # fmt: skip
    # `-c` puts the working directory first on the path: this module is found there.
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=os.path.dirname(__file__))
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.splitlines()[-1])
    expected = {"rows": 1, "alone": [0], "beside": 19, "after": 19, "later": 19, "end": None, "kept": False}
    assert seen == {**expected, "running": True}, seen
