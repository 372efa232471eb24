"""The one exception hierarchy and the one error document.

Every refusal a module raises for a client is a `RequestError` (or a subclass: the
contribution workflow's, the query endpoint's, a spreadsheet's...): a message that
names the problem, the HTTP status to answer with, and optional extension members.
`problem_document` makes the RFC 9457 problem details the web layer renders
(web/problems.py: application/problem+json, or HTML for browsers and plain text for
those who ask for it). Framework-free: services raise these without knowing HTTP
libraries.
"""

from __future__ import annotations

from http import HTTPStatus

PROBLEM_JSON = "application/problem+json"


class RequestError(ValueError):
    """A request that cannot be carried out: `status` is the HTTP status to answer with;
    `extra` holds extension members of the problem document (a report, candidates)."""

    def __init__(self, message: str, status: int = 400, **extra):
        super().__init__(message)
        self.status = status
        self.extra = extra


def problem_document(status: int, detail: str, **extra) -> dict:
    """RFC 9457 problem details. `error` repeats `detail` for the clients of the bodies
    critmin answered before (`{"error": ...}`); it is an extension member."""
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    return {"type": "about:blank", "title": title, "status": status, "detail": detail, "error": detail, **extra}
