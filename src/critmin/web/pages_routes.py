"""The pages people land on: the home page (the query editor with what the dataset
is), `/dataset` (the VoID/DCAT description as a page), `/cite`, and the small JSON
documents the editor completes from (`/api/prefixes`, `/api/terms`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response

from critmin import summary as facts
from critmin.linked_data.derived import DerivedDocuments
from critmin.rdf.namespaces import PREFIXES
from critmin.store import LiveView
from critmin.templating import render
from critmin.web.bounded import off_loop
from critmin.web.linked_data_routes import not_ready
from critmin.web.problems import problem

TERMS_QUERY = """SELECT ?term ?kind ?label WHERE {
  VALUES ?kind { owl:Class owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty }
  GRAPH <https://w3id.org/critmin/graph/ontology> { ?term a ?kind OPTIONAL { ?term rdfs:label ?label } }
  FILTER(STRSTARTS(STR(?term), "https://w3id.org/critmin/ontology#"))
} ORDER BY ?term"""


def bibtex(summary: dict, base_url: str) -> str:
    year = (summary.get("modified") or "")[:4] or "n.d."
    return (f"@misc{{critmin_{summary.get('release', 'unreleased').replace('.', '_')},\n"
            f"  author = {{{{{facts.AUTHORS}}}}},\n  title = {{{facts.TITLE}}},\n  year = {{{year}}},\n"
            f"  version = {{{summary.get('release')} (content {summary.get('version')})}},\n"
            f"  howpublished = {{\\url{{https://w3id.org/critmin/id/dataset}}}},\n"
            f"  note = {{Served at {base_url}/. Licence CC BY 4.0}}\n}}\n")  # fmt: skip


def create_router(derived: DerivedDocuments, live: LiveView, base_url: str, budget: float = 10.0) -> APIRouter:
    router = APIRouter()

    def summary() -> dict:
        current = derived.current()
        return current.summary if current is not None else {}

    @router.get("/", include_in_schema=False)
    async def home() -> HTMLResponse:
        return HTMLResponse(render("editor.html", summary=summary() or None))

    @router.get("/dataset", summary="the dataset as a page: what it is, counts, release, downloads, citation")
    async def dataset() -> Response:
        current = derived.current()
        if current is None:
            return not_ready("The dataset page")
        return FileResponse(current.dataset_page, media_type="text/html; charset=utf-8")

    @router.get("/cite", summary="how to cite the dataset: text, BibTeX (?format=bibtex) or CFF (?format=cff)")
    async def cite(request: Request, format: str = "html") -> Response:
        found = summary()
        if not found:
            return not_ready("The citation")
        text = facts.citation(found, base_url)
        if format == "text" or request.headers.get("accept", "").startswith("text/plain"):
            return PlainTextResponse(text + "\n")
        if format == "bibtex":
            return PlainTextResponse(bibtex(found, base_url), media_type="application/x-bibtex; charset=utf-8")
        if format != "html":
            return problem(400, f"unknown format {format!r}; there are html, text and bibtex")
        return HTMLResponse(render("cite.html", title="Cite", citation=text, summary=found,
                                   bibtex=bibtex(found, base_url)))  # fmt: skip

    @router.get("/contribute", summary="the contributor guide: what, how, templates, examples")
    async def contribute_guide() -> HTMLResponse:
        return HTMLResponse(render("contribute.html", title="Contribute", base_url=base_url))

    @router.get("/api/prefixes", summary="the prefixes /sparql predeclares")
    async def prefixes() -> JSONResponse:
        return JSONResponse(PREFIXES, headers={"Cache-Control": "public, max-age=3600"})

    @router.get("/api/terms", summary="the ontology's classes and properties (the editor completes from them)")
    async def terms() -> JSONResponse:
        def read() -> list[dict]:
            rows = live.get().query(TERMS_QUERY)
            return [{"iri": r["term"].value, "curie": "cm:" + r["term"].value.split("#", 1)[1],
                     "kind": r["kind"].value.rsplit("#", 1)[1], "label": r["label"].value if r["label"] else ""}
                    for r in rows]  # fmt: skip

        return JSONResponse(await off_loop(read, budget=budget), headers={"Cache-Control": "no-cache"})

    return router
