"""Query execution on a remote engine, with the same interface as the worker pool.

The engine evaluates; the service bounds the wait (closing the connection at the
deadline, and answering 503), translates the engine's errors into our status codes,
and re-serialises the answer itself, so that the row limit, the formats and the
headers are the same whatever engine is behind.
"""

from __future__ import annotations

import asyncio
import functools
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox

from critmin.sparql import query_text, result_writers
from critmin.sparql.pool import QueryTimeout
from critmin.sparql.worker import QueryJob, QueryOutcome, SpoolWriter
from critmin.store.remote import (
    ENGINE_CUT,
    FORM,
    RemoteError,
    RemoteStore,
    parse_graph_answer,
    parse_solutions_answer,
    translate,
)


class RemoteExecutor:
    def __init__(self, store: RemoteStore, spool_dir: str, inline_limit: int = 1 << 20, concurrency: int = 8):
        self.store = store
        self.spool_dir = spool_dir
        self.inline_limit = inline_limit
        self._slots = asyncio.Semaphore(concurrency)
        self._client: httpx.AsyncClient | None = None

    def state(self) -> dict:
        """For /health: from memory, no I/O (the engine's own health is the engine's)."""
        return {"kind": "remote engine", "url": self.store.url, "free_slots": self._slots._value}

    async def start(self) -> None:
        self._client = httpx.AsyncClient(timeout=None)

    async def close(self) -> None:
        if self._client:
            await self._client.aclose()

    async def run(self, job: QueryJob, timeout: float) -> QueryOutcome:
        info = query_text.inspect_query(job.query)
        query, defaults, named = self.store.prepare(
            job.query, info, job.default_graphs, job.named_graphs, job.public_graphs, job.base_iri
        )
        if job.base_iri and not any(k == "word" and v.upper() == "BASE" for k, v in query_text.tokens(query)[:1]):
            query = f"BASE <{job.base_iri}>\n{query}"  # engines differ on resolving relative IRIs themselves
        body = urlencode([("query", query)]) + self._dataset_form(defaults, named)
        accept = "application/n-triples" if info.returns_graph else "application/sparql-results+json"
        try:
            async with self._slots:
                response = await asyncio.wait_for(
                    self._client.post(
                        self.store.endpoint.query_url,
                        content=body,
                        headers={"Accept": accept, "Content-Type": FORM},
                    ),
                    timeout,
                )
        except TimeoutError:
            raise QueryTimeout(f"the query ran past its time limit of {timeout:g} s and was stopped") from None
        except httpx.HTTPError as error:
            return QueryOutcome("error", error="evaluation", message=f"the engine could not be reached: {error}")
        try:
            translate(response)
        except SyntaxError as error:
            return QueryOutcome("error", error="syntax", message=str(error))
        except RemoteError as error:
            if error.status == 503:
                raise QueryTimeout(str(error)) from None
            return QueryOutcome("error", error="evaluation", message=str(error))
        outcome = self._write(info, response.content, job)
        # Virtuoso says so when its own result cap (ResultSetMaxRows) cut a SELECT: the
        # client is told as for critmin's row limit (X-Critmin-Truncated). A CONSTRUCT it
        # cuts carries no such sign (bench/README.md, "Remote engines").
        if ENGINE_CUT in response.headers:
            outcome.truncated = True
        return outcome

    @functools.lru_cache(maxsize=64)  # noqa: B019 - one executor per service, the graph list changes rarely
    def _dataset_form(self, defaults: tuple[str, ...], named: tuple[str, ...]) -> str:
        """The dataset parameters, encoded once per graph list (quoting ~40 IRIs is a
        measurable part of a cheap query's cost)."""
        dataset = [("default-graph-uri", g) for g in defaults] + [("named-graph-uri", g) for g in named]
        return "&" + urlencode(dataset) if dataset else ""

    def _write(self, info, content: bytes, job: QueryJob) -> QueryOutcome:
        out = SpoolWriter(self.spool_dir, self.inline_limit)
        if info.returns_graph:
            triples = parse_graph_answer(content)
            kind, written = "graph", result_writers.write_triples(triples, job.result_format, out, job.row_limit)
        else:
            result = parse_solutions_answer(content)
            if isinstance(result, ox.QueryBoolean):
                kind, written = "boolean", result_writers.write_boolean(result, job.result_format, out)
            else:
                kind, written = (
                    "solutions",
                    result_writers.write_solutions(result, job.result_format, out, job.row_limit),
                )
        body = out.finish()
        return QueryOutcome(kind, body, out.path, written.rows, written.truncated, size=out.size)
