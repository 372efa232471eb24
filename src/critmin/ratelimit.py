"""Per-client rate limiting: a token bucket per client address."""

from __future__ import annotations

import ipaddress
import time


def is_loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


class RateLimiter:
    """`per_minute` requests a minute per client, in bursts of up to `per_minute`."""

    def __init__(self, per_minute: int, *, limit_loopback: bool = False, max_clients: int = 100_000):
        self.per_minute = per_minute
        self.limit_loopback = limit_loopback
        self.max_clients = max_clients
        self._buckets: dict[str, tuple[float, float]] = {}

    def retry_after(self, client: str | None) -> float | None:
        """None if the request may go ahead, else the seconds until it may."""
        if self.per_minute <= 0 or (is_loopback(client) and not self.limit_loopback):
            return None
        now = time.monotonic()
        rate = self.per_minute / 60.0
        tokens, last = self._buckets.get(client or "?", (float(self.per_minute), now))
        tokens = min(float(self.per_minute), tokens + (now - last) * rate)
        if tokens < 1.0:
            self._buckets[client or "?"] = (tokens, now)
            return (1.0 - tokens) / rate
        if len(self._buckets) >= self.max_clients:
            self._buckets.clear()
        self._buckets[client or "?"] = (tokens - 1.0, now)
        return None
