"""Operator settings of the HTTP service, from the environment or the command line.

| variable | meaning | default |
| --- | --- | --- |
| CRITMIN_QUERY_TIMEOUT | default time limit of a query, seconds | 30 |
| CRITMIN_MAX_QUERY_TIMEOUT | the most a request may ask for (it may only lower) | the default |
| CRITMIN_ROW_LIMIT | most rows (or triples) a result may have; cut results say so | 100000 |
| CRITMIN_QUERY_WORKERS | query worker processes | 4 |
| CRITMIN_MAX_QUERY_BYTES | largest query request body | 1 MB |
| CRITMIN_SERVICE_ALLOWLIST | space-separated endpoint IRI prefixes SERVICE may call | none (SERVICE refused) |
| CRITMIN_RATE_LIMIT | requests per minute per client; 0 is off | 600 |
| CRITMIN_RATE_LIMIT_LOOPBACK | also limit clients on 127.0.0.0/8 and ::1 (0 exempts them) | on |
| CRITMIN_TRUSTED_PROXIES | addresses/CIDRs whose X-Forwarded-For names the client | none |
| CRITMIN_CLIENT_QUERIES | concurrent queries per client (0: no cap) | half the workers, at least 1 |
| CRITMIN_METRICS | /metrics: off, loopback (only to 127.0.0.1/::1) or public | loopback |
| CRITMIN_ROUTE_TIMEOUT | budget of a linked-data request (dereference, ontology, feed), seconds | 10 |
| CRITMIN_CLIENT_UPLOADS | concurrent uploads (/validate, /contributions, /store) per client (0: no cap) | 1 |
| CRITMIN_INLINE_RESULT_BYTES | results larger than this go through a spool file | 1 MB |
| CRITMIN_CACHE_BYTES | memory for cached query results | 64 MB |
| CRITMIN_MAX_CONTRIBUTION_BYTES | largest contribution body | 20 MB |
| CRITMIN_AUTO_PUBLISH | publish conforming contributions at once instead of staging them | off |
| CRITMIN_BASE_URL | the public URL the service is reached at | http://127.0.0.1:8000 |
| CRITMIN_PUBLISHER_NAME, CRITMIN_PUBLISHER_TYPE | the DCAT publisher (name; ADMS type) | a default that says so |
| CRITMIN_CONTACT_NAME, CRITMIN_CONTACT_EMAIL | the DCAT contact point (vCard) | a default that says so; no email |

(The last four are read by `dcat_ap.CatalogSettings`, where the description is made.)
Every variable, these and the others (engines, sandboxes, places), is declared with its
type in `critmin.settings.Environment`; a bad value stops the start with its name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from critmin import settings
from critmin.settings import SettingsError


@dataclass
class ServiceSettings:
    store_path: Path = field(default_factory=settings.default_store_path)
    store_url: str | None = None  # a remote SPARQL engine instead of the embedded store
    query_timeout: float = 30.0
    max_query_timeout: float = 30.0
    row_limit: int = 100_000
    query_workers: int = field(default_factory=settings.default_query_workers)
    max_query_bytes: int = 1 << 20
    service_allowlist: list[str] = field(default_factory=list)
    rate_limit_per_minute: int = 600
    rate_limit_loopback: bool = True
    trusted_proxies: tuple = ()
    client_queries: int | None = None  # None: half the workers, at least two
    client_uploads: int = 1
    route_timeout: float = 10.0
    metrics: str = "loopback"
    cache_bytes: int = 64 << 20
    inline_result_bytes: int = 1 << 20
    base_url: str = "http://127.0.0.1:8000"
    max_contribution_bytes: int = 20 * 1024 * 1024
    auto_publish: bool = False

    @classmethod
    def from_environment(cls, **overrides) -> ServiceSettings:
        """The settings from the CRITMIN_* variables (critmin.settings.Environment, where
        each is typed and checked), then `overrides` (the command line)."""
        from critmin.ratelimit import parse_networks

        env = settings.environment()
        try:
            proxies = parse_networks(env.trusted_proxies.replace(",", " ").split())
        except ValueError as error:
            raise SettingsError(f"CRITMIN_TRUSTED_PROXIES: {error}") from None
        values = dict(
            query_timeout=env.query_timeout,
            max_query_timeout=max(env.query_timeout, env.max_query_timeout or env.query_timeout),
            row_limit=env.row_limit, query_workers=env.query_workers, max_query_bytes=env.max_query_bytes,
            service_allowlist=env.service_allowlist.split(), rate_limit_per_minute=env.rate_limit,
            rate_limit_loopback=env.rate_limit_loopback, trusted_proxies=proxies,
            client_queries=env.client_queries, client_uploads=env.client_uploads, route_timeout=env.route_timeout,
            metrics=env.metrics, cache_bytes=env.cache_bytes, inline_result_bytes=env.inline_result_bytes,
            base_url=env.base_url.rstrip("/"), max_contribution_bytes=env.max_contribution_bytes,
            auto_publish=env.auto_publish,
        )  # fmt: skip
        values.update({k: v for k, v in overrides.items() if v is not None})
        if values["client_queries"] is None:
            values["client_queries"] = max(2, int(values["query_workers"]) // 2)
        return cls(**values)
