"""HTTP for finding things: `/search`, the Reconciliation Service API at `/reconcile`,
and the helpers the entity routes use for type indexes and 404 suggestions.

The index is a derived document of the current dataset version (`search.json`), read
once per version off the event loop; until it exists the routes answer 503.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from critmin import __version__, negotiation
from critmin.linked_data.derived import DerivedDocuments
from critmin.linked_data.describe import local_path
from critmin.search import reconcile
from critmin.search.engine import TYPE_KEYS, Hit, SearchIndex, load_index, resolve_type
from critmin.templating import render
from critmin.web.bodies import BodyIncomplete, BodyTooLarge, read_body
from critmin.web.bounded import RETRY_AFTER, off_loop
from critmin.web.problems import problem

MAX_RESULTS = 100
MAX_LABELS = 2000
MAX_LABELS_BODY = 512 * 1024
BROWSE = [(k, k) for k in ("mineral", "country", "list", "source", "technology", "element")]
MAX_RECONCILE_BODY = 2 * 1024 * 1024  # a 1,000-query batch is ~150 kB


def current_index(derived: DerivedDocuments) -> SearchIndex | None:
    """The index of the derived documents being served (blocking the first time per
    version: call off the loop)."""
    current = derived.current()
    return None if current is None else load_index(str(current.search_file))


def hit_json(index: SearchIndex, hit: Hit) -> dict:
    record = hit.record
    return {"iri": record.iri, "name": record.name, "href": local_path(record.iri) or record.iri,
            "types": [index.type_name(t) for t in record.types], "score": hit.score,
            "matched": hit.matched, "kind": hit.kind}  # fmt: skip


def hit_view(index: SearchIndex, hit: Hit) -> dict:
    """What a page shows of a hit: its name, link and main type."""
    return {**hit_json(index, hit), "type": index.main_type(hit.record)}


def wants_json(request: Request) -> bool:
    if request.query_params.get("format") == "json":
        return True
    return negotiation.choose(request.headers.get("accept"), ["text/html", "application/json"]) == "application/json"


def unavailable() -> Response:
    return problem(503, "the search index is being made for the current data; try again in a few seconds",
                   headers={"Retry-After": str(RETRY_AFTER)})  # fmt: skip


# Over 60 lines by design: a router factory whose nested handlers are the routes (each short), sharing one closure.
def create_router(derived: DerivedDocuments, base_url: str, budget: float = 10.0) -> APIRouter:
    router = APIRouter()

    async def index_or_none() -> SearchIndex | None:
        return await off_loop(current_index, derived, budget=budget)

    @router.get("/search", summary="find resources by name, symbol, notation, entry as written or title")
    async def search(request: Request, q: str = "", type: str = "", limit: int = 20) -> Response:
        index = await index_or_none()
        if index is None:
            return unavailable()
        types = None
        if type:
            resolved = resolve_type(type)
            if resolved is None:
                return problem(400, f"unknown type {type!r}; the types are: {', '.join(TYPE_KEYS)}")
            types = [resolved]
        limit = max(1, min(limit, MAX_RESULTS))
        hits = await off_loop(lambda: index.search(q, types=types, limit=limit), budget=budget)
        if wants_json(request):
            results = [hit_json(index, h) for h in hits]
            body = {"query": q, "type": type or None, "version": index.version, "results": results}
            return JSONResponse(body, headers={"Vary": "Accept"})
        json_link = "/search?" + urlencode({"q": q, "type": type, "format": "json"})
        html = render("search.html", title=f"Search: {q}" if q else "Search", query=q, type=type,
                      types=[(k, index.type_name(i)) for k, i in TYPE_KEYS.items()], problem=None,
                      hits=[hit_view(index, h) for h in hits], version=index.version, json_link=json_link,
                      browse=BROWSE)  # fmt: skip
        return HTMLResponse(html, headers={"Vary": "Accept"})

    async def queries_of(request: Request) -> str | None:
        if "queries" in request.query_params:
            return request.query_params["queries"]
        if request.method != "POST":
            return None
        body = await read_body(request, MAX_RECONCILE_BODY)
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "application/json":
            return body.decode("utf-8", "replace")
        form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=10)
        return form["queries"][0] if "queries" in form else None

    @router.api_route("/reconcile", methods=["GET", "POST"], summary="Reconciliation Service API 0.2 (OpenRefine)")
    async def reconcile_endpoint(request: Request) -> Response:
        try:
            text = await queries_of(request)
        except BodyTooLarge:
            return problem(413, f"the body is over {MAX_RECONCILE_BODY:,} bytes")
        except BodyIncomplete as error:
            return problem(400, str(error))
        if text is None:
            return JSONResponse(reconcile.manifest(base_url, __version__))
        index = await index_or_none()
        if index is None:
            return unavailable()
        try:
            batch = reconcile.parse_batch(text)
            answers = await off_loop(reconcile.reconcile, index, batch, budget=budget)
        except reconcile.ReconcileError as error:
            return problem(error.status, str(error))
        return JSONResponse(answers)

    @router.post("/api/labels", summary="the names of up to 2,000 IRIs (the editor's label columns)")
    async def labels(request: Request) -> Response:
        try:
            body = await read_body(request, MAX_LABELS_BODY)
            iris = json.loads(body or b"[]")
        except (BodyTooLarge, BodyIncomplete, ValueError) as error:
            return problem(400 if not isinstance(error, BodyTooLarge) else 413, f"send a JSON array of IRIs: {error}")
        if not isinstance(iris, list) or len(iris) > MAX_LABELS or not all(isinstance(i, str) for i in iris):
            return problem(400, f"send a JSON array of at most {MAX_LABELS:,} IRIs (strings)")
        index = await index_or_none()
        if index is None:
            return unavailable()
        found = {iri: record.name for iri in iris if (record := index.record(iri)) is not None}
        return JSONResponse(found)

    @router.get("/reconcile/suggest/{kind}", summary="suggest entities, types or properties by prefix")
    async def suggest(kind: str, prefix: str = "", type: str | None = None, cursor: int = 0) -> Response:
        if kind not in ("entity", "type", "property"):
            return problem(404, f"no suggest service {kind!r}; there are entity, type and property")
        index = await index_or_none()
        if index is None:
            return unavailable()
        if kind == "entity":
            answer = await off_loop(reconcile.suggest_entities, index, prefix, type, max(0, cursor), budget=budget)
        elif kind == "type":
            answer = reconcile.suggest_types(index, prefix)
        else:
            answer = reconcile.suggest_properties(prefix)
        return JSONResponse(answer)

    @router.get("/reconcile/preview", summary="an HTML preview of an entity, for a reconciliation client")
    async def preview(id: str = "") -> Response:
        index = await index_or_none()
        if index is None:
            return unavailable()
        record = index.record(reconcile.entity_iri(id))
        if record is None:
            return problem(404, f"no entity {id!r}")
        texts = sorted({f"{kind}: {text}" for text, kind, _ in record.texts if kind != "label"})[:6]
        html = render("preview.html", name=record.name, href=local_path(record.iri) or record.iri, iri=record.iri,
                      types=", ".join(index.type_name(t) for t in record.types), texts=texts)  # fmt: skip
        return HTMLResponse(html)

    @router.get("/reconcile/docs", summary="how to use the reconciliation service")
    async def reconcile_docs() -> Response:
        return HTMLResponse(render("reconcile_docs.html", title="Reconciliation service", base_url=base_url,
                                   types=list(TYPE_KEYS.items()), properties=list(reconcile.PROPERTY_NAMES.items()),
                                   max_batch=reconcile.MAX_BATCH, max_candidates=reconcile.MAX_CANDIDATES))  # fmt: skip

    return router
