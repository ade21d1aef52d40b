"""How often one client address may call: a token bucket per address, for the gateway as a
whole and, tighter, for signing in. Kept in memory by each replica, so N replicas admit up to
N times the rate; the services' own limits (public comments per author, in the database) hold
across replicas. Behind a proxy the address is the one the proxy forwards
(ECOPERMIT_GATEWAY_FORWARDED_ALLOW_IPS)."""

from __future__ import annotations

import ipaddress
import json
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

# Addresses remembered at most; the least recently seen is forgotten first (a forgotten one
# starts again with a full bucket).
_MAX_CLIENTS = 100_000
# google.rpc.Code RESOURCE_EXHAUSTED.
_RESOURCE_EXHAUSTED = 8


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """`burst` calls at once, then `per_second` more each second, per client address."""

    def __init__(
        self, per_second: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._per_second = per_second
        self._burst = float(burst)
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def take(self, client: str) -> float:
        """0 if the call is admitted (and counted); otherwise the seconds until it would be."""
        now = self._clock()
        bucket = self._buckets.pop(client, None) or _Bucket(self._burst, now)
        bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.updated) * self._per_second)
        bucket.updated = now
        self._buckets[client] = bucket
        if len(self._buckets) > _MAX_CLIENTS:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self._per_second


def client_address(scope: Scope) -> str:
    """Whom a request counts against: its address, or for IPv6 its /64, which one subscriber
    holds whole (rotating within it would otherwise buy a fresh bucket each time)."""
    client = scope.get("client")
    if not client:
        return "unknown"
    address = str(client[0])
    if ":" not in address:
        return address
    try:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    except ValueError:
        return address


def too_many(wait_seconds: float) -> tuple[dict[str, str], bytes]:
    """The headers and google.rpc.Status body of a 429."""
    retry_after = str(max(1, math.ceil(wait_seconds)))
    body = {
        "code": _RESOURCE_EXHAUSTED,
        "message": f"too many requests from this address; retry after {retry_after} s",
        "details": [],
    }
    return {"retry-after": retry_after}, json.dumps(body).encode()


class RequestLimit:
    """ASGI middleware: a request over its address's limit is answered 429 before it is read;
    the health check is never limited."""

    def __init__(self, app: ASGIApp, buckets: TokenBuckets) -> None:
        self.app = app
        self.buckets = buckets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == "/healthz":
            await self.app(scope, receive, send)
            return
        wait = self.buckets.take(client_address(scope))
        if not wait:
            await self.app(scope, receive, send)
            return
        headers, body = too_many(wait)
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    *((k.encode(), v.encode()) for k, v in headers.items()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
