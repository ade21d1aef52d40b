"""Wrapping RPC handlers of every shape in the same checks.

Authentication, error mapping, the application's trace scope and validation each say what runs
around a call (and, for a request stream, what runs on each message); this module applies that
to unary calls, uploads (a request stream) and downloads (a response stream) alike, so a
streaming RPC passes the same checks as a unary one.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import grpc
from google.protobuf.message import Message

Context = grpc.aio.ServicerContext[Any, Any]
# What runs around a whole call; the request is None when the client streams its requests.
Around = Callable[[Message | None, Context], AbstractAsyncContextManager[None]]
# What runs on each message of a request stream before the handler sees it.
EachRequest = Callable[[Message, Context], Awaitable[None]]


def wrap(
    handler: grpc.RpcMethodHandler[Any, Any] | None,
    around: Around,
    each_request: EachRequest | None = None,
) -> grpc.RpcMethodHandler[Any, Any] | None:
    """The same handler, with around() entered for every call and each_request() applied to
    every streamed request message."""
    if handler is None:
        return None
    codec = {
        "request_deserializer": handler.request_deserializer,
        "response_serializer": handler.response_serializer,
    }
    if handler.unary_unary is not None:
        unary = _as_coroutine(handler.unary_unary)

        async def unary_unary(request: Message, context: Context) -> Any:
            async with around(request, context):
                return await unary(request, context)

        return grpc.unary_unary_rpc_method_handler(unary_unary, **codec)
    if handler.unary_stream is not None:
        return grpc.unary_stream_rpc_method_handler(
            _around_stream(handler.unary_stream, around, lambda request, _: request), **codec
        )

    def requests_checked(requests: Any, context: Context) -> Any:
        return _each(requests, context, each_request) if each_request else requests

    if handler.stream_unary is not None:
        stream_in: Callable[..., Any] = handler.stream_unary

        async def stream_unary(requests: Any, context: Context) -> Any:
            async with around(None, context):
                return await stream_in(requests_checked(requests, context), context)

        return grpc.stream_unary_rpc_method_handler(stream_unary, **codec)
    stream_stream: Callable[..., Any] | None = handler.stream_stream
    assert stream_stream is not None  # a handler has one of the four shapes
    return grpc.stream_stream_rpc_method_handler(
        _around_stream(stream_stream, around, requests_checked, streamed=True), **codec
    )


def _around_stream(
    behaviour: Callable[..., Any],
    around: Around,
    requests: Callable[[Any, Context], Any],
    *,
    streamed: bool = False,
) -> Callable[..., Any]:
    """A response-streaming behaviour inside around(): an async generator is re-yielded, one
    that writes with context.write() (gRPC's health Watch) is awaited."""
    if inspect.isasyncgenfunction(behaviour):

        async def generator(request: Any, context: Context) -> AsyncIterator[Any]:
            async with around(None if streamed else request, context):
                async for response in behaviour(requests(request, context), context):
                    yield response

        return generator

    async def writer(request: Any, context: Context) -> Any:
        async with around(None if streamed else request, context):
            return await behaviour(requests(request, context), context)

    return writer


async def _each(
    requests: AsyncIterator[Message], context: Context, each_request: EachRequest
) -> AsyncIterator[Message]:
    async for request in requests:
        await each_request(request, context)
        yield request


def _as_coroutine(behaviour: Callable[..., Any]) -> Callable[[Message, Context], Awaitable[Any]]:
    # Generated base servicers (methods not implemented yet) are plain functions.
    if inspect.iscoroutinefunction(behaviour):
        return behaviour

    async def coroutine(request: Message, context: Context) -> Any:
        return behaviour(request, context)

    return coroutine
