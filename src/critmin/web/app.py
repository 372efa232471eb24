"""The FastAPI application: routes translate HTTP to the plain modules and back.

Nothing here decides anything about SPARQL, formats or data: that lives in
sparql_protocol, sparql_service, executor and store, which the CLI uses too.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Route

from critmin import __version__, metrics, settings
from critmin.contributions import ContributionService, Limits
from critmin.errors import RequestError
from critmin.graph_store import GraphStore
from critmin.linked_data.derived import DerivedDocuments
from critmin.metrics import MetricsMiddleware
from critmin.ratelimit import ConcurrencyCap, RateLimiter, client_address, is_loopback
from critmin.semantics.validation_pool import ValidationPool
from critmin.service_settings import ServiceSettings
from critmin.sparql import queries
from critmin.sparql.cache import ResultCache
from critmin.sparql.pool import QueryPool
from critmin.sparql.protocol import parse_request
from critmin.sparql.query_text import RequestRejected
from critmin.sparql.remote_executor import RemoteExecutor
from critmin.sparql.service import EXPOSED_HEADERS, Reply, SparqlService, error_reply
from critmin.store import LiveView, StoreMissingError, open_live
from critmin.store.views import PublicViews
from critmin.tokens import TokenRegistry
from critmin.web.bodies import BodyIncomplete, BodyTooLarge, read_body
from critmin.web.bounded import RETRY_AFTER, Overrun, off_loop
from critmin.web.contribution_routes import create_router as contribution_router
from critmin.web.graph_store_routes import create_router as graph_store_router
from critmin.web.head import HeadMiddleware
from critmin.web.linked_data_routes import create_router
from critmin.web.lists_routes import create_router as lists_router
from critmin.web.pages_routes import create_router as pages_router
from critmin.web.patches_routes import create_router as patches_router
from critmin.web.problems import REQUEST_ACCEPT, from_error, problem
from critmin.web.problems import render as render_problem
from critmin.web.release_routes import create_router as release_router
from critmin.web.search_routes import create_router as search_router
from critmin.web.search_routes import current_index
from critmin.web.security_headers import SecurityHeadersMiddleware

STATIC = Path(__file__).parent / "static"


def remove_file(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def to_response(reply: Reply, accept: str | None = None) -> Response:
    """A service reply as a response; an error's problem document rendered for `accept`."""
    if reply.problem is not None:
        return render_problem(reply.problem, accept, reply.headers)
    if reply.file_path:
        return FileResponse(
            reply.file_path,
            status_code=reply.status,
            headers=reply.headers,
            media_type=reply.media_type,
            background=BackgroundTask(remove_file, reply.file_path),
        )
    return Response(reply.body, status_code=reply.status, headers=reply.headers, media_type=reply.media_type)


class LeanRoute(Route):
    """A Starlette route that names itself in the scope as FastAPI's do (the metrics
    label requests by the matched route's template)."""

    def matches(self, scope) -> tuple[Match, dict]:
        match, child = super().matches(scope)
        if match != Match.NONE:
            child["route"] = self
        return match, child


class ClientMiddleware:
    """Who the client is (behind trusted proxies only), kept in the request state for the
    routes, and 429 with Retry-After for clients over their rate (plain ASGI: no
    per-request task overhead). /health and /ready are never throttled: monitoring must see in."""

    UPLOADS = ("/validate", "/contributions", "/store")

    def __init__(self, app, limiter: RateLimiter, trusted_proxies: tuple, uploads_per_client: int = 1):
        self.app = app
        self.limiter = limiter
        self.trusted = trusted_proxies
        self.uploads = ConcurrencyCap(uploads_per_client)  # parsing and validating are costly

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        peer = scope.get("client")
        forwarded = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-forwarded-for"), None)
        address = client_address(peer[0] if peer else None, forwarded, self.trusted)
        scope.setdefault("state", {})["client_address"] = address
        accept = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"accept"), None)
        REQUEST_ACCEPT.set(accept)  # how this request's errors are rendered (web/problems.py)
        if scope["path"] not in ("/health", "/ready"):
            wait = self.limiter.retry_after(address)
            if wait is not None:
                metrics.RATE_LIMITED.labels("requests").inc()
                seconds = self.limiter.header_value(wait)
                response = to_response(
                    error_reply(429, f"too many requests; retry in {seconds} s", **{"Retry-After": seconds}), accept
                )
                await response(scope, receive, send)
                return
        if scope["method"] in ("POST", "PUT") and scope["path"].startswith(self.UPLOADS):
            if not self.uploads.acquire(address):
                metrics.RATE_LIMITED.labels("uploads").inc()
                response = to_response(error_reply(429, "this client already has an upload in progress",
                                                   **{"Retry-After": "1"}), accept)  # fmt: skip
                await response(scope, receive, send)
                return
            try:
                await self.app(scope, receive, send)
            finally:
                self.uploads.release(address)
            return
        await self.app(scope, receive, send)


