"""HTTP for `/lists` (the timeline of every list) and `/lists/compare` (HTML, CSV, JSON)."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from critmin.lists import compare as lists
from critmin.store import LiveView
from critmin.templating import render
from critmin.web.bounded import off_loop
from critmin.web.problems import problem
from critmin.web.search_routes import wants_json


def _csv(records: list[dict[str, str]]) -> str:
    out = io.StringIO()
    if records:
        writer = csv.DictWriter(out, fieldnames=list(records[0]), lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(records)
    return out.getvalue()


def create_router(live: LiveView, budget: float = 10.0) -> APIRouter:
    router = APIRouter()

    @router.get("/lists", summary="every critical-mineral list, as a timeline")
    async def timeline(request: Request) -> Response:
        found = await off_loop(lambda: lists.timeline(live.get()), budget=budget)
        if wants_json(request):
            return JSONResponse([asdict(i) for i in found])
        years = [int(i.date[:4]) for i in found] or [2000]
        return HTMLResponse(render("lists.html", title="Critical-mineral lists", lists=found,
                                   first=min(years), last=max(years)))  # fmt: skip

    @router.get("/lists/compare", summary="compare lists: membership matrix, changes, Venn summary")
    async def compare(request: Request, groups: str = "", format: str = "") -> Response:
        keys = request.query_params.get("lists", "")
        expand = groups in ("1", "on", "true", "yes")
        try:
            result = await off_loop(lambda: lists.compare(live.get(), keys, expand), budget=budget)
        except lists.CompareError as error:
            return problem(error.status, str(error))
        if format == "csv":
            return Response(_csv(lists.as_records(result)), media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": 'attachment; filename="comparison.csv"'})  # fmt: skip
        if format == "json":
            return JSONResponse({"lists": [asdict(i) for i in result.lists], "groups_expanded": expand,
                                 "compared_with_previous": result.previous, "rows": lists.as_records(result),
                                 "venn": [{"region": n, "count": len(m), "members": m} for n, m in result.venn],
                                 "query": result.query})  # fmt: skip
        base = {"lists": ",".join(i.key for i in result.lists)}
        links = {name: "/lists/compare?" + urlencode({**base, **({"groups": "1"} if expand else {}), **extra})
                 for name, extra in (("csv", {"format": "csv"}), ("json", {"format": "json"}))}  # fmt: skip
        toggle = "/lists/compare?" + urlencode({**base, **({} if expand else {"groups": "1"})})
        html = render("compare.html", title="Compare lists", result=result, links=links, toggle=toggle,
                      editor="/?" + urlencode({"query": result.query}))  # fmt: skip
        return HTMLResponse(html)

    return router
