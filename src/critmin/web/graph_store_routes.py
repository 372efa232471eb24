"""The Graph Store HTTP Protocol: /store?graph=IRI (indirect) and /store/{path}
(direct identification: the request URL is the graph IRI). HTTP only; the work is
in critmin.graph_store."""

from __future__ import annotations

import asyncio

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import Response

from critmin import negotiation
from critmin.errors import RequestError
from critmin.graph_store import GraphStore
from critmin.rdf import formats
from critmin.rdf.terms import is_iri
from critmin.sparql.result_writers import GRAPH_FORMATS, GRAPH_MEDIA_TYPES
from critmin.tokens import TokenRegistry
from critmin.web.bodies import BodyIncomplete, BodyTooLarge, read_body
from critmin.web.bounded import off_loop
from critmin.web.http import with_charset
from critmin.web.problems import from_error, problem

OFFERS = [formats.BY_KEY[key].media_type for key in formats.DOCUMENTS]


# Over 60 lines by design: a router factory whose nested handlers are the routes (each short), sharing one closure.
def create_router(graphs: GraphStore, tokens: TokenRegistry, base: str, max_bytes: int) -> APIRouter:
    router = APIRouter()

    def graph_iri(request: Request, path: str | None) -> str | None:
        if path is not None:
            return f"{base}/store/{path}"
        return request.query_params.get("graph")

    def curator(request: Request) -> str:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        principal = tokens.authenticate(token.strip()) if scheme.lower() == "bearer" else None
        if principal is None:
            raise PermissionError(401, "a curator's bearer token is required to write")
        if not principal.is_curator:
            raise PermissionError(403, "writing through the graph store needs a curator token")
        return principal.name

    async def handle(request: Request, path: str | None) -> Response:
        graph, accept = graph_iri(request, path), request.headers.get("accept")
        if graph is None:
            return problem(400, "name the graph: ?graph=IRI, or use /store/{path}", accept=accept)
        if not is_iri(graph):
            return problem(400, f"the graph name {graph[:200]!r} is not an absolute IRI", accept=accept)
        try:
            if request.method in ("GET", "HEAD"):
                return await off_loop(read, request, graph, budget=10.0)
            who = curator(request)
            if request.method == "DELETE":
                deleted = await asyncio.to_thread(graphs.delete, graph, who)
                return Response(status_code=204 if deleted else 404)
            body = await read_body(request, max_bytes)
            created = await asyncio.to_thread(
                graphs.write, graph, body, request.headers.get("content-type"),
                replace=request.method == "PUT", who=who,
            )  # fmt: skip
            return Response(status_code=201 if created else 204, headers={"Location": graph} if created else {})
        except PermissionError as denied:
            status, message = denied.args
            headers = {"WWW-Authenticate": 'Bearer realm="critmin"'} if status == 401 else None
            return problem(status, message, headers=headers, accept=accept)
        except BodyTooLarge:
            return problem(413, f"the body is larger than {max_bytes} bytes", accept=accept)
        except BodyIncomplete as incomplete:
            return problem(400, str(incomplete), accept=accept)
        except RequestError as error:  # the gate's refusal carries its report
            return from_error(error, accept)

    def read(request: Request, graph: str) -> Response:
        media = negotiation.choose(request.headers.get("accept"), OFFERS)
        if media is None:
            return problem(406, f"available: {', '.join(OFFERS)}")
        triples = graphs.triples(graph)
        if triples is None:
            return problem(404, f"no graph {graph}", accept=request.headers.get("accept"))
        key = next(k for k, m in GRAPH_MEDIA_TYPES.items() if m == media)
        body = ox.serialize(triples, format=GRAPH_FORMATS[key])
        media_type = with_charset(media)
        return Response(body, media_type=media_type, headers={"Vary": "Accept"})

    methods = ["GET", "HEAD", "PUT", "POST", "DELETE"]

    @router.api_route("/store", methods=methods, summary="Graph Store Protocol, indirect identification (?graph=)")
    async def indirect(request: Request) -> Response:
        return await handle(request, None)

    @router.api_route("/store/{path:path}", methods=methods, summary="Graph Store Protocol, direct identification")
    async def direct(request: Request, path: str) -> Response:
        return await handle(request, path)

    return router