def yasgui_folder() -> Path:
    return settings.project_home() / "web" / "node_modules" / "@zazuko" / "yasgui" / "build"


def swagger_folder() -> Path:
    return settings.project_home() / "web" / "node_modules" / "swagger-ui-dist"


def echarts_folder() -> Path:
    return settings.project_home() / "web" / "node_modules" / "echarts" / "dist"


@dataclass
class Parts:
    """What the app is made of, opened from the settings."""

    config: ServiceSettings
    state_path: Path
    live: LiveView
    pool: QueryPool | RemoteExecutor
    contributions: ContributionService
    sparql: SparqlService
    derived: DerivedDocuments
    validators: ValidationPool
    views: PublicViews | None  # snapshots of the public data for the query workers (embedded store)


def open_parts(config: ServiceSettings) -> Parts:
    location = config.store_url or config.store_path
    state_path = settings.state_path_for(location)
    live = open_live(location, writable=True)
    store = live.get()  # fail early, with a clear message, if there is no built store
    if store.dataset_version() is None:
        raise StoreMissingError(Path(str(location)))
    spool = tempfile.mkdtemp(prefix="critmin-spool-")
    folder = store.capabilities.folder  # query workers open an embedded store's folder; engines answer over HTTP
    pool = (QueryPool(folder, config.query_workers, inline_limit=config.inline_result_bytes) if folder is not None
            else RemoteExecutor(store, spool, config.inline_result_bytes))  # fmt: skip
    validators = ValidationPool()
    contributions = ContributionService(
        live, state_path, Limits(max_bytes=config.max_contribution_bytes), auto_publish=config.auto_publish,
        validator=validators.validate,
    )  # fmt: skip
    sparql = SparqlService(config, pool, live, ResultCache(config.cache_bytes), contributions.public_graphs)
    derived = DerivedDocuments(live, state_path, config.base_url, public_graphs=contributions.public_graphs,
                               federation=bool(config.service_allowlist))  # fmt: skip
    sparql.derived = derived
    live.listeners.append(derived.refresh)  # a write makes new derived documents, in the background
    live.watch(settings.environment().remote_poll)  # and so does another replica's, over one engine
    views = None
    if folder is not None:
        views = PublicViews(live, contributions.public_graphs, grace=config.max_query_timeout + 10)
        sparql.views = views
        live.listeners.append(views.refresh)  # and a new snapshot for the query workers
    return Parts(config, state_path, live, pool, contributions, sparql, derived, validators, views)


def install_middleware(app: FastAPI, config: ServiceSettings) -> None:
    """Outermost last: security headers, then HEAD, client identity and limits, CORS, gzip."""
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
        allow_headers=["*"],
        expose_headers=EXPOSED_HEADERS,
        max_age=86400,
    )
    app.add_middleware(MetricsMiddleware)  # inside HEAD and the client limits: it sees the matched route
    limiter = RateLimiter(config.rate_limit_per_minute, limit_loopback=config.rate_limit_loopback)
    app.add_middleware(ClientMiddleware, limiter=limiter, trusted_proxies=config.trusted_proxies,
                       uploads_per_client=config.client_uploads)  # fmt: skip
    app.add_middleware(HeadMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)

    async def overrun(request: Request, error: Overrun) -> Response:
        reply = error_reply(503, str(error), **{"Retry-After": str(RETRY_AFTER)})
        return to_response(reply, request.headers.get("accept"))

    app.add_exception_handler(Overrun, overrun)

    async def framework_error(request: Request, error: StarletteHTTPException) -> Response:
        """The framework's own refusals (unknown route, method not allowed) as problems too."""
        return problem(
            error.status_code, str(error.detail), headers=error.headers, accept=request.headers.get("accept")
        )

    async def invalid_parameters(request: Request, error: RequestValidationError) -> Response:
        where = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())
        return problem(422, f"invalid request parameters: {where}", accept=request.headers.get("accept"))

    async def refused(request: Request, error: RequestError) -> Response:
        """A RequestError no route caught: the one mapping from the hierarchy to a status."""
        return from_error(error, request.headers.get("accept"))

    app.add_exception_handler(StarletteHTTPException, framework_error)
    app.add_exception_handler(RequestValidationError, invalid_parameters)
    app.add_exception_handler(RequestError, refused)


