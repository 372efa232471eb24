"""Routes for contributors and curators: /contributions, /validate. Authentication and
HTTP status mapping only; the workflow lives in critmin.contributions."""

from __future__ import annotations

import asyncio
import functools
import json

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from critmin import metrics, negotiation
from critmin.contributions import ContributionError, ContributionService, Record
from critmin.errors import RequestError
from critmin.rdf.terms import is_iri
from critmin.spreadsheets import csv_list
from critmin.templating import render
from critmin.tokens import Principal, TokenRegistry
from critmin.web.bodies import BodyIncomplete, BodyTooLarge, read_body
from critmin.web.bounded import off_loop
from critmin.web.problems import from_error, problem


def record_json(record: Record, base: str, withdrawal_request: dict | None = None) -> dict:
    return {
        "id": record.id, "iri": record.iri, "url": f"{base}/contributions/{record.id}", "status": record.status,
        "contributor": record.contributor, "created": record.created, "modified": record.modified,
        "triples": record.triples, "violations": record.violations, "content_hash": record.content_hash,
        "title": record.title, "source": record.source,
        "graph": record.graph if record.status in ("staged", "published") else None,
        "revises": record.revises, "depends_on": list(record.depends_on), "corrects": list(record.corrects),
        "history": record.history(withdrawal_request),
    }  # fmt: skip


REPORT_OFFERS = ["application/json", "text/turtle", "application/ld+json", "text/html"]


HIDDEN = "no contribution {} (unpublished ones need their contributor's token)"
READ_BUDGET = 10.0  # seconds for a listing or a record read (the store work runs in a thread)


