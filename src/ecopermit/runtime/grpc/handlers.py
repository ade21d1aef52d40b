"""Wrapping the behaviour of unary RPC handlers, the one shape every ecopermit RPC has."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from google.protobuf.message import Message

UnaryBehaviour = Callable[[Message, grpc.aio.ServicerContext[Any, Any]], Awaitable[Message]]
Wrapper = Callable[[UnaryBehaviour], UnaryBehaviour]


def wrap_unary(
    handler: grpc.RpcMethodHandler[Any, Any] | None, wrapper: Wrapper
) -> grpc.RpcMethodHandler[Any, Any] | None:
    """The same handler with its unary-unary behaviour wrapped; streaming handlers unchanged.

    Streaming RPCs are only the health Watch and reflection, which need neither auth nor
    validation.
    """
    if handler is None or handler.unary_unary is None:
        return handler
    return grpc.unary_unary_rpc_method_handler(
        wrapper(_as_coroutine(handler.unary_unary)),
        request_deserializer=handler.request_deserializer,
        response_serializer=handler.response_serializer,
    )


def _as_coroutine(behaviour: Callable[..., Any]) -> UnaryBehaviour:
    # Generated base servicers (methods not implemented yet) are plain functions.
    if inspect.iscoroutinefunction(behaviour):
        return behaviour

    async def coroutine(request: Message, context: grpc.aio.ServicerContext[Any, Any]) -> Message:
        result: Message = behaviour(request, context)
        return result

    return coroutine
