"""Client side of grpc.health.v1: is a server up and serving?"""

from __future__ import annotations

import asyncio
import time

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


async def is_serving(address: str, service: str = "", rpc_timeout: float = 1.0) -> bool:
    try:
        async with grpc.aio.insecure_channel(address) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            response = await stub.Check(
                health_pb2.HealthCheckRequest(service=service), timeout=rpc_timeout
            )
    except grpc.aio.AioRpcError:
        return False
    return bool(response.status == health_pb2.HealthCheckResponse.SERVING)


async def wait_until_serving(address: str, service: str = "", deadline_seconds: float = 60) -> None:
    """Polls the health service until SERVING; TimeoutError when the deadline passes."""
    give_up = time.monotonic() + deadline_seconds
    while not await is_serving(address, service):
        if time.monotonic() > give_up:
            raise TimeoutError(f"{address} {service or '(server)'} not serving")
        await asyncio.sleep(0.2)
