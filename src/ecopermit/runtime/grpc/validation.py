"""Request validation against the buf.validate rules in the protos, before any handler runs."""

from __future__ import annotations

from typing import Any

import grpc
import protovalidate
from google.protobuf.message import Message

from ecopermit._vendor.buf.validate import validate_pb2
from ecopermit.domain.errors import FieldViolation
from ecopermit.runtime.grpc.handlers import UnaryBehaviour, wrap_unary
from ecopermit.runtime.grpc.status import abort, bad_request


def field_path(violation: protovalidate.Violation) -> str:
    """The violation's field as a path, e.g. "application.emission_sources[0].source_id"."""
    parts: list[str] = []
    for element in violation.proto.field.elements:
        name = element.field_name
        subscript = element.has_field("index") and f"[{element.index}]"
        for key in ("string_key", "int_key", "uint_key", "bool_key"):
            if element.has_field(key):
                subscript = f"[{getattr(element, key)!r}]"
        parts.append(f"{name}{subscript or ''}")
    return ".".join(parts)


def as_field_violation(violation: protovalidate.Violation) -> FieldViolation:
    """The violation as google.rpc.BadRequest reports it; the rule id becomes the reason."""
    return FieldViolation(
        field=field_path(violation),
        description=violation.proto.message,
        reason=violation.proto.rule_id,
    )


class ValidationInterceptor(grpc.aio.ServerInterceptor):
    """INVALID_ARGUMENT with google.rpc.BadRequest (and buf.validate.Violations) on bad input."""

    async def intercept_service(
        self,
        continuation: Any,
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = await continuation(handler_call_details)
        return wrap_unary(handler, _validated)


def _validated(behaviour: UnaryBehaviour) -> UnaryBehaviour:
    async def validated(request: Message, context: grpc.aio.ServicerContext[Any, Any]) -> Message:
        violations = protovalidate.collect_violations(request)
        if violations:
            paths = [as_field_violation(v) for v in violations]
            rules = validate_pb2.Violations(
                violations=[validate_pb2.Violation.FromString(v.proto.to_binary()) for v in violations]
            )
            summary = "; ".join(f"{p.field}: {p.description}" for p in paths)
            await abort(
                context,
                grpc.StatusCode.INVALID_ARGUMENT,
                f"invalid request: {summary}",
                [bad_request(paths), rules],
            )
        return await behaviour(request, context)

    return validated