# Over 60 lines by design: a router factory whose nested handlers are the routes (each short), sharing one closure.
def create_router(service: ContributionService, tokens: TokenRegistry, base: str, max_bytes: int,
                  search_index=lambda: None) -> APIRouter:  # fmt: skip
    """The contribution routes; `search_index` gives the current SearchIndex (or None
    while it is being made), with which CSV lists' entries are matched."""
    router = APIRouter()

    async def from_spreadsheet(request: Request, body: bytes) -> tuple[bytes, str, dict]:
        """A CSV list as Turtle, and what to add to the reply (the per-entry table)."""
        index = await off_loop(search_index, budget=READ_BUDGET)
        if index is None:
            raise ContributionError("the matching index is being made for the current data; try again shortly", 503)
        turtle, entries, minted = await off_loop(csv_list.convert, body, request.query_params, index,
                                                 budget=READ_BUDGET)  # fmt: skip
        return turtle.encode(), "text/turtle", {"entries": entries, "minted": minted}

    def declarations(request: Request) -> dict:
        """`revises=<id>` and `depends_on=<id>,<id>` (absent: all one's own staged
        contributions; empty: none)."""
        params = request.query_params
        depends = params.get("depends_on")
        listed = None if depends is None else [d.strip() for d in depends.split(",") if d.strip()]
        return {"revises": params.get("revises") or None, "depends_on": listed}

    def is_csv(request: Request) -> bool:
        return request.headers.get("content-type", "").split(";")[0].strip().lower() == "text/csv"

    def authenticate(request: Request) -> Principal:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        principal = tokens.authenticate(token.strip()) if scheme.lower() == "bearer" else None
        if principal is None:
            reason = "a bearer token is required to write" if not header else "the bearer token is not valid"
            raise PermissionError(401, reason)
        return principal

    def optional_principal(request: Request) -> Principal | None:
        """The caller's principal when a valid token is sent; None for the public.
        A token that is sent but invalid is an error, not a silent downgrade."""
        if not request.headers.get("authorization"):
            return None
        return authenticate(request)

    def guarded(handler):
        """Refusals as problem details (web/problems.py), rendered as the client asks."""

        @functools.wraps(handler)
        async def wrapper(request: Request, *args, **kwargs):
            accept = request.headers.get("accept")
            try:
                return await handler(request, *args, **kwargs)
            except PermissionError as denied:
                status, message = denied.args
                headers = {"WWW-Authenticate": 'Bearer realm="critmin"'} if status == 401 else None
                return problem(status, message, headers=headers, accept=accept)
            except BodyTooLarge:
                return problem(413, f"the body is larger than {max_bytes} bytes", accept=accept)
            except BodyIncomplete as incomplete:
                return problem(400, str(incomplete), accept=accept)
            except RequestError as error:  # the workflow's, a spreadsheet's (with its entries)
                return from_error(error, accept)

        return wrapper

    def report_response(
        request: Request, record: Record, status: int, headers: dict, extra: dict | None = None
    ) -> Response:
        stored = service.report(record.id)
        as_json, as_turtle = stored if stored else ({"conforms": None, "results": []}, "")
        media = negotiation.choose(request.headers.get("accept"), REPORT_OFFERS) or "application/json"
        headers = {**headers, "Vary": "Accept"}
        if media == "text/turtle":
            return Response(as_turtle, status, headers=headers, media_type="text/turtle; charset=utf-8")
        if media == "application/ld+json":
            import rdflib

            graph = rdflib.Graph().parse(data=as_turtle or "", format="turtle")
            return Response(graph.serialize(format="json-ld"), status, headers=headers, media_type=media)
        if media == "text/html":
            return Response(
                report_page(record, as_json), status, headers=headers, media_type="text/html; charset=utf-8"
            )
        body = {**record_json(record, base, service.withdrawal_request(record.id)), "report": as_json, **(extra or {})}
        return JSONResponse(body, status, headers=headers)

    @router.post("/contributions", summary="send data; it is validated and stored (staged) or quarantined")
    @guarded
    async def contribute(request: Request) -> Response:
        principal = authenticate(request)
        body = await read_body(request, max_bytes)
        title = request.query_params.get("title")
        source = request.query_params.get("source")
        content_type, extra = request.headers.get("content-type"), {}
        if is_csv(request):
            body, content_type, extra = await from_spreadsheet(request, body)
        submit = functools.partial(service.submit, principal=principal, **declarations(request))
        record, _, error = await asyncio.to_thread(submit, body, content_type, principal.name, title, source,
                                                   principal.id)  # fmt: skip
        status = 400 if error else (201 if record.status in ("staged", "published") else 422)
        metrics.CONTRIBUTIONS.labels("malformed" if error else record.status).inc()
        return report_response(request, record, status, {"Location": f"/contributions/{record.id}"}, extra)

    @router.get("/contributions", summary="list contributions (filters: status, contributor, since)")
    @guarded
    async def listing(request: Request, status: str | None = None, contributor: str | None = None,
                      since: str | None = None) -> Response:  # fmt: skip
        viewer = optional_principal(request)

        def read() -> list[dict]:  # records and their withdrawal requests: store and disk, off the loop
            found = [r for r in service.list(status, contributor, since) if r.visible_to(viewer)]
            return [record_json(r, base, service.withdrawal_request(r.id)) for r in found]

        return JSONResponse(await off_loop(read, budget=READ_BUDGET))

    @router.get("/contributions/{identifier}", summary="a contribution's record and validation report")
    @guarded
    async def one(request: Request, identifier: str) -> Response:
        record = await off_loop(service.get, identifier, budget=READ_BUDGET)
        if record is None or not record.visible_to(optional_principal(request)):
            # Unpublished contributions are private to their contributor and the curators;
            # to anyone else they do not exist (404, not 403, which would confirm them).
            raise ContributionError(
                f"no contribution {identifier} (unpublished ones need their contributor's token)", 404
            )
        return await off_loop(report_response, request, record, 200, {}, budget=READ_BUDGET)

    @router.get(
        "/contributions/{identifier}/data", summary="a contribution's triples (N-Triples); private until published"
    )
    @guarded
    async def data(request: Request, identifier: str) -> Response:
        record = await off_loop(service.get, identifier, budget=READ_BUDGET)
        if record is None or not record.visible_to(optional_principal(request)):
            raise ContributionError(
                f"no contribution {identifier} (unpublished ones need their contributor's token)", 404
            )
        triples = await off_loop(service.triples, record, budget=READ_BUDGET)
        return Response(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), media_type="application/n-triples")

    @router.post("/contributions/{identifier}/publish", summary="a curator merges a staged contribution into the union")
    @guarded
    async def publish(request: Request, identifier: str) -> Response:
        principal = authenticate(request)
        if not principal.is_curator:
            raise PermissionError(403, "publishing needs a curator token")
        record = await asyncio.to_thread(service.publish, identifier, principal.name)
        return JSONResponse(record_json(record, base))

    @router.delete("/contributions/{identifier}",
                   summary="withdraw a contribution: staged ones at once; a published one a curator withdraws, "
                           "its contributor only asks (202) and a curator approves with DELETE")  # fmt: skip
    @guarded
    async def withdraw(request: Request, identifier: str) -> Response:
        principal = authenticate(request)
        record = await off_loop(service.get, identifier, budget=READ_BUDGET)
        if record is None:
            raise ContributionError(f"no contribution {identifier}", 404)
        if not principal.is_curator and not record.owned_by(principal):
            raise PermissionError(403, "only the contributor or a curator may withdraw a contribution")
        reason, successor = request.query_params.get("reason"), request.query_params.get("successor")
        if successor and not is_iri(successor):
            raise ContributionError(f"successor={successor!r} is not an absolute IRI", 400)
        if record.status == "published" and not principal.is_curator:
            # public data leaves only when a curator approves: this is the request
            asked = await asyncio.to_thread(service.request_withdrawal, identifier, principal.name, reason, successor)
            return JSONResponse({**record_json(record, base, asked), "withdrawal_request": asked}, 202)
        asked = await off_loop(service.withdrawal_request, identifier, budget=READ_BUDGET) or {}
        reason, successor = reason or asked.get("reason"), successor or asked.get("successor")
        record = await asyncio.to_thread(service.withdraw, identifier, principal.name, reason, successor)
        approved = {"withdrawal_request": asked, "approved_by": principal.name} if asked else {}
        return JSONResponse({**record_json(record, base, asked), **approved})

    @router.post("/validate", summary="dry run: validate data without storing it (no token needed)")
    @guarded
    async def dry_run(request: Request) -> Response:
        body = await read_body(request, max_bytes)
        content_type, extra = request.headers.get("content-type"), {}
        if is_csv(request):
            body, content_type, extra = await from_spreadsheet(request, body)
        principal = optional_principal(request)
        report = await asyncio.to_thread(functools.partial(service.dry_run, principal=principal,
                                                           **declarations(request)), body, content_type)  # fmt: skip
        media = negotiation.choose(request.headers.get("accept"), ["application/json", "text/turtle"])
        status = 200 if report.conforms else 422
        if media == "text/turtle":
            return Response(report.to_turtle(), status, media_type="text/turtle; charset=utf-8")
        return JSONResponse({**json.loads(report.to_json()), **extra}, status)

    return router


def report_page(record: Record, report: dict) -> str:
    return render("report.html", title=f"Contribution {record.id}", record=record, error=report.get("error"),
                  results=report.get("results", []))  # fmt: skip
