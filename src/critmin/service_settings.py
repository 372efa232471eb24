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
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from critmin import settings
from critmin.settings import SettingsError


def _number(name: str, default: float) -> float:
    return settings.env_number(name, default)


def _choice(name: str, choices: tuple[str, ...], default: str) -> str:
    value = os.environ.get(name) or default
    if value not in choices:
        raise SettingsError(f"{name}={value!r} is not one of {', '.join(choices)}")
    return value


def _networks(name: str) -> tuple:
    from critmin.ratelimit import parse_networks

    try:
        return parse_networks(os.environ.get(name, "").replace(",", " ").split())
    except ValueError as error:
        raise SettingsError(f"{name}: {error}") from None


@dataclass
class ServiceSettings:
    store_path: Path = field(default_factory=settings.default_store_path)
    store_url: str | None = None  # a remote SPARQL engine instead of the embedded store
    query_timeout: float = 30.0
    max_query_timeout: float = 30.0
    row_limit: int = 100_000
    query_workers: int = 4
    max_query_bytes: int = 1 << 20
    service_allowlist: list[str] = field(default_factory=list)
    rate_limit_per_minute: int = 600
    rate_limit_loopback: bool = True
    trusted_proxies: tuple = ()
    client_queries: int | None = None  # None: half the workers, at least one
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
        timeout = _number("CRITMIN_QUERY_TIMEOUT", 30.0)
        values = dict(
            query_timeout=timeout,
            max_query_timeout=max(timeout, _number("CRITMIN_MAX_QUERY_TIMEOUT", timeout)),
            row_limit=int(_number("CRITMIN_ROW_LIMIT", 100_000)),
            query_workers=int(_number("CRITMIN_QUERY_WORKERS", 4)),
            max_query_bytes=int(_number("CRITMIN_MAX_QUERY_BYTES", 1 << 20)),
            service_allowlist=os.environ.get("CRITMIN_SERVICE_ALLOWLIST", "").split(),
            rate_limit_per_minute=int(_number("CRITMIN_RATE_LIMIT", 600)),
            rate_limit_loopback=os.environ.get("CRITMIN_RATE_LIMIT_LOOPBACK", "1") not in ("0", "false", "off"),
            trusted_proxies=_networks("CRITMIN_TRUSTED_PROXIES"),
            client_queries=int(_number("CRITMIN_CLIENT_QUERIES", -1)),
            client_uploads=int(_number("CRITMIN_CLIENT_UPLOADS", 1)),
            route_timeout=_number("CRITMIN_ROUTE_TIMEOUT", 10.0),
            metrics=_choice("CRITMIN_METRICS", ("off", "loopback", "public"), "loopback"),
            cache_bytes=int(_number("CRITMIN_CACHE_BYTES", 64 << 20)),
            inline_result_bytes=int(_number("CRITMIN_INLINE_RESULT_BYTES", 1 << 20)),
            base_url=os.environ.get("CRITMIN_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
            max_contribution_bytes=int(_number("CRITMIN_MAX_CONTRIBUTION_BYTES", 20 * 1024 * 1024)),
            auto_publish=os.environ.get("CRITMIN_AUTO_PUBLISH", "") not in ("", "0", "false"),
        )
        values.update({k: v for k, v in overrides.items() if v is not None})
        if values["client_queries"] < 0:
            values["client_queries"] = max(1, int(values["query_workers"]) // 2)
        return cls(**values)
