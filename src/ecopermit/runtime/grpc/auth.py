"""Authentication and role checks for every RPC, from the access rules declared in the protos."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

import grpc
from google.protobuf import descriptor_pool
from google.protobuf.message import Message
from opentelemetry import trace

from ecopermit.auth.v1 import access_pb2
from ecopermit.runtime.grpc.handlers import Context, wrap
from ecopermit.runtime.grpc.status import abort
from ecopermit.runtime.identity import ANONYMOUS, Principal, Role
from ecopermit.runtime.tokens import InvalidTokenError, TokenVerifier

# Probes and tooling: Kubernetes calls health without a token; reflection lists only schemas.
PUBLIC_SERVICES = frozenset(
    {
        "grpc.health.v1.Health",
        "grpc.reflection.v1alpha.ServerReflection",
        "grpc.reflection.v1.ServerReflection",
    }
)

_current_principal: ContextVar[Principal] = ContextVar("ecopermit_principal")


def current_principal() -> Principal:
    """The authenticated caller of the RPC being served."""
    return _current_principal.get()


@lru_cache(maxsize=512)
def _access_rule(full_method: str) -> access_pb2.AccessRule:
    """A method's (ecopermit.auth.v1.access) option; an empty rule, admitting no one, if it
    has none. full_method is gRPC's "/package.Service/Method"."""
    service, _, method = full_method.lstrip("/").partition("/")
    try:
        descriptor = descriptor_pool.Default().FindMethodByName(f"{service}.{method}")
    except KeyError:
        return access_pb2.AccessRule()
    options = descriptor.GetOptions()
    extension: Any = access_pb2.access
    if not options.HasExtension(extension):
        return access_pb2.AccessRule()
    rule: access_pb2.AccessRule = options.Extensions[extension]
    return rule


def allowed_roles(full_method: str) -> frozenset[Role]:
    """The roles a method admits; none if it declares no access rule."""
    return frozenset(Role.from_proto(role) for role in _access_rule(full_method).roles)


def open_to_anyone(full_method: str) -> bool:
    """Whether the method may be called without a token, as the public (the law's register
    and certificate verification)."""
    return _access_rule(full_method).anyone


def bearer_token(metadata: Iterable[tuple[str, Any]] | None) -> str | None:
    for key, value in metadata or ():
        if key == "authorization" and isinstance(value, str):
            scheme, _, token = value.partition(" ")
            if scheme.lower() == "bearer" and token:
                return token.strip()
    return None


class AuthInterceptor(grpc.aio.ServerInterceptor):
    """UNAUTHENTICATED without a valid bearer token, PERMISSION_DENIED for a role not admitted."""

    def __init__(self, verifier: TokenVerifier) -> None:
        self._verifier = verifier

    async def intercept_service(
        self,
        continuation: Any,
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler: grpc.RpcMethodHandler[Any, Any] | None = await continuation(handler_call_details)
        full_method: str = handler_call_details.method
        if full_method.lstrip("/").partition("/")[0] in PUBLIC_SERVICES:
            return handler
        roles = allowed_roles(full_method)
        anyone = open_to_anyone(full_method)
        verifier = self._verifier

        @asynccontextmanager
        async def authenticated(_request: Message | None, context: Context) -> AsyncIterator[None]:
            token = bearer_token(context.invocation_metadata())
            if token is None and anyone:
                principal = ANONYMOUS
            elif token is None:
                await abort(context, grpc.StatusCode.UNAUTHENTICATED, "missing bearer token")
            else:
                try:
                    if verifier.needs_network:
                        principal = await asyncio.to_thread(verifier.verify, token)
                    else:
                        principal = verifier.verify(token)
                except InvalidTokenError as error:
                    await abort(context, grpc.StatusCode.UNAUTHENTICATED, str(error))
            trace.get_current_span().set_attribute("enduser.role", principal.role.value)
            if principal.role not in roles:
                # A method without an access rule admits no role at all.
                await abort(
                    context,
                    grpc.StatusCode.PERMISSION_DENIED,
                    f"role {principal.role.value} may not call {full_method}",
                )
            reset = _current_principal.set(principal)
            try:
                yield
            finally:
                _current_principal.reset(reset)

        return wrap(handler, authenticated)
