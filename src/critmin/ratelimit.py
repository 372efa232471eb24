"""Fair shares per client: who a client is (behind trusted proxies only), a token
bucket of requests per minute, and a cap on concurrent queries.

All three key on the same client address, computed once per request by
`client_address`: the peer address, or, when the peer is a configured trusted proxy,
the right-most `X-Forwarded-For` entry that is not itself a trusted proxy. A header
from anyone else is ignored, so a client cannot pick its own identity.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections import OrderedDict
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def is_loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """Addresses or CIDR blocks; a bad entry raises ValueError naming it."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(f"not an IP address or network: {entry!r}") from None
    return tuple(networks)


def _in(host: str, networks: tuple[Network, ...]) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in networks)


def client_address(peer: str | None, forwarded_for: str | None, trusted: tuple[Network, ...]) -> str:
    """The address the limits apply to (see the module docstring)."""
    host = peer or "?"
    if not trusted or not forwarded_for or not _in(host, trusted):
        return host
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not _in(hop, trusted):
            return hop
    return host


class RateLimiter:
    """`per_minute` requests a minute per client, in bursts of up to `per_minute`.

    The client table is bounded: when it is full the least recently seen client is
    evicted (clearing every bucket would let everyone through at once)."""

    def __init__(self, per_minute: int, *, limit_loopback: bool = True, max_clients: int = 100_000):
        self.per_minute = per_minute
        self.limit_loopback = limit_loopback
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def retry_after(self, client: str | None, now: float | None = None) -> float | None:
        """None if the request may go ahead, else the seconds until it may."""
        if self.per_minute <= 0 or (is_loopback(client) and not self.limit_loopback):
            return None
        now = time.monotonic() if now is None else now
        key = client or "?"
        rate = self.per_minute / 60.0
        tokens, last = self._buckets.pop(key, (float(self.per_minute), now))
        tokens = min(float(self.per_minute), tokens + (now - last) * rate)
        while len(self._buckets) >= self.max_clients:
            self._buckets.popitem(last=False)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / rate
        self._buckets[key] = (tokens - 1.0, now)
        return None

    @staticmethod
    def header_value(wait: float) -> str:
        return str(max(1, math.ceil(wait)))


class ConcurrencyCap:
    """At most `per_client` requests of one client in flight at once (0: no cap): one
    client cannot take every query worker."""

    def __init__(self, per_client: int):
        self.per_client = per_client
        self._running: dict[str, int] = {}

    def acquire(self, client: str) -> bool:
        if self.per_client <= 0:
            return True
        count = self._running.get(client, 0)
        if count >= self.per_client:
            return False
        self._running[client] = count + 1
        return True

    def release(self, client: str) -> None:
        if self.per_client <= 0:
            return
        count = self._running.get(client, 0) - 1
        if count > 0:
            self._running[client] = count
        else:
            self._running.pop(client, None)