async def watch_for_new_data(derived: DerivedDocuments, views: PublicViews | None, every: float = 2.0) -> None:
    """Notice a rebuild by another process (`critmin build` swaps the store), or a write
    no listener heard (a staged contribution): make derived documents and a snapshot."""
    while True:
        with contextlib.suppress(Exception):  # a store being swapped: try again next round
            await asyncio.to_thread(derived.refresh)
        if views is not None:
            with contextlib.suppress(Exception):  # it may open the new database: off the loop
                await asyncio.to_thread(views.refresh)
        await asyncio.sleep(every)


def create_app(service_settings: ServiceSettings | None = None) -> FastAPI:
    config = service_settings or ServiceSettings.from_environment()
    parts = open_parts(config)
    pool, derived = parts.pool, parts.derived

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        if parts.views is not None:
            await asyncio.to_thread(parts.views.start)
        await pool.start()
        watcher = asyncio.create_task(watch_for_new_data(derived, parts.views))
        try:
            yield
        finally:
            watcher.cancel()
            await pool.close()
            await asyncio.to_thread(parts.validators.close)

    app = FastAPI(
        title="critmin",
        version=__version__,
        summary="A knowledge graph and SPARQL 1.1 endpoint for critical minerals",
        lifespan=lifespan,
        docs_url=None,  # served below from the local swagger-ui-dist package, not a CDN
        openapi_url="/api/openapi.json",
        redoc_url=None,
    )
    app.state.config = config
    app.state.pool = pool
    app.state.sparql = parts.sparql
    app.state.derived = derived
    app.state.contributions = parts.contributions  # in-process tests read the public view through it
    install_middleware(app, config)
    add_core_routes(app, parts)
    app.include_router(create_router(parts.live, config.base_url, parts.state_path, derived, config.route_timeout,
                                     parts.contributions.public_graphs))  # fmt: skip
    app.include_router(release_router(derived, parts.state_path, config.base_url, config.route_timeout))
    app.include_router(search_router(derived, config.base_url, config.route_timeout))
    app.include_router(lists_router(parts.live, config.route_timeout))
    app.include_router(pages_router(derived, parts.live, config.base_url, config.route_timeout))
    app.include_router(patches_router(parts.state_path, config.base_url, config.route_timeout))
    tokens = TokenRegistry.for_location(parts.config.store_url or parts.config.store_path, parts.state_path)
    app.include_router(contribution_router(parts.contributions, tokens, config.base_url, config.max_contribution_bytes,
                                           lambda: current_index(derived)))  # fmt: skip
    app.include_router(
        graph_store_router(GraphStore(parts.contributions), tokens, config.base_url, config.max_contribution_bytes)
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    if yasgui_folder().is_dir():
        app.mount("/vendor/yasgui", StaticFiles(directory=yasgui_folder()), name="yasgui")
    if swagger_folder().is_dir():
        app.mount("/vendor/swagger-ui", StaticFiles(directory=swagger_folder()), name="swagger-ui")
    if echarts_folder().is_dir():
        app.mount("/vendor/echarts", StaticFiles(directory=echarts_folder()), name="echarts")
    return app


# Over 60 lines by design: the core routes (/sparql, /health, /ready, /metrics...) as nested handlers.
def add_core_routes(app: FastAPI, parts: Parts) -> None:
    """/sparql, /health, /ready, the gallery, the home page and the API docs."""
    config, sparql, derived, pool = parts.config, parts.sparql, parts.derived, parts.pool
    query_slots = ConcurrencyCap(config.client_queries or 0)

    async def sparql_endpoint(request: Request) -> Response:
        accept = request.headers.get("accept")
        try:
            body = await read_body(request, config.max_query_bytes)
            protocol_request = parse_request(
                request.method,
                list(request.query_params.multi_items()),
                request.headers.get("content-type"),
                body,
            )
        except BodyTooLarge:
            return to_response(error_reply(413, f"the request body is larger than {config.max_query_bytes} bytes"),
                               accept)  # fmt: skip
        except BodyIncomplete as incomplete:
            return to_response(error_reply(400, str(incomplete)), accept)
        except RequestRejected as rejected:
            return to_response(error_reply(rejected.status, str(rejected)), accept)
        client = request.state.client_address
        if not query_slots.acquire(client):
            metrics.RATE_LIMITED.labels("queries").inc()
            message = f"this client already has {query_slots.per_client} queries running; wait for one to finish"
            return to_response(error_reply(429, message, **{"Retry-After": "1"}), accept)
        try:
            reply = await sparql.handle(
                protocol_request, request.headers.get("accept"), request.headers.get("if-none-match")
            )
        finally:
            query_slots.release(client)
        return to_response(reply, accept)

    # Served through Starlette's own request/response wrapper, first in the routing table:
    # FastAPI's (dependency solving, parameter validation) cost ~0.1 ms a query and gives
    # this handler nothing (bench/README.md). The FastAPI route only documents it in the
    # OpenAPI description; the route above always matches first.
    methods = ["GET", "HEAD", "POST"]
    app.router.routes.insert(0, LeanRoute("/sparql", sparql_endpoint, methods=methods, name="sparql"))
    app.api_route("/sparql", methods=methods, summary="SPARQL 1.1 Protocol query endpoint")(sparql_endpoint)

    @app.get("/health", summary="liveness: answers from memory, whatever else runs")
    async def health() -> JSONResponse:
        return JSONResponse(
            {"status": "ok", "version": __version__, "dataset_version": derived.live_version,
             "workers": pool.state(), "derived": derived.status(),
             "views": parts.views.status() if parts.views is not None else None},
            headers={"Cache-Control": "no-store"},
        )  # fmt: skip

    @app.get("/ready", summary="readiness: the store serves and its derived documents exist")
    async def ready() -> JSONResponse:
        workers = pool.state()
        problems = []
        if derived.live_version is None:
            problems.append("the store has not been read yet")
        if derived.current() is None:
            problems.append("the derived documents (VoID, dumps, sitemap) are not made yet")
        if workers.get("alive", 1) == 0:
            problems.append("no query worker is alive")
        body = {"ready": not problems, "problems": problems, "workers": workers, "derived": derived.status()}
        return JSONResponse(body, status_code=503 if problems else 200, headers={"Cache-Control": "no-store"})

    @app.get("/metrics", summary="Prometheus metrics (off, loopback-only or public: CRITMIN_METRICS)")
    async def prometheus(request: Request) -> Response:
        peer = request.scope.get("client")
        if config.metrics == "off" or (config.metrics == "loopback" and not is_loopback(peer[0] if peer else None)):
            return to_response(error_reply(404, "metrics are not served to this client"))
        age = derived.status()["age_seconds"]
        if age is not None:
            metrics.DERIVED_AGE.set(age)
        return Response(generate_latest(metrics.REGISTRY), media_type=CONTENT_TYPE_LATEST)

    @app.get("/api/queries", summary="the competency questions: the query editor's gallery")
    async def gallery() -> JSONResponse:
        def read() -> list[dict]:  # files on disk: off the event loop
            return [{"name": q.name, "title": q.title, "question": q.question, "returns": q.returns, "query": q.text}
                    for q in queries.all_queries()]  # fmt: skip

        return JSONResponse(await off_loop(read, budget=config.route_timeout))

    @app.get("/api/docs", include_in_schema=False)
    async def api_docs() -> FileResponse:
        return FileResponse(STATIC / "api-docs.html", media_type="text/html; charset=utf-8")
