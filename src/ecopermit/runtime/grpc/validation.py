"""Request validation against the buf.validate rules in the protos, before any handler runs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from typing import Any

import grpc
import protovalidate
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from ecopermit._vendor.buf.validate import validate_pb2
from ecopermit.domain.errors import FieldViolation
from ecopermit.runtime.grpc.handlers import Context, wrap
from ecopermit.runtime.grpc.status import abort, bad_request


def field_path(violation: validate_pb2.Violation) -> str:
    """The violation's field as a path, e.g. "application.emission_sources[0].source_id"."""
    parts: list[str] = []
    for element in violation.field.elements:
        subscript = element.WhichOneof("subscript")
        if subscript is None:
            parts.append(element.field_name)
        elif subscript == "index":
            parts.append(f"{element.field_name}[{element.index}]")
        else:
            parts.append(f"{element.field_name}[{getattr(element, subscript)!r}]")
    return ".".join(parts)


def as_field_violation(violation: validate_pb2.Violation) -> FieldViolation:
    """The violation as google.rpc.BadRequest reports it; the rule id becomes the reason."""
    return FieldViolation(
        field=field_path(violation), description=violation.message, reason=violation.rule_id
    )


def request_violations(request: Message) -> list[validate_pb2.Violation]:
    """Every rule the request breaks, as classic messages that can travel in a status."""
    # protovalidate 2 returns its own message type; re-reading the bytes gives the classic one.
    return [
        validate_pb2.Violation.FromString(v.proto.to_binary())
        for v in protovalidate.collect_violations(request)
    ]


# google.protobuf.Timestamp's defined range (0001-01-01 to 9999-12-31) and nanosecond bounds.
_TIMESTAMP_SECONDS = range(-62_135_596_800, 253_402_300_800)
_NANOS = range(1_000_000_000)
_TIMESTAMP = "google.protobuf.Timestamp"


def malformed_timestamps(message: Message, prefix: str = "") -> list[FieldViolation]:
    """Timestamps no clock can show (nanos below zero, year 0): buf.validate lets them through,
    and converting one to a datetime would fail inside the handler."""
    found: list[FieldViolation] = []
    for field in _fields_reaching_timestamps(message.DESCRIPTOR):
        is_timestamp = field.message_type is not None and field.message_type.full_name == _TIMESTAMP
        if field.is_repeated:
            items = [
                (f"{prefix}{field.name}[{i}]", item)
                for i, item in enumerate(getattr(message, field.name))
            ]
        elif message.HasField(field.name):
            items = [(f"{prefix}{field.name}", getattr(message, field.name))]
        else:
            continue
        for where, item in items:
            if not is_timestamp:
                found += malformed_timestamps(item, f"{where}.")
            elif item.seconds not in _TIMESTAMP_SECONDS or item.nanos not in _NANOS:
                found.append(
                    FieldViolation(
                        field=where,
                        description="not a valid timestamp",
                        reason="timestamp.well_formed",
                    )
                )
    return found


@cache
def _fields_reaching_timestamps(descriptor: Descriptor) -> tuple[FieldDescriptor, ...]:
    """The message fields of a type that are, or lead to, a Timestamp: every request passes
    through here, and most of a big one (emission sources, documents) holds none."""
    return tuple(
        field
        for field in descriptor.fields
        # No request carries timestamps in maps.
        if field.message_type is not None
        and not field.message_type.GetOptions().map_entry
        and _reaches_timestamp(field.message_type, frozenset())
    )


def _reaches_timestamp(descriptor: Descriptor, seen: frozenset[str]) -> bool:
    if descriptor.full_name == _TIMESTAMP:
        return True
    if descriptor.full_name in seen:  # a recursive type: already being looked through
        return False
    inner = seen | {descriptor.full_name}
    return any(
        field.message_type is not None
        and not field.message_type.GetOptions().map_entry
        and _reaches_timestamp(field.message_type, inner)
        for field in descriptor.fields
    )


# The status travels in trailers, which clients refuse above 8 KiB: a request breaking a
# thousand rules hears about the first few, in the message, and the first ten, in the details.
_MAX_IN_MESSAGE = 3
_MAX_REPORTED = 10


def _summary(fields: list[FieldViolation]) -> str:
    shown = "; ".join(f"{f.field}: {f.description}"[:200] for f in fields[:_MAX_IN_MESSAGE])
    hidden = len(fields) - _MAX_IN_MESSAGE
    return f"{shown}; and {hidden} more" if hidden > 0 else shown


class ValidationInterceptor(grpc.aio.ServerInterceptor):
    """INVALID_ARGUMENT with google.rpc.BadRequest (and buf.validate.Violations) on bad input."""

    async def intercept_service(
        self,
        continuation: Any,
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = await continuation(handler_call_details)
        return wrap(handler, _validated, each_request=_refuse_invalid)


@asynccontextmanager
async def _validated(request: Message | None, context: Context) -> AsyncIterator[None]:
    if request is not None:
        await _refuse_invalid(request, context)
    yield


async def _refuse_invalid(request: Message, context: Context) -> None:
    violations = request_violations(request)
    malformed = malformed_timestamps(request)
    if violations or malformed:
        fields = [as_field_violation(v) for v in violations] + malformed
        await abort(
            context,
            grpc.StatusCode.INVALID_ARGUMENT,
            f"invalid request: {_summary(fields)}",
            [
                bad_request(fields[:_MAX_REPORTED]),
                validate_pb2.Violations(violations=violations[:_MAX_REPORTED]),
            ],
        )
