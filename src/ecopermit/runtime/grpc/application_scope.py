"""Marks each request's spans with the application it names, for the traces ops read."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import grpc
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from ecopermit.runtime import tracing
from ecopermit.runtime.grpc.handlers import Context, wrap

# The request fields that name an application (AIP: name, parent, or a reference).
_NAMING_FIELDS = ("name", "parent", "application")


def application_named_by(request: Message) -> str | None:
    """The application a request is about, if a naming field says so."""
    fields = request.DESCRIPTOR.fields_by_name
    for field_name in _NAMING_FIELDS:
        field = fields.get(field_name)
        if field is None or field.type != FieldDescriptor.TYPE_STRING:
            continue
        found = tracing.application_of(getattr(request, field_name))
        if found:
            return found
    return None


class ApplicationScopeInterceptor(grpc.aio.ServerInterceptor):
    """Puts ecopermit.application_id on the server span and on every span the handler starts."""

    async def intercept_service(
        self,
        continuation: Any,
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = await continuation(handler_call_details)
        return wrap(handler, _scoped)


@asynccontextmanager
async def _scoped(request: Message | None, _context: Context) -> AsyncIterator[None]:
    # An upload names its enterprise, not an application: only a named request is scoped.
    application_id = application_named_by(request) if request is not None else None
    if application_id is None:
        yield
        return
    with tracing.application_scope(application_id):
        yield
