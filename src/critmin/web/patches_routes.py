"""HTTP for the deltas between dataset versions: `/patches/` lists them (oldest first)
and `/patches/{file}` serves a gzipped N-Quads file. Files never change once written:
they are immutable for caches, with a strong ETag (their SHA-256)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from critmin.linked_data import patches
from critmin.web.bounded import off_loop
from critmin.web.http import Conditional
from critmin.web.problems import problem


def create_router(state_path: Path, base_url: str, budget: float = 10.0) -> APIRouter:
    router = APIRouter()

    @router.get("/patches/", summary="the patches between dataset versions, oldest first")
    async def listing() -> JSONResponse:
        found = await off_loop(patches.index, state_path, budget=budget)
        body = [{**asdict(p), "delete_url": f"{base_url}/patches/{p.delete_file}",
                 "add_url": f"{base_url}/patches/{p.add_file}"} for p in found]  # fmt: skip
        return JSONResponse(body, headers={"Cache-Control": "no-cache"})

    @router.get("/patches/{name}", summary="one patch file: the quads to delete or to add (gzipped N-Quads)")
    async def patch_file(request: Request, name: str) -> Response:
        found = await off_loop(patches.find, state_path, name, budget=budget)
        if found is None:
            return problem(404, f"no patch file {name[:100]!r}; the patches are listed at /patches/")
        path, digest = found
        conditional = Conditional(request, strong=digest, immutable=True)  # a patch never changes
        if (answer := conditional.not_modified()) is not None:
            return answer
        return FileResponse(path, media_type="application/gzip", headers=conditional.headers())  # N-Quads inside

    return router
