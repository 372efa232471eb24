"""Help under `/id/` from the search index: a 301 when only an IRI's case is wrong, a
404 page with the nearest names, and the paged listing of a folder (`/id/mineral/`)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from critmin.linked_data.describe import PUBLIC_BASE, local_path
from critmin.search.engine import SearchIndex
from critmin.templating import render
from critmin.web.problems import problem
from critmin.web.search_routes import hit_view, wants_json

PAGE_SIZE = 100  # resources per page of a folder listing


def unknown_iri(index: SearchIndex | None, resource_path: str, iri: str, key: str) -> Response:
    """An IRI nothing is known about: 301 to the right case, else 404 (HTML: with the
    nearest names and a search link)."""
    if index is not None:
        right = index.by_folded_iri.get(iri.casefold())
        if right is not None and right != iri:
            return RedirectResponse(local_path(right) or right, status_code=301)
    if key != "html" or index is None:
        return problem(404, f"nothing is known about {iri}")
    folder, _, last = resource_path.rstrip("/").rpartition("/")
    guess = last.replace("-", " ").replace("_", " ")
    hits = [hit_view(index, h) for h in index.search(guess, limit=5)]
    html = render("not_found.html", title="Not found", iri=iri, hits=hits, guess=guess, folder=folder or last)
    return Response(html, 404, media_type="text/html; charset=utf-8")


def folder_listing(request: Request, index: SearchIndex, folder_path: str) -> Response:
    """The named resources under one folder of the namespace, paged (`?page=`), as HTML
    or JSON (`?format=json` or Accept)."""
    namespace = f"{PUBLIC_BASE}id/{folder_path}"
    inside = [r for r in index.records if r.iri.startswith(namespace) and "/" not in r.iri[len(namespace) :]]
    records = sorted(inside, key=lambda r: (r.name.casefold(), r.iri))
    if not records:
        return problem(404, f"no resources under {namespace}")
    pages = -(-len(records) // PAGE_SIZE)
    number = request.query_params.get("page", "1")
    page = min(max(1, int(number)), pages) if number.isdigit() else 1
    items = [{"iri": r.iri, "name": r.name, "href": local_path(r.iri) or r.iri, "type": index.main_type(r)}
             for r in records[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]]  # fmt: skip
    if wants_json(request):
        body = {"namespace": namespace, "total": len(records), "page": page, "pages": pages, "items": items}
        return JSONResponse(body, headers={"Vary": "Accept"})
    html = render("type_index.html", title=folder_path, heading=folder_path or "id/", namespace=namespace,
                  total=len(records), page=page, pages=pages, items=items,
                  json_link=f"?format=json&page={page}")  # fmt: skip
    return Response(html, media_type="text/html; charset=utf-8", headers={"Vary": "Accept"})
