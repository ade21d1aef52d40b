"""Bootstrap of a grpc.aio server: interceptors, health, reflection and graceful shutdown."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1.health import aio as health_aio
from grpc_reflection.v1alpha import reflection
from opentelemetry.instrumentation.grpc import aio_server_interceptor, filters
from opentelemetry.trace import TracerProvider

from ecopermit.runtime.grpc.application_scope import ApplicationScopeInterceptor
from ecopermit.runtime.grpc.auth import AuthInterceptor
from ecopermit.runtime.grpc.errors import ErrorMappingInterceptor
from ecopermit.runtime.grpc.page_tokens import PageTokenInterceptor, PageTokenSeal
from ecopermit.runtime.grpc.request_streams import DrainRefusedStreams
from ecopermit.runtime.grpc.validation import ValidationInterceptor
from ecopermit.runtime.tokens import TokenVerifier

logger = logging.getLogger(__name__)

# Requests are bounded by the proto rules; this only stops a client from sending gigabytes.
_MAX_MESSAGE_BYTES = 16 * 1024 * 1024
_MAX_CONNECTION_AGE_MS = 5 * 60 * 1000
_MAX_CONNECTION_AGE_GRACE_MS = 30 * 1000


@dataclass(frozen=True)
class ServiceRegistration:
    """A servicer and the generated function that adds it to a server."""

    full_name: str  # e.g. "ecopermit.applicants.v1.ApplicantService"
    servicer: object
    add_to_server: Callable[[Any, grpc.aio.Server], None]


@dataclass(frozen=True)
class RunningServer:
    server: grpc.aio.Server
    port: int
    health: health_aio.HealthServicer
    service_names: tuple[str, ...]

    async def stop(self, grace_seconds: float) -> None:
        """Reports NOT_SERVING first so balancers drain, then lets in-flight calls finish."""
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace_seconds)


async def start_server(
    registrations: Sequence[ServiceRegistration],
    *,
    host: str,
    port: int,
    verifier: TokenVerifier,
    page_tokens: PageTokenSeal,
    tracer_provider: TracerProvider | None = None,
) -> RunningServer:
    """Starts serving on host:port (port 0 picks a free one) and reports every service SERVING.

    Interceptors run outermost first: the server span (continuing the caller's traceparent),
    reading the rest of a refused request stream, error mapping, authentication, the
    application's trace attributes, validation, the page token's seal, then the handler.
    """
    # Probes call health every few seconds; their spans would drown the application's.
    traced = filters.negate(filters.service_prefix("grpc.health.v1"))
    server = grpc.aio.server(
        interceptors=[
            aio_server_interceptor(tracer_provider=tracer_provider, filter_=traced),
            # An upload is at most settings.max_document_bytes (100 MiB at most) and its framing.
            DrainRefusedStreams(max_bytes=128 * 1024 * 1024),
            ErrorMappingInterceptor(),
            AuthInterceptor(verifier),
            ApplicationScopeInterceptor(),
            ValidationInterceptor(),
            PageTokenInterceptor(page_tokens),
        ],
        options=[
            ("grpc.max_receive_message_length", _MAX_MESSAGE_BYTES),
            ("grpc.so_reuseport", 0),
            # Clients reconnect now and then, resolving the address again: replicas added by
            # a scale-up get their share of calls (see ecopermit.runtime.grpc.channels).
            ("grpc.max_connection_age_ms", _MAX_CONNECTION_AGE_MS),
            ("grpc.max_connection_age_grace_ms", _MAX_CONNECTION_AGE_GRACE_MS),
        ],
    )
    for registration in registrations:
        registration.add_to_server(registration.servicer, server)
    health = health_aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    names = tuple(r.full_name for r in registrations)
    reflection.enable_server_reflection(
        (
            *names,
            health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
            reflection.SERVICE_NAME,
        ),
        server,
    )
    bound_port = server.add_insecure_port(f"{host}:{port}")  # raises if it cannot bind
    await server.start()
    for name in ("", *names):
        await health.set(name, health_pb2.HealthCheckResponse.SERVING)
    return RunningServer(server=server, port=bound_port, health=health, service_names=names)


async def serve_until_signalled(running: RunningServer, grace_seconds: float) -> None:
    """Serves until SIGTERM or SIGINT, then shuts down gracefully."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    logger.info("serving %s on port %d", ", ".join(running.service_names), running.port)
    await stop.wait()
    logger.info("shutting down, letting in-flight calls finish for up to %.0f s", grace_seconds)
    await running.stop(grace_seconds)
