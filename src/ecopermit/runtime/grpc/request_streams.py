"""A client-streaming call refused early (a declaration refused, a file over its declared size)
reads the rest of what the client is sending before it answers.

Otherwise the answer races the client's next write: when the write fails first, gRPC's client
reports "Internal error from Core" (INTERNAL) in place of the service's own status, and an HTTP
client of the gateway sees a 500 instead of the 403 or 400 it earned (schemathesis found it,
about one upload in thirty). The rest is read before context.abort() (a stream cannot be read
once aborted), whichever check aborts, and before an unexpected error leaves the handler.
Reading is bounded: at most max_bytes more, for at most a minute.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import grpc
from google.protobuf.message import Message

_DRAIN_SECONDS = 60.0


class _Followed:
    """The request stream, remembering whether the client finished sending."""

    def __init__(self, requests: AsyncIterator[Message], max_bytes: int) -> None:
        self._requests = requests
        self._max_bytes = max_bytes
        self.finished = False

    def __aiter__(self) -> _Followed:
        return self

    async def __anext__(self) -> Message:
        try:
            return await anext(self._requests)
        except StopAsyncIteration:
            self.finished = True
            raise

    async def drain(self) -> None:
        """Reads and drops what is left; gives up quietly past the bounds (the client then
        may see INTERNAL, as it would have anyway)."""
        read = 0
        with contextlib.suppress(Exception):
            async with asyncio.timeout(_DRAIN_SECONDS):
                while not self.finished and read <= self._max_bytes:
                    read += (await anext(self)).ByteSize()


class _DrainingContext:
    """The servicer context, whose abort() first reads the rest of the request stream."""

    def __init__(self, context: Any, requests: _Followed) -> None:
        self._context = context
        self._requests = requests

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)

    async def abort(self, *args: Any, **kwargs: Any) -> Any:
        await self._requests.drain()
        return await self._context.abort(*args, **kwargs)

    async def abort_with_status(self, *args: Any, **kwargs: Any) -> Any:
        await self._requests.drain()
        return await self._context.abort_with_status(*args, **kwargs)


class DrainRefusedStreams(grpc.aio.ServerInterceptor):
    def __init__(self, max_bytes: int) -> None:
        self._max_bytes = max_bytes

    async def intercept_service(
        self, continuation: Any, handler_call_details: grpc.HandlerCallDetails
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler: grpc.RpcMethodHandler[Any, Any] | None = await continuation(handler_call_details)
        if handler is None or handler.stream_unary is None:
            return handler
        inner = handler.stream_unary
        max_bytes = self._max_bytes

        async def stream_unary(requests: AsyncIterator[Message], context: Any) -> Any:
            followed: Any = _Followed(requests, max_bytes)
            try:
                draining: Any = _DrainingContext(context, followed)  # stands in for the context
                return await inner(followed, draining)
            except Exception:
                await followed.drain()  # a no-op after an abort, which drained already
                raise

        return grpc.stream_unary_rpc_method_handler(
            stream_unary,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
