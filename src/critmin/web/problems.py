"""Every error reply: RFC 9457 problem details (application/problem+json), rendered as
an HTML page for browsers and as plain text for clients that ask for text/plain.

One document (critmin.errors.problem_document), three renderings chosen by Accept;
status codes and messages are the routes' own. `problem()` answers a route's own
refusal, `from_error()` a RequestError raised below the web layer, `render()` a
document made elsewhere (the SPARQL service's replies).
"""

from __future__ import annotations

from contextvars import ContextVar

from fastapi.responses import JSONResponse, Response

from critmin import negotiation
from critmin.errors import PROBLEM_JSON, RequestError, problem_document

# The request's Accept header, set once per request by web/app.ClientMiddleware, so that
# every route's refusal is rendered as its client asks without passing it around.
REQUEST_ACCEPT: ContextVar[str | None] = ContextVar("request_accept", default=None)
RENDERINGS = [PROBLEM_JSON, "text/html", "text/plain"]  # anything else (JSON, */*, none): problem+json


def render(document: dict, accept: str | None = None, headers: dict[str, str] | None = None) -> Response:
    """The document as the client prefers it: problem+json unless it asks for HTML or text."""
    accept = accept if accept is not None else REQUEST_ACCEPT.get()
    chosen = negotiation.choose(accept, RENDERINGS) if accept else None
    status = document["status"]
    if chosen == "text/html":
        from critmin.templating import render as page

        html = page("problem.html", title=f"{status} {document['title']}", problem=document, extras=_extras(document))
        return Response(html, status, headers=headers, media_type="text/html; charset=utf-8")
    if chosen == "text/plain":
        lines = [f"{status} {document['title']}: {document['detail']}"]
        lines += [f"{key}: {value}" for key, value in _extras(document).items()]
        return Response("\n".join(lines) + "\n", status, headers=headers, media_type="text/plain; charset=utf-8")
    return JSONResponse(document, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _extras(document: dict) -> dict:
    standard = {"type", "title", "status", "detail", "error"}
    return {k: v for k, v in document.items() if k not in standard and isinstance(v, str | int | float)}


def problem(status: int, detail: str, *, headers: dict[str, str] | None = None, accept: str | None = None,
            **extra) -> Response:  # fmt: skip
    return render(problem_document(status, detail, **extra), accept, headers)


def from_error(error: RequestError, accept: str | None = None, headers: dict[str, str] | None = None) -> Response:
    return problem(error.status, str(error), headers=headers, accept=accept, **error.extra)
