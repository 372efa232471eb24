"""One error body everywhere (issue 10): RFC 9457 problem details, rendered as
problem+json by default, as an HTML page for browsers and as plain text on request,
with the status codes and messages the routes had before. The real app in process."""

from __future__ import annotations

import pytest

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ERRORS = [  # (method, path, kwargs, status, words of the message)
    ("GET", "/sparql?query=ASK{}&query=ASK{}", {}, 400, "send exactly one"),
    ("PUT", "/sparql", {}, 405, "Method Not Allowed"),
    ("GET", "/no/such/route", {}, 404, "Not Found"),
    ("GET", "/lists/compare?lists=nothing", {}, 404, "nothing"),
    ("POST", "/contributions", {"content": b"x"}, 401, "bearer token is required"),
    ("GET", "/store?graph=not-an-iri", {}, 400, "not an absolute IRI"),
    ("GET", "/id/mineral/no-such-thing.ttl", {}, 404, "nothing is known about"),
    ("GET", "/search?q=li&type=planet", {}, 400, "unknown type"),
    ("GET", "/contributions/20260101000000-00000000", {}, 404, "no contribution"),
    ("GET", "/patches/nothing.nq.gz", {}, 404, "no patch file"),
]


@pytest.mark.parametrize(("method", "path", "kwargs", "status", "words"), ERRORS, ids=[e[1] for e in ERRORS])
def test_errors_are_problem_details_in_three_renderings(app_client, method, path, kwargs, status, words):
    plain = app_client.request(method, path, **kwargs)
    assert plain.status_code == status
    assert plain.headers["content-type"].startswith("application/problem+json")
    document = plain.json()
    assert document["status"] == status and document["type"] == "about:blank" and document["title"]
    assert words in document["detail"] and document["error"] == document["detail"]
    page = app_client.request(method, path, headers={"Accept": BROWSER}, **kwargs)
    assert page.status_code == status and page.headers["content-type"].startswith("text/html")
    assert "<h1>" in page.text and words in page.text.replace("&#39;", "'")
    text = app_client.request(method, path, headers={"Accept": "text/plain"}, **kwargs)
    assert text.status_code == status and text.headers["content-type"].startswith("text/plain")
    assert text.text.startswith(f"{status} ") and words in text.text


def test_a_spreadsheet_refusal_keeps_its_entries_as_an_extension_member(app_client):
    refused = app_client.post("/validate", params={"title": "x"}, content=b"position,entry_as_written\n1,Tin\n",
                              headers={"Content-Type": "text/csv"})  # fmt: skip
    assert refused.status_code == 400 and refused.headers["content-type"].startswith("application/problem+json")
    assert "notation" in refused.json()["detail"] and "entries" in refused.json()


def test_the_rate_limit_answers_with_a_problem_and_retry_after(store_path, tmp_path):
    from inprocess import InProcess
    from servers import copy_store

    site = InProcess(copy_store(store_path, tmp_path / "store"), rate_limit_per_minute=1, rate_limit_loopback=True)
    site.get("/health")
    answers = [site.get("/void", headers={"Accept": "text/plain"}) for _ in range(3)]
    limited = [a for a in answers if a.status_code == 429]
    assert limited and limited[0].headers["retry-after"]
    assert limited[0].text.startswith("429 Too Many Requests: too many requests")
