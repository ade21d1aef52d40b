"""The gateway process: the ASGI application under uvicorn, with channels to the services."""

from __future__ import annotations

import uvicorn

from ecopermit.runtime.grpc.channels import service_channel
from ecopermit.runtime.settings import ServiceName, Settings
from ecopermit.services.gateway.app import create_app


async def run_gateway(settings: Settings, port: int | None = None) -> None:
    """Serves until SIGTERM or SIGINT (uvicorn's own handling: in-flight requests finish)."""
    channels = {service: service_channel(settings, service) for service in ServiceName}
    config = uvicorn.Config(
        create_app(channels, settings),
        host=settings.host,
        port=settings.gateway_port if port is None else port,
        lifespan="off",
        timeout_graceful_shutdown=int(settings.shutdown_grace_seconds),
        # Behind a proxy in production, which sets these headers: the client address the rate
        # limits count by is the one the proxy forwards.
        proxy_headers=True,
        forwarded_allow_ips=settings.gateway_forwarded_allow_ips or None,
        server_header=False,
    )
    try:
        await uvicorn.Server(config).serve()
    finally:
        for channel in channels.values():
            await channel.close()
