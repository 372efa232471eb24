"""HEAD on every GET route, in one place (plain ASGI).

Link checkers (CKAN, the data.europa.eu quality checks) probe with HEAD; a 405 reads
as a broken link. A HEAD request is routed as a GET and answered with the same status
and headers (Content-Length included) and no body. Routes that take HEAD themselves
(`/sparql`, `/store`) still see HEAD: they are listed in `NATIVE`.
"""

from __future__ import annotations

NATIVE = ("/sparql", "/store")


class HeadMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "HEAD" or scope["path"].startswith(NATIVE):
            await self.app(scope, receive, send)
            return

        async def without_body(message):
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # drop the chunk; the final (empty) message below ends the response
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)
