"""The baseline for the API: a bare grpc.aio server that answers each method with a fixed
payload, the size of the real response, and does nothing else (no auth, validation or database).

    python -m ecopermit.bench.echo_server serve METHOD=RESPONSE_BYTES [METHOD=RESPONSE_BYTES ...]
prints "echo serving on PORT" once it listens on a free loopback port.
"""

from __future__ import annotations

import asyncio
import signal
import sys

import grpc

SERVICE = "bench.Echo"


def echo_handler(response_bytes: dict[str, int]) -> grpc.GenericRpcHandler:
    """Raw bytes in, a fixed response out: no (de)serialisation on the server either."""

    def answering(size: int) -> grpc.RpcMethodHandler[bytes, bytes]:
        response = b"\x00" * size

        async def answer(request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
            return response

        return grpc.unary_unary_rpc_method_handler(answer)

    return grpc.method_handlers_generic_handler(
        SERVICE, {method: answering(size) for method, size in response_bytes.items()}
    )


async def serve(response_bytes: dict[str, int]) -> None:
    server = grpc.aio.server()
    server.add_generic_rpc_handlers([echo_handler(response_bytes)])
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    print(f"echo serving on {port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    await server.stop(0)


def _sizes(arguments: list[str]) -> dict[str, int]:
    sizes = {}
    for argument in arguments:
        method, _, size = argument.partition("=")
        sizes[method] = int(size)
    return sizes


if __name__ == "__main__":
    if sys.argv[1:2] != ["serve"] or len(sys.argv) < 3:
        sys.exit(__doc__)
    asyncio.run(serve(_sizes(sys.argv[2:])))
