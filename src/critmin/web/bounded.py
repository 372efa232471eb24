"""Work off the event loop, under a deadline: the one helper every handler that touches
the store or the disk goes through.

`off_loop(fn, *args, budget=...)` runs a short blocking call in a thread and gives up
after `budget` seconds with `Overrun`, which the app answers `503` with `Retry-After`
and a problem body. The event loop (and so /health and every other request) never
waits for the store. What it cannot do is stop the thread: store reads reached from
here are bounded by construction (anchored on one IRI, LIMITed), and anything that
evaluates a user's query goes to the killable worker pool instead.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from critmin import settings

T = TypeVar("T")
RETRY_AFTER = 5


class Overrun(Exception):
    """The work did not finish within its route's budget."""

    def __init__(self, budget: float):
        super().__init__(f"the request did not finish within {budget:g} s; try again shortly")
        self.budget = budget


# Few threads on purpose: the work is Python (rdflib rendering) and holds the GIL, so
# every extra busy thread takes turns from the event loop (/health p99 was 0.2 s
# under a storm with asyncio's default pool). Queued work waits without the GIL.
_THREADS = ThreadPoolExecutor(max_workers=settings.environment().route_threads,
                              thread_name_prefix="critmin-route")  # fmt: skip


async def off_loop(fn: Callable[..., T], *args, budget: float) -> T:
    loop = asyncio.get_running_loop()
    try:
        # run in a copy of the request's context (its Accept decides how errors render)
        call = functools.partial(contextvars.copy_context().run, fn, *args)
        return await asyncio.wait_for(loop.run_in_executor(_THREADS, call), budget)
    except TimeoutError:
        raise Overrun(budget) from None
