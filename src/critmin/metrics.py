"""What an operator of a public endpoint watches, in the Prometheus text format.

One registry per process (prometheus-client's own model); the app serves it at
/metrics, off, to loopback only (the default) or to everyone (CRITMIN_METRICS).
Route labels are the route templates (`/id/{path:path}`), never raw paths, so that
a crawler cannot blow up the number of series.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info

REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter("critmin_requests", "HTTP requests by route, method and status", ["route", "method", "status"],
                   registry=REGISTRY)  # fmt: skip
LATENCY = Histogram(
    "critmin_request_seconds", "HTTP request latency by route", ["route"], registry=REGISTRY,
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)  # fmt: skip
QUERIES_STOPPED = Counter("critmin_queries_stopped_at_deadline", "queries stopped at their deadline",
                          registry=REGISTRY)  # fmt: skip
WORKERS_REPLACED = Counter("critmin_workers_replaced", "query workers killed or replaced", registry=REGISTRY)
ROWS_TRUNCATED = Counter("critmin_results_truncated", "results cut at the row limit", registry=REGISTRY)
QUERY_SOURCE = Counter(
    "critmin_query_source",
    "queries by what the engine read: the snapshot of the public data or the live store (no snapshot yet)",
    ["source"],
    registry=REGISTRY,
)
CACHE = Counter("critmin_result_cache", "result-cache lookups", ["outcome"], registry=REGISTRY)
CONTRIBUTIONS = Counter("critmin_contributions", "contributions by outcome", ["outcome"], registry=REGISTRY)
RATE_LIMITED = Counter("critmin_rate_limited", "requests refused by a per-client limit", ["limit"],
                       registry=REGISTRY)  # fmt: skip
DERIVED_SECONDS = Gauge("critmin_derived_documents_seconds", "time to make the latest derived documents",
                        registry=REGISTRY)  # fmt: skip
DERIVED_AGE = Gauge("critmin_derived_documents_age_seconds", "age of the derived documents served",
                    registry=REGISTRY)  # fmt: skip
DATASET = Info("critmin_dataset", "the dataset version served", registry=REGISTRY)


class MetricsMiddleware:
    """Counts and times every HTTP request by its route template (plain ASGI)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def recording_send(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "(unrouted)"
            REQUESTS.labels(template, scope["method"], str(status["code"])).inc()
            LATENCY.labels(template).observe(time.perf_counter() - started)
