"""Page tokens sealed at the edge: the next_page_token a list RPC returns leaves signed with a
key from settings, and a page_token comes back in only if its signature holds, so a client
cannot edit a cursor (AIP-158: tokens are opaque to clients). Signed, not encrypted: the cursor
inside (a time and an id) is no secret. The stores keep keyset pagination as it is
(ecopermit.runtime.pagination) and never see a seal."""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache
from typing import Any

import grpc
from google.protobuf import descriptor_pool
from google.protobuf.message import Message

from ecopermit.domain.errors import FieldViolation, InvalidArgumentError
from ecopermit.runtime.settings import Settings

_MAC_BYTES = 16
_REQUEST_FIELD, _RESPONSE_FIELD = "page_token", "next_page_token"
# The reason a page_token not issued here is refused with; /openapi.json states the rule.
INVALID_TOKEN_REASON = "page_token.invalid"  # noqa: S105 - a reason, not a secret


class PageTokenSeal:
    """Signs and checks page tokens with one key (HMAC-SHA256), the same on every replica."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    @classmethod
    def from_settings(cls, settings: Settings) -> PageTokenSeal:
        return cls(settings.page_token_key())

    def _mac(self, token: str) -> str:
        digest = hmac.new(self._key, token.encode(), hashlib.sha256).digest()[:_MAC_BYTES]
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def seal(self, token: str) -> str:
        return f"{token}.{self._mac(token)}" if token else ""

    def open(self, sealed: str) -> str:
        """The store's token inside a sealed one; InvalidArgumentError if it was not issued
        here or was changed."""
        token, _, mac = sealed.rpartition(".")
        # As bytes: compare_digest refuses non-ASCII str, and a client may send anything.
        if not token or not hmac.compare_digest(mac.encode(), self._mac(token).encode()):
            raise InvalidArgumentError(
                [
                    FieldViolation(
                        _REQUEST_FIELD,
                        "page_token is not a token this server issued, or was changed",
                        INVALID_TOKEN_REASON,
                    )
                ]
            )
        return token


@lru_cache(maxsize=512)
def _pages(full_method: str) -> bool:
    """Whether a method takes a page_token and answers with a next_page_token."""
    service, _, method = full_method.lstrip("/").partition("/")
    try:
        descriptor = descriptor_pool.Default().FindMethodByName(f"{service}.{method}")
    except KeyError:
        return False
    return (
        _REQUEST_FIELD in descriptor.input_type.fields_by_name
        and _RESPONSE_FIELD in descriptor.output_type.fields_by_name
    )


class PageTokenInterceptor(grpc.aio.ServerInterceptor):
    """Opens the page_token of every paged request and seals the next_page_token of its
    response. Runs inside the error mapping, so a forged token is INVALID_ARGUMENT."""

    def __init__(self, seal: PageTokenSeal) -> None:
        self._seal = seal

    async def intercept_service(
        self, continuation: Any, handler_call_details: grpc.HandlerCallDetails
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler: grpc.RpcMethodHandler[Any, Any] | None = await continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler  # every paged RPC is unary
        if not _pages(handler_call_details.method):
            return handler
        behaviour = handler.unary_unary
        seal = self._seal

        async def paged(request: Message, context: Any) -> Message:
            token = getattr(request, _REQUEST_FIELD)
            if token:
                setattr(request, _REQUEST_FIELD, seal.open(token))
            response: Message = await behaviour(request, context)
            setattr(response, _RESPONSE_FIELD, seal.seal(getattr(response, _RESPONSE_FIELD)))
            return response

        return grpc.unary_unary_rpc_method_handler(
            paged,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
