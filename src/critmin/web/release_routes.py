"""What harvesters fetch besides the resources: the VoID/DCAT description, the dumps
(with `latest` aliases and uncompressed .nt/.nq), the change feed and the sitemap. All
are derived documents or files made when the data changes (critmin.linked_data.derived), served
from disk with their own version in ETag and Last-Modified; none is made on a GET."""

from __future__ import annotations

import gzip
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response, StreamingResponse

from critmin.linked_data import changes, dumps
from critmin.linked_data.derived import DerivedDocuments
from critmin.web.bounded import off_loop
from critmin.web.http import Conditional, http_date, with_charset
from critmin.web.linked_data_routes import ACTIVITY_STREAMS, REPRESENTATIONS, choose, not_acceptable, not_ready
from critmin.web.problems import problem


# Over 60 lines by design: a router factory whose nested handlers are the routes (each short), sharing one closure.
def create_router(derived: DerivedDocuments, store_path: Path, base_url: str, budget: float = 10.0) -> APIRouter:
    """The routes; disk work runs off the event loop within `budget` s."""
    router = APIRouter()

    def derived_conditional(request: Request, what: str, key: str):
        """ETag and Last-Modified of the derived documents being served (their own version)."""
        current = derived.current()
        if current is None:
            return None, None
        return current, Conditional(request, (current.version, what, key), http_date(current.modified))

    @router.get("/.well-known/void", summary="VoID + DCAT description of the dataset")
    async def void_description(request: Request) -> Response:
        offers = ["ttl", "nt", "jsonld", "rdf"]
        key = choose(request, None, offers)
        if key is None:
            return not_acceptable(offers)
        current, conditional = derived_conditional(request, "void", key)
        if current is None:
            return not_ready("The dataset description")
        if (answer := conditional.not_modified()) is not None:
            return answer
        media = REPRESENTATIONS[key][0]
        return FileResponse(current.void_file(key), headers={**conditional.headers(), "Vary": "Accept"},
                            media_type=with_charset(media))  # fmt: skip

    @router.get("/dumps/", summary="the current release's dumps")
    async def dump_index() -> Response:
        current = derived.current()
        if current is None:
            return not_ready("The release")
        return JSONResponse([{**d.__dict__, "url": f"{base_url}/dumps/{d.file_name}"} for d in current.dumps],
                            headers={"ETag": f'W/"dumps-{current.version}"', "Cache-Control": "no-cache"})  # fmt: skip

    def plain_dump(request: Request, name: str) -> Response:
        """`critmin-V.nt` / `.nq`: the gzipped dump as `Content-Encoding: gzip` to clients
        that accept it, decompressed on the fly to those that do not (clients that load
        RDF by URL cannot read application/gzip)."""
        path = dumps.find_dump(store_path, name + ".gz")
        if path is None:
            return problem(404, f"no dump {name}")
        media = "application/n-triples" if name.endswith(".nt") else "application/n-quads"
        headers = {"Cache-Control": "public, max-age=31536000, immutable", "Vary": "Accept-Encoding"}
        if "gzip" in request.headers.get("accept-encoding", "").lower():
            return FileResponse(path, media_type=media, headers={**headers, "Content-Encoding": "gzip"})

        def unzipped():
            with gzip.open(path, "rb") as stream:
                while chunk := stream.read(1 << 16):
                    yield chunk

        return StreamingResponse(unzipped(), media_type=media, headers=headers)

    @router.get("/dumps/{name}", summary="a dump file, its .sha256, the `latest` alias, or .nt/.nq uncompressed")
    async def dump_file(request: Request, name: str) -> Response:
        if name.startswith("latest."):
            current = derived.current()
            if current is None:
                return not_ready("The release")
            wanted = name.removeprefix("latest.")
            for dump in current.dumps:
                suffix = dump.file_name.split(".", 1)[1]
                if wanted in (suffix, suffix + ".sha256"):
                    target = dump.file_name + (".sha256" if wanted.endswith(".sha256") else "")
                    return RedirectResponse(f"/dumps/{target}", 302, headers={"Cache-Control": "no-cache"})
                if wanted + ".gz" == suffix:
                    target = dump.file_name.removesuffix(".gz")
                    return RedirectResponse(f"/dumps/{target}", 302, headers={"Cache-Control": "no-cache"})
            return problem(404, f"no dump {name}")
        if name.endswith((".nt", ".nq")):
            return plain_dump(request, name)
        path = dumps.find_dump(store_path, name)
        if path is None:
            return problem(404, f"no dump {name}")
        media = "text/plain; charset=utf-8" if name.endswith(".sha256") else (
            "application/gzip" if name.endswith(".gz") else "text/turtle; charset=utf-8")  # fmt: skip
        return FileResponse(path, media_type=media, headers={"Cache-Control": "public, max-age=31536000, immutable"})

    def feed(request: Request, number: int | None) -> Response:
        log = changes.ChangeLog(store_path)
        if number is None:
            conditional = Conditional(request, ("changes", len(log.activities())), http_date(log.last_modified()))
            content = log.collection(base_url)
        else:
            content = log.page(base_url, number)
            if content is None:
                return problem(404, f"no page {number}")
            conditional = Conditional(request, ("changes", number, len(content["orderedItems"])), None)
        if (answer := conditional.not_modified()) is not None:
            return answer
        return JSONResponse(content, headers=conditional.headers(), media_type=ACTIVITY_STREAMS)

    @router.get("/changes", summary="the change feed (Activity Streams 2.0 OrderedCollection)")
    async def change_feed(request: Request) -> Response:
        return await off_loop(feed, request, None, budget=budget)

    @router.get("/changes/page/{number}", summary="one page of the change feed")
    async def change_page(request: Request, number: int) -> Response:
        return await off_loop(feed, request, number, budget=budget)

    @router.get("/sitemap.xml", summary="every HTML page, with lastmod")
    async def sitemap(request: Request) -> Response:
        current, conditional = derived_conditional(request, "sitemap", "xml")
        if current is None:
            return not_ready("The sitemap")
        if (answer := conditional.not_modified()) is not None:
            return answer
        return FileResponse(current.sitemap_file, media_type="application/xml", headers=conditional.headers())

    return router
