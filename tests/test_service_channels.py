"""Channels to a service spread calls over every replica its address resolves to."""

from __future__ import annotations

import grpc

from ecopermit.runtime.grpc.channels import service_channel
from ecopermit.runtime.settings import ServiceName, Settings


async def _replica() -> tuple[grpc.aio.Server, int]:
    """A server that answers /test.Replica/Which with its own port."""
    server = grpc.aio.server()
    port_holder: list[int] = []

    async def which(request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
        return str(port_holder[0]).encode()

    handler = grpc.method_handlers_generic_handler(
        "test.Replica", {"Which": grpc.unary_unary_rpc_method_handler(which)}
    )
    server.add_generic_rpc_handlers((handler,))
    port_holder.append(server.add_insecure_port("127.0.0.1:0"))
    await server.start()
    return server, port_holder[0]


async def test_calls_are_spread_over_every_replica_of_a_service(settings: Settings) -> None:
    replicas = [await _replica() for _ in range(2)]
    ports = [port for _, port in replicas]
    # What a headless Service's DNS name gives: one address per replica.
    address = "ipv4:" + ",".join(f"127.0.0.1:{port}" for port in ports)
    channel = service_channel(
        settings.model_copy(update={"reviews_address": address}), ServiceName.REVIEWS
    )
    try:
        which: grpc.aio.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary(
            "/test.Replica/Which"
        )
        answered = {int(await which(b"")) for _ in range(10)}
        assert answered == set(ports)
    finally:
        await channel.close()
        for server, _ in replicas:
            await server.stop(None)
