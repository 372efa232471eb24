"""Conditional requests for every route (ETag, Last-Modified, 304): one
implementation, so that revalidation behaves the same on the linked-data pages, the
derived documents and the patches (RFC 9110 13.1.3: If-None-Match wins over
If-Modified-Since). The header values themselves (charset, ETag matching, HTTP dates)
are critmin.negotiation's, shared with the SPARQL service."""

from __future__ import annotations

import hashlib
from email.utils import parsedate_to_datetime

from starlette.requests import Request
from starlette.responses import Response

from critmin.negotiation import etag_matches, http_date, with_charset

__all__ = ["Conditional", "etag_matches", "http_date", "with_charset"]


class Conditional:
    """ETag and Last-Modified for a response, and the 304 answer to a revalidation.

    The tag is a weak digest of `tag_parts` (what the representation depends on), or
    `strong`, a tag given as is (a file's checksum). `immutable` responses never change:
    any If-Modified-Since is answered 304."""

    def __init__(self, request: Request, tag_parts: tuple = (), modified: str | None = None, *,
                 strong: str | None = None, immutable: bool = False):  # fmt: skip
        self.etag = f'"{strong}"' if strong else f'W/"{hashlib.sha256(repr(tag_parts).encode()).hexdigest()[:24]}"'
        self.modified = modified
        self.request = request
        self.immutable = immutable

    def headers(self) -> dict[str, str]:
        cache = "public, max-age=31536000, immutable" if self.immutable else "no-cache"
        headers = {"ETag": self.etag, "Cache-Control": cache}
        if self.modified:
            headers["Last-Modified"] = self.modified
        return headers

    def not_modified(self) -> Response | None:
        match = self.request.headers.get("if-none-match")
        if match:
            return Response(status_code=304, headers=self.headers()) if etag_matches(match, self.etag) else None
        since = self.request.headers.get("if-modified-since")
        if since and self.immutable:
            return Response(status_code=304, headers=self.headers())
        if since and self.modified:
            try:
                if parsedate_to_datetime(self.modified) <= parsedate_to_datetime(since):
                    return Response(status_code=304, headers=self.headers())
            except (TypeError, ValueError):
                return None
        return None
