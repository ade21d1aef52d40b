"""Rich gRPC error statuses (google.rpc.Status with details), as AIP-193 describes them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NoReturn

import grpc
from google.protobuf import any_pb2
from google.protobuf.message import Message
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from ecopermit.domain.errors import ERROR_DOMAIN, DomainError, FieldViolation


def bad_request(violations: Iterable[FieldViolation]) -> error_details_pb2.BadRequest:
    return error_details_pb2.BadRequest(
        field_violations=[
            error_details_pb2.BadRequest.FieldViolation(
                field=v.field, description=v.description, reason=v.reason
            )
            for v in violations
        ]
    )


def error_info(error: DomainError) -> list[error_details_pb2.ErrorInfo]:
    """The refusal's machine-readable reason, when it has one (AIP-193 ErrorInfo)."""
    if not error.reason:
        return []
    return [error_details_pb2.ErrorInfo(reason=error.reason, domain=ERROR_DOMAIN)]


def reason_of(error: grpc.aio.AioRpcError) -> str:
    """The ErrorInfo reason a service attached to its refusal; empty when it gave none."""
    status = rpc_status.from_call(error)
    if status is None:
        return ""
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            if info.domain == ERROR_DOMAIN:
                return str(info.reason)
    return ""


async def abort(
    context: grpc.aio.ServicerContext[Any, Any],
    code: grpc.StatusCode,
    message: str,
    details: Iterable[Message] = (),
) -> NoReturn:
    """Ends the RPC with a status whose details travel in grpc-status-details-bin."""
    packed = []
    for detail in details:
        holder = any_pb2.Any()
        holder.Pack(detail)
        packed.append(holder)
    status = status_pb2.Status(code=getattr(code_pb2, code.name), message=message, details=packed)
    await context.abort_with_status(rpc_status.to_status(status))
    raise AssertionError("abort_with_status returned")  # pragma: no cover
