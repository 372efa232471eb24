"""Routes for harvesters and browsers: dereferenceable IRIs, ontology, shapes, VoID,
dumps, change feed, sitemap. Each route asks the plain modules for content and only
handles HTTP: negotiation, conditional requests, headers.

IRIs answer 200 with `Content-Location` naming the format-specific document (as
LodView and DBpedia's newer pages do) rather than 303 to it: one round trip for
harvesters, and the document URL is still explicit.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import rdflib
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from critmin import negotiation
from critmin.contributions.records import retirement_query
from critmin.factsheets import sheets as factsheets
from critmin.linked_data import changes
from critmin.linked_data import describe as linked_data
from critmin.linked_data import html as html_views
from critmin.linked_data.dcat_ap import LICENSE
from critmin.linked_data.derived import DerivedDocuments
from critmin.rdf import formats
from critmin.rdf.input import to_rdflib_graph
from critmin.rdf.namespaces import (
    CONTRIBUTION_ID,
    ONTOLOGY_GRAPH,
    ONTOLOGY_IRI,
    RECORDS_GRAPH,
    SHAPES_GRAPH,
    SHAPES_IRI,
    jsonld_context,
    to_jsonld,
)
from critmin.store import LiveView
from critmin.store.visibility import is_public
from critmin.templating import render
from critmin.web import finding
from critmin.web.bounded import RETRY_AFTER, off_loop
from critmin.web.http import Conditional, http_date, with_charset
from critmin.web.problems import problem
from critmin.web.search_routes import current_index

# URL suffix -> (media type, rdflib format) of a resource's representations (formats.DOCUMENTS)
REPRESENTATIONS = {"ttl": ("text/turtle", "turtle"), "html": ("text/html", None)} | {
    formats.BY_KEY[k].suffix: (formats.BY_KEY[k].media_type, formats.BY_KEY[k].rdflib) for k in formats.DOCUMENTS
}
FORMAT_ALIASES = {k: formats.BY_KEY[k].suffix for k in formats.DOCUMENTS} | {"json-ld": "jsonld", "xml": "rdf"}
ACTIVITY_STREAMS = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


def split_suffix(path: str) -> tuple[str, str | None]:
    stem, dot, suffix = path.rpartition(".")
    if dot and suffix in REPRESENTATIONS and "/" not in suffix:
        return stem, suffix
    return path, None


def choose(request: Request, suffix: str | None, offers: list[str]) -> str | None:
    """The representation (a key of REPRESENTATIONS): suffix, then ?format=, then Accept.
    `text/plain` is N-Triples (as on /sparql): rdflib asks for it with format="nt"."""
    requested = suffix or request.query_params.get("format")
    if requested:
        key = FORMAT_ALIASES.get(requested, requested)
        return key if key in offers else None
    media_types = [REPRESENTATIONS[k][0] for k in offers] + (["text/plain"] if "nt" in offers else [])
    media = negotiation.choose(request.headers.get("accept"), media_types)
    if media == "text/plain":
        return "nt"
    return next((k for k in offers if REPRESENTATIONS[k][0] == media), None)


def not_ready(what: str) -> Response:
    return problem(503, f"{what} is being made for the current data; try again in a few seconds",
                   headers={"Retry-After": str(RETRY_AFTER)})  # fmt: skip


def not_acceptable(offers: list[str]) -> Response:
    available = ", ".join(REPRESENTATIONS[k][0] for k in offers)
    return problem(406, f"none of the accepted media types can be produced; available: {available}")


# Over 60 lines by design: a router factory whose nested handlers are the routes (each short), sharing one closure.
def create_router(live: LiveView, base_url: str, store_path: Path, derived: DerivedDocuments,
                  budget: float = 10.0, public_graphs=lambda: None) -> APIRouter:  # fmt: skip
    """The routes; every store or disk access runs off the event loop within `budget` s."""
    router = APIRouter()

    def modified() -> str | None:
        return http_date(live.get().modified())

    def rdf_response(graph: rdflib.Graph, key: str, headers: dict[str, str]) -> Response:
        media, fmt = REPRESENTATIONS[key]
        body = to_jsonld(graph) if key == "jsonld" else graph.serialize(format=fmt, encoding="utf-8")
        media_type = with_charset(media)
        return Response(body, media_type=media_type, headers=headers)

    def alternates(path: str, keys: list[str]) -> dict[str, str]:
        return {REPRESENTATIONS[k][0]: f"{path}.{k}" for k in keys}

    def link_header(path: str, keys: list[str], iri: str) -> str:
        """Alternates, licence, the dataset's citation (text and version: `/cite`) and its
        description. The resource's own persistent IRI is its `Content-Location` subject."""
        parts = [f'<{path}.{k}>; rel="alternate"; type="{REPRESENTATIONS[k][0]}"' for k in keys]
        parts += [f'<{LICENSE}>; rel="license"', f'<{base_url}/cite>; rel="cite-as"', f'<{iri}>; rel="canonical"',
                  '</.well-known/void>; rel="describedby"; type="text/turtle"']  # fmt: skip
        return ", ".join(parts)

    def gone(store, iri: str, accept: str | None) -> Response | None:
        """410 for a resource the feed deleted or a withdrawal retired (a record says so
        even when the feed never saw the resource), with the reason and a
        `successor-version` link when the withdrawal gave one. None: never here."""
        removed = changes.ChangeLog(store_path).removed().get(iri)
        query = retirement_query(iri)
        rows = list(store.query(query, named_graphs=[RECORDS_GRAPH])) if query else []
        if not removed and not rows:
            return None
        text, headers, extra = f"{iri} was withdrawn on {removed or rows[0]['at'].value}.", {}, {}
        if removed:
            text += " The change feed at /changes says so."
        if rows:
            row = rows[0]
            contribution = row["c"].value.removeprefix(CONTRIBUTION_ID)
            text += f"\nIt was retired by contribution {contribution} (/contributions/{contribution})."
            if row["reason"] is not None:
                text += f"\nReason: {row['reason'].value}"
                extra["reason"] = row["reason"].value
            if row["successor"] is not None:
                target = row["successor"].value
                if target.startswith(CONTRIBUTION_ID):
                    target = f"{base_url}/contributions/{target.removeprefix(CONTRIBUTION_ID)}"
                text += f"\nSuccessor: {target}"
                extra["successor"] = target
                headers["Link"] = f'<{target}>; rel="successor-version"'
        return problem(410, text, headers=headers, accept=accept, **extra)

    def render_resource(request: Request, kind: str, resource_path: str, key: str, offers: list[str]) -> Response:
        """Describe and render one resource (blocking: runs in a thread)."""
        iri = f"{linked_data.PUBLIC_BASE}{kind}/{resource_path}"
        store = live.get()
        description = linked_data.describe(store, iri)
        service_path = f"/{kind}/{resource_path}"
        if description is None and kind == "graph" and is_public(iri, public_graphs()):
            return graph_document(request, store, iri, service_path, key, offers)
        if description is None:
            if (answer := gone(store, iri, request.headers.get("accept"))) is not None:
                return answer
            return unknown(kind, resource_path, iri, key)
        conditional = Conditional(request, (store.dataset_version(), iri, key), modified())
        headers = {
            **conditional.headers(),
            "Vary": "Accept",
            "Content-Location": f"{service_path}.{key}",
            "Link": link_header(service_path, [k for k in offers if k != key], iri),
        }
        if linked_data.is_retired(description):
            headers["Link"] += f', <{description.replaced_by}>; rel="successor-version"'
            return problem(410, f"{iri} is retired; it was replaced by {description.replaced_by}", headers=headers,
                           accept=request.headers.get("accept"), successor=description.replaced_by)  # fmt: skip
        if (answer := conditional.not_modified()) is not None:
            return answer
        more = None
        if description.incoming_total > len(description.incoming):
            more = f"/sparql?{urlencode({'query': linked_data.incoming_query(iri), 'format': 'csv'})}"
        if key == "html":
            sheet = factsheets.for_resource(store, iri, [str(t) for t in description.types])
            factsheet = render(sheet[0], sheet=sheet[1]) if sheet else ""
            html = html_views.resource_page(description, alternates(service_path, offers[0:1] + offers[2:]), more,
                                            factsheet)  # fmt: skip
            return Response(html, media_type="text/html; charset=utf-8", headers=headers)
        document = f"{base_url}{service_path}.{key}"
        return rdf_response(linked_data.as_graph(description, document, f"{base_url}/sparql"), key, headers)

    def unknown(kind: str, resource_path: str, iri: str, key: str) -> Response:
        index = current_index(derived) if kind == "id" else None
        return finding.unknown_iri(index, resource_path, iri, key)

    def folder_listing(request: Request, folder_path: str) -> Response:
        index = current_index(derived)
        if index is None:
            return not_ready("The index of resources")
        return finding.folder_listing(request, index, folder_path)

    def graph_document(request: Request, store, iri: str, service_path: str, key: str, offers: list[str]) -> Response:
        """A named graph's IRI (`/graph/meta`, `/graph/data/sources`) that is not itself
        described: its contents, as the service description and the feed name it."""
        quads = store.graph_quads(iri) if iri in store.named_graphs() else []
        if not quads:
            return problem(404, f"nothing is known about {iri}")
        conditional = Conditional(request, (store.dataset_version(), iri, key), modified())
        if (answer := conditional.not_modified()) is not None:
            return answer
        headers = {**conditional.headers(), "Vary": "Accept", "Content-Location": f"{service_path}.{key}"}
        graph = to_rdflib_graph(quads)
        if key == "html":
            body = html_views.graph_page(iri, len(graph), alternates(service_path, [k for k in offers if k != "html"]))
            return Response(body, media_type="text/html; charset=utf-8", headers=headers)
        return rdf_response(graph, key, headers)

    async def dereference(request: Request, kind: str, path: str) -> Response:
        resource_path, suffix = split_suffix(path)
        if kind == "id" and (resource_path.endswith("/") or resource_path == ""):
            return await off_loop(folder_listing, request, resource_path, budget=budget)
        offers = ["ttl", "html", "nt", "jsonld", "rdf"]
        key = choose(request, suffix, offers)
        if key is None:
            return not_acceptable(offers)
        return await off_loop(render_resource, request, kind, resource_path, key, offers, budget=budget)

    @router.get("/id/{path:path}", summary="dereference an instance IRI https://w3id.org/critmin/id/...")
    async def instance(request: Request, path: str) -> Response:
        return await dereference(request, "id", path)

    @router.get("/graph/{path:path}", summary="dereference a named-graph IRI https://w3id.org/critmin/graph/...")
    async def named_graph(request: Request, path: str) -> Response:
        return await dereference(request, "graph", path)

    parsed: dict[tuple[str, str], rdflib.Graph] = {}

    def stored_graph(name: str) -> rdflib.Graph:
        """A named graph as rdflib, parsed once per state of the store (not per request)."""
        key = (live.generation, name)
        if key in parsed:
            return parsed[key]
        store = live.get()
        graph = to_rdflib_graph(store.graph_quads(name))
        for prefix, namespace in (("cm", ONTOLOGY_IRI + "#"), ("cms", SHAPES_IRI + "#"), ("sh", str(rdflib.SH)),
                                  ("skos", str(rdflib.SKOS)), ("dct", str(rdflib.DCTERMS))):  # fmt: skip
            graph.bind(prefix, namespace, override=True)
        if len(parsed) > 4:
            parsed.clear()  # only the current state is worth keeping
        parsed[key] = graph
        return graph

    def render_document(request: Request, stem: str, key: str, graph_name: str, iri: str, render,
                        offers: list[str]) -> Response:  # fmt: skip
        store = live.get()
        conditional = Conditional(request, (store.dataset_version(), graph_name, key), modified())
        headers = {**conditional.headers(), "Vary": "Accept", "Content-Location": f"{stem}.{key}",
                   "Link": link_header(stem, [k for k in offers if k != key], iri)}  # fmt: skip
        if (answer := conditional.not_modified()) is not None:
            return answer
        graph = stored_graph(graph_name)
        if key == "html":
            return Response(render(graph, iri, alternates(stem, offers[1:])), media_type="text/html; charset=utf-8",
                            headers=headers)  # fmt: skip
        return rdf_response(graph, key, headers)

    async def document(request: Request, stem: str, suffix: str | None, graph_name: str, iri: str, render) -> Response:
        """The ontology or the shapes as a negotiated document served at `stem`."""
        offers = ["html", "ttl", "nt", "jsonld", "rdf"]
        key = choose(request, suffix, offers)
        if key is None:
            return not_acceptable(offers)
        return await off_loop(render_document, request, stem, key, graph_name, iri, render, offers, budget=budget)

    def version_of(graph_name: str) -> str:
        graph = stored_graph(graph_name)
        return str(next(graph.objects(None, rdflib.OWL.versionInfo), ""))

    @router.get("/ontology", summary="the ontology: HTML documentation or RDF")
    @router.get("/ontology.{suffix}", include_in_schema=False)
    async def ontology(request: Request, suffix: str | None = None) -> Response:
        return await document(request, "/ontology", suffix, str(ONTOLOGY_GRAPH), ONTOLOGY_IRI, html_views.ontology_page)

    @router.get("/ontology/{version}", summary="a version of the ontology (its owl:versionIRI)")
    async def ontology_version(request: Request, version: str) -> Response:
        number, suffix = split_suffix(version)
        if number != await off_loop(version_of, str(ONTOLOGY_GRAPH), budget=budget):
            return problem(404, f"no ontology version {number}")
        stem = f"/ontology/{number}"
        return await document(request, stem, suffix, str(ONTOLOGY_GRAPH), ONTOLOGY_IRI, html_views.ontology_page)

    @router.get("/shapes", summary="the SHACL shapes: HTML documentation or RDF")
    @router.get("/shapes.{suffix}", include_in_schema=False)
    async def shapes(request: Request, suffix: str | None = None) -> Response:
        return await document(request, "/shapes", suffix, str(SHAPES_GRAPH), SHAPES_IRI, html_views.shapes_page)

    @router.get("/context.jsonld", summary="the JSON-LD context of critmin's JSON-LD documents")
    async def context_document() -> Response:
        return JSONResponse({"@context": jsonld_context()}, media_type="application/ld+json",
                            headers={"Cache-Control": "public, max-age=86400"})  # fmt: skip

    return router
