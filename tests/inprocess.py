"""The real ASGI app in this process, over httpx's ASGI transport (no sockets, no
server subprocess): for unit tests of routes. Derived documents (VoID, dumps, the
search index) are made before the first request, as a running service makes them."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import httpx


def run_in_own_loop(coroutine):
    """`asyncio.run` in a thread of its own: the tests' thread may already run a loop
    (Playwright's sync API does, for the whole session, in the worker that ran a
    browser test), and asyncio.run refuses to start inside one."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class InProcess:
    def __init__(self, store: Path, **settings):
        from critmin.service_settings import ServiceSettings
        from critmin.web.app import create_app

        self.app = create_app(ServiceSettings(store_path=store, **settings))
        self.app.state.derived.refresh(wait=True)
        # Its own event loop in a thread: the tests' thread may already run one
        # (Playwright's sync API does, for the whole session).
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, name="inprocess-app", daemon=True).start()

    def request(self, method: str, path: str, address: str = "127.0.0.1", **kwargs) -> httpx.Response:
        """One request; `address` is the client address the app sees (per-client limits)."""

        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app, client=(address, 40000))
            async with httpx.AsyncClient(transport=transport, base_url="http://critmin") as client:
                return await client.request(method, path, **kwargs)

        return asyncio.run_coroutine_threadsafe(send(), self.loop).result(timeout=120)

    def get(self, path: str, **kwargs) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> httpx.Response:
        return self.request("POST", path, **kwargs)
