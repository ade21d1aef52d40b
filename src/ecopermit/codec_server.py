"""`ecopermit codec-server`: Temporal's remote codec protocol over HTTP, so ops can read the
encrypted workflow payloads in the Temporal Web UI (its "codec endpoint" setting) and the CLI
(`temporal workflow show --codec-endpoint ... --codec-auth "Bearer <token>"`).

POST /decode and /encode take and answer `{"payloads": [...]}` (temporal.api.common.v1.Payloads
as proto3 JSON). Only an ops token is served: decoding hands out personal data.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from google.protobuf import json_format
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from temporalio.api.common.v1 import Payload, Payloads

from ecopermit.runtime.identity import Role
from ecopermit.runtime.payload_codec import EncryptionCodec
from ecopermit.runtime.settings import Settings
from ecopermit.runtime.tokens import InvalidTokenError, TokenVerifier

_MAX_BODY_BYTES = 16 * 1024 * 1024


def _refusal(status: int, message: str) -> JSONResponse:
    return JSONResponse({"message": message}, status_code=status)


def create_codec_app(settings: Settings) -> Starlette:
    current, keys = settings.payload_keys_by_id()
    codec = EncryptionCodec(keys, current)
    verifier = TokenVerifier(settings)

    def endpoint(
        convert: Callable[[Payloads], Awaitable[list[Payload]]],
    ) -> Callable[[Request], Awaitable[Response]]:
        async def serve(request: Request) -> Response:
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not token:
                return _refusal(401, "send an ops bearer token (--codec-auth 'Bearer ...')")
            try:
                if verifier.needs_network:  # a JWKS fetch must not hold up the event loop
                    principal = await asyncio.to_thread(verifier.verify, token.strip())
                else:
                    principal = verifier.verify(token.strip())
            except InvalidTokenError as error:
                return _refusal(401, str(error))
            if principal.role is not Role.OPS:
                return _refusal(403, "only ops may read workflow payloads")
            body = await request.body()
            if len(body) > _MAX_BODY_BYTES:
                return _refusal(413, f"more than {_MAX_BODY_BYTES} bytes")
            payloads = Payloads()
            try:
                json_format.Parse(body, payloads)
                converted = await convert(payloads)
            # PayloadKeyError and a body or key id that is not UTF-8 are ValueErrors too.
            except (json_format.ParseError, ValueError) as error:
                return _refusal(400, str(error))
            return JSONResponse(json_format.MessageToDict(Payloads(payloads=converted)))

        return serve

    async def decode(payloads: Payloads) -> list[Payload]:
        return await codec.decode(payloads.payloads)

    async def encode(payloads: Payloads) -> list[Payload]:
        return await codec.encode(payloads.payloads)

    return Starlette(
        routes=[
            Route("/decode", endpoint(decode), methods=["POST"]),
            Route("/encode", endpoint(encode), methods=["POST"]),
        ],
        middleware=[
            # The Temporal Web UI calls from its own origin, with the person's credentials.
            Middleware(
                CORSMiddleware,
                allow_origins=[settings.temporal_ui_base()],
                allow_methods=["POST"],
                allow_headers=["authorization", "content-type", "x-namespace"],
                allow_credentials=True,
            )
        ],
    )
