"""The /sparql endpoint's logic: format choice, limits, caching, evaluation.

Framework-free: it takes a parsed protocol request and the client's headers and
returns a Reply (status, headers, body or file) that the HTTP layer sends as is.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from dataclasses import dataclass, field

from critmin import metrics, negotiation
from critmin.errors import PROBLEM_JSON, problem_document
from critmin.negotiation import etag_matches, with_charset
from critmin.rdf import formats
from critmin.rdf.namespaces import PREFIXES
from critmin.service_settings import ServiceSettings
from critmin.sparql.cache import CachedResult, ResultCache, cache_key
from critmin.sparql.pool import QueryPool, QueryTimeout, WorkerCrashed
from critmin.sparql.protocol import ProtocolRequest
from critmin.sparql.query_text import QueryInfo, RequestRejected, check_services, dataset_clauses, inspect_query
from critmin.sparql.syntax_errors import explain
from critmin.sparql.worker import QueryJob
from critmin.store import LiveView
from critmin.store.visibility import restrict

# What each kind of result can be sent as: (media type, writer format), in the
# server's order of preference (the first is the default for */*).
SOLUTION_OFFERS = formats.offers("solutions")
GRAPH_OFFERS = formats.offers("graph")
_DESCRIPTION = [formats.BY_KEY[k] for k in ("turtle", "jsonld", "rdfxml", "ntriples")]
DESCRIPTION_OFFERS = [(f.media_type, f.rdflib) for f in _DESCRIPTION] + [
    (a, f.rdflib) for f in _DESCRIPTION for a in f.aliases if a in ("application/json", "application/xml")
]
DESCRIPTION_FILES = {m: formats.RDF_BY_MEDIA_TYPE[m].suffix for m, _ in DESCRIPTION_OFFERS}  # derived documents
# How long a query waits for the snapshot of the public data after a write (bounded by
# half its own deadline) before it reads the live store with the public list instead.
SNAPSHOT_WAIT = 2.0
FORMAT_NAMES = {
    "json": ("json", "jsonld"),
    "xml": ("xml", "rdfxml"),
    "csv": ("csv", None),
    "tsv": ("tsv", None),
    "turtle": (None, "turtle"),
    "ttl": (None, "turtle"),
    "ntriples": (None, "ntriples"),
    "nt": (None, "ntriples"),
    "n-triples": (None, "ntriples"),
    "jsonld": (None, "jsonld"),
    "json-ld": (None, "jsonld"),
    "rdfxml": (None, "rdfxml"),
    "rdf": (None, "rdfxml"),
    "rdf+xml": (None, "rdfxml"),
    "n3": (None, "turtle"),
    "trig": (None, "trig"),
    "nquads": (None, "nquads"),
    "nq": (None, "nquads"),
}
RETRY_AFTER_SECONDS = 10
EXPOSED_HEADERS = [
    "ETag", "Link", "Content-Location", "Retry-After",
    "X-Critmin-Dataset-Version", "X-Critmin-Row-Limit", "X-Critmin-Truncated", "X-Critmin-Rows",
]  # fmt: skip


@dataclass
class Reply:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    file_path: str | None = None
    media_type: str = "text/plain; charset=utf-8"
    problem: dict | None = None  # an error's problem document, rendered as the client asks (web/problems.py)


def error_reply(status: int, message: str, **headers: str) -> Reply:
    document = problem_document(status, message.rstrip())
    return Reply(status, dict(headers), json.dumps(document).encode(), media_type=PROBLEM_JSON, problem=document)


def query_dataset(request: ProtocolRequest, info: QueryInfo, base: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """The query text and the dataset it runs on: the protocol's parameters, else the
    query's FROM and FROM NAMED (SPARQL 1.1 Protocol, 2.1.4), which leave the text so
    that every engine gets the dataset from critmin alone, restricted to the public."""
    clauses = dataset_clauses(request.query, base, PREFIXES) if info.names_dataset else None
    if clauses is None or not (clauses.defaults or clauses.named):
        return request.query, request.default_graphs, request.named_graphs
    if request.default_graphs or request.named_graphs:
        return clauses.text, request.default_graphs, request.named_graphs
    return clauses.text, clauses.defaults, clauses.named


class SparqlService:
    def __init__(self, settings: ServiceSettings, pool: QueryPool, live: LiveView, cache: ResultCache,
                 public_graphs=None):  # fmt: skip
        self.settings = settings
        self.pool = pool
        self.live = live
        self.cache = cache
        self.public_graphs = public_graphs or (lambda: None)  # the default dataset's graphs
        self.derived = None  # critmin.linked_data.derived.DerivedDocuments, set by the app
        self.views = None  # critmin.store.views.PublicViews on an embedded store, set by the app

    @property
    def endpoint(self) -> str:
        return f"{self.settings.base_url}/sparql"

    # --- choices made before evaluation --------------------------------------------

    def choose_format(self, returns_graph: bool, requested: list[str], accept: str | None) -> tuple[str, str]:
        offers = GRAPH_OFFERS if returns_graph else SOLUTION_OFFERS
        if requested:
            for name in (r.strip().lower() for r in requested):
                for media_type, key in offers:
                    if name == media_type:
                        return media_type, key
                solution_key, graph_key = FORMAT_NAMES.get(name, (None, None))
                key = graph_key if returns_graph else solution_key
                if key is not None:
                    return next(m for m, k in offers if k == key), key
            kinds = "a graph (CONSTRUCT/DESCRIBE)" if returns_graph else "solutions (SELECT/ASK)"
            raise RequestRejected(f"format={', '.join(requested)} does not fit a query that returns {kinds}", 400)
        media_type = negotiation.choose(accept, [m for m, _ in offers])
        if media_type is None and returns_graph:
            # Clients that ask every query for result types (rdflib's SPARQLStore does)
            # get the RDF syntax of the same family, as Fuseki and Virtuoso answer them.
            fallback = {"application/sparql-results+xml": "application/rdf+xml",
                        "application/sparql-results+json": "application/ld+json"}  # fmt: skip
            chosen = negotiation.choose(accept, list(fallback))
            media_type = fallback.get(chosen) if chosen else None
        if media_type is None:
            available = ", ".join(dict.fromkeys(m for m, _ in offers))
            raise RequestRejected(f"none of the accepted media types can be produced; available: {available}", 406)
        return media_type, dict(offers)[media_type]

    def choose_timeout(self, requested: str | None) -> float:
        timeout = self.settings.query_timeout
        if requested is None:
            return timeout
        try:
            value = float(requested)
        except ValueError:
            raise RequestRejected(f"timeout={requested} is not a number of seconds", 400) from None
        if not math.isfinite(value) or value <= 0:
            raise RequestRejected("timeout must be a positive number of seconds", 400)
        return min(value, self.settings.max_query_timeout)

    # --- the request ---------------------------------------------------------------

    def describe(self, accept: str | None) -> Reply:
        media_type = negotiation.choose(accept, [m for m, _ in DESCRIPTION_OFFERS])
        if media_type is None:
            return error_reply(406, "the service description is available as Turtle, JSON-LD, RDF/XML, N-Triples")
        current = self.derived.current() if self.derived is not None else None
        if current is None:
            return error_reply(503, "the service description is being made; try again shortly", **{"Retry-After": "5"})
        key = DESCRIPTION_FILES[media_type]
        body = current.service_file(key).read_bytes()
        return Reply(200, {"Vary": "Accept", "ETag": f'W/"sd-{current.version}-{key}"'}, body,
                     media_type=with_charset(media_type))  # fmt: skip

    async def handle(self, request: ProtocolRequest, accept: str | None, if_none_match: str | None) -> Reply:
        try:
            return await self._handle(request, accept, if_none_match)
        except RequestRejected as rejected:
            return error_reply(rejected.status, str(rejected))

    async def _handle(self, request: ProtocolRequest, accept: str | None, if_none_match: str | None) -> Reply:
        if request.query is None:
            return self.describe(accept)
        info = inspect_query(request.query)
        check_services(info, self.settings.service_allowlist)
        media_type, fmt = self.choose_format(info.returns_graph, request.formats, accept)
        timeout = self.choose_timeout(request.options.get("timeout"))
        version = self.live.get().dataset_version() or "unversioned"
        limit = self.settings.row_limit
        key = cache_key(version, request.query, request.default_graphs, request.named_graphs, media_type, limit)
        headers = {
            "ETag": f'W/"{key}"',
            "Vary": "Accept",
            "Cache-Control": "no-cache",
            "X-Critmin-Dataset-Version": version,
            "X-Critmin-Row-Limit": str(limit),
        }
        if etag_matches(if_none_match, headers["ETag"]):
            return Reply(304, headers)
        if cached := self.cache.get(key):
            metrics.CACHE.labels("hit").inc()
            return self._success(headers, cached.media_type, cached.rows, cached.truncated, body=cached.body)

        public = self.public_graphs()
        metrics.CACHE.labels("miss").inc()
        # On a snapshot of the public data the engine's union is the public union: no list.
        generation, view = await self._public_snapshot(timeout)
        text, defaults, named = query_dataset(request, info, self.endpoint)
        job = QueryJob(
            text, fmt, limit, restrict(defaults, public), restrict(named, public),
            self.endpoint, generation=generation, public_graphs=None if view else public, view=view,
        )  # fmt: skip
        try:
            outcome = await self.pool.run(job, timeout)
        except QueryTimeout as timeout_error:
            metrics.QUERIES_STOPPED.inc()
            return error_reply(503, str(timeout_error), **{"Retry-After": str(RETRY_AFTER_SECONDS)})
        except WorkerCrashed as crash:
            # No retry: a query that crashes its worker would crash the next one too. The
            # pool has already replaced the worker; the client may try again.
            return error_reply(503, f"{crash}; try again", **{"Retry-After": str(RETRY_AFTER_SECONDS)})
        if outcome.kind == "error":
            if outcome.error == "syntax":
                return error_reply(400, f"SPARQL syntax error at {explain(request.query, outcome.message, PREFIXES)}")
            if outcome.error == "unwritable":
                return error_reply(406, outcome.message)
            if outcome.error == "unavailable":
                return error_reply(503, f"{outcome.message}; try again", **{"Retry-After": str(RETRY_AFTER_SECONDS)})
            if outcome.error == "storage":
                return error_reply(507, f"{outcome.message}; try again later", **{"Retry-After": "60"})
            return error_reply(500, f"query evaluation failed: {outcome.message}")
        media_type = with_charset(media_type)
        if outcome.body is not None:
            self.cache.put(key, CachedResult(outcome.body, media_type, outcome.rows, outcome.truncated))
        return self._success(
            headers, media_type, outcome.rows, outcome.truncated, body=outcome.body, file_path=outcome.spool_path
        )

    async def _public_snapshot(self, timeout: float) -> tuple[str, str | None]:
        """The live generation and the snapshot of its public data (store/views.py), if
        there is one. Right after a write it is being made (0.06 s at 1M): waiting for it
        beats both other ways, the public list (9-25x slower at 1M) and a read of the live
        database (a read-only open beside the writer races its compactions). Not longer
        than SNAPSHOT_WAIT or half the query's deadline, and not at all when making this
        generation's snapshot failed: then the live store and the list, as before."""
        generation = self.live.generation
        if self.views is None:
            return generation, None
        view = self.views.current(generation)
        if view is None:
            self.views.refresh()
            deadline = time.monotonic() + min(SNAPSHOT_WAIT, timeout / 2)
            while view is None and not self.views.failed(generation) and time.monotonic() < deadline:
                await asyncio.sleep(0.005)
                generation = self.live.generation  # another write meanwhile: its snapshot will do
                view = self.views.current(generation)
        metrics.QUERY_SOURCE.labels("snapshot" if view else "live").inc()
        return generation, view

    @staticmethod
    def _success(headers, media_type, rows, truncated, *, body=None, file_path=None) -> Reply:
        headers = {**headers, "X-Critmin-Rows": str(rows)}
        if truncated:
            metrics.ROWS_TRUNCATED.inc()
            headers["X-Critmin-Truncated"] = "true"
        return Reply(200, headers, body or b"", file_path, media_type)
