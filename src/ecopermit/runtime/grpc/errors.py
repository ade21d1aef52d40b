"""The one place domain exceptions become gRPC statuses; nothing else reaches the caller."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import grpc
from google.protobuf.message import Message
from opentelemetry import trace

from ecopermit.domain import errors
from ecopermit.runtime.grpc.handlers import Context, wrap
from ecopermit.runtime.grpc.status import abort, bad_request, error_info

logger = logging.getLogger(__name__)

_STATUS_OF: tuple[tuple[type[errors.DomainError], grpc.StatusCode], ...] = (
    (errors.NotFoundError, grpc.StatusCode.NOT_FOUND),
    (errors.AlreadyExistsError, grpc.StatusCode.ALREADY_EXISTS),
    (errors.PermissionDeniedError, grpc.StatusCode.PERMISSION_DENIED),
    (errors.FailedPreconditionError, grpc.StatusCode.FAILED_PRECONDITION),
    (errors.RateLimitedError, grpc.StatusCode.RESOURCE_EXHAUSTED),
)


def status_code_of(error: errors.DomainError) -> grpc.StatusCode:
    for error_type, code in _STATUS_OF:
        if isinstance(error, error_type):
            return code
    return grpc.StatusCode.FAILED_PRECONDITION


class ErrorMappingInterceptor(grpc.aio.ServerInterceptor):
    """Domain errors become their status; anything unexpected becomes a bare INTERNAL.

    The unexpected error is logged with the trace id, so ops can find it, and the caller sees
    no stack trace and no internals.
    """

    async def intercept_service(
        self,
        continuation: Any,
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = await continuation(handler_call_details)
        method: str = handler_call_details.method

        @asynccontextmanager
        async def mapped(_request: Message | None, context: Context) -> AsyncIterator[None]:
            try:
                yield
            except grpc.aio.AbortError:
                raise
            except errors.InvalidArgumentError as error:
                await abort(
                    context,
                    grpc.StatusCode.INVALID_ARGUMENT,
                    str(error),
                    [bad_request(error.violations)],
                )
            except errors.DomainError as error:
                await abort(context, status_code_of(error), str(error), error_info(error))
            except NotImplementedError:
                await abort(context, grpc.StatusCode.UNIMPLEMENTED, f"{method} is not implemented")
            except Exception:
                span_context = trace.get_current_span().get_span_context()
                trace_id = (
                    format(span_context.trace_id, "032x") if span_context.is_valid else "none"
                )
                logger.exception("unexpected error in %s (trace %s)", method, trace_id)
                await abort(context, grpc.StatusCode.INTERNAL, f"internal error (trace {trace_id})")

        return wrap(handler, mapped)
