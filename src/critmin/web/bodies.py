"""Reading request bodies with a size limit that is enforced while reading, and a
check that the body that arrived is the body the headers announced."""

from __future__ import annotations

from fastapi import Request


class BodyTooLarge(Exception):
    """The request body passed its size limit."""


class BodyIncomplete(Exception):
    """The body that arrived is not the one the headers announced (a write must not go on)."""


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused as soon as it passes `limit` bytes (before it is all read).

    A body shorter than its `Content-Length`, or an empty chunked body, is refused:
    a server or proxy that lost the body (as uvicorn's httptools parser does for
    `Upgrade:` requests) must never turn a PUT into "empty the graph".
    """
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    if declared and declared.isdigit() and size != int(declared):
        raise BodyIncomplete(f"the body has {size} bytes but Content-Length announced {declared}; nothing was changed")
    chunked = "chunked" in request.headers.get("transfer-encoding", "").lower()
    if chunked and size == 0:
        raise BodyIncomplete("the chunked body is empty; send Content-Length: 0 for an empty body")
    return b"".join(chunks)
