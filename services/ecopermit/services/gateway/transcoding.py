"""HTTP/JSON to gRPC and back, as google.api.http defines it: path variables, body, query.

JSON uses the proto3 JSON mapping (lowerCamelCase names, enum names, RFC 3339 timestamps), and
a gRPC error becomes its HTTP status with the google.rpc.Status, details included, as the body.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import grpc
from google.protobuf import json_format
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

# Imported for their side effect: the error details they define resolve in Status JSON.
from ecopermit._vendor.buf.validate import validate_pb2  # noqa: F401
from ecopermit.services.gateway.http_rules import HttpBinding

# google.rpc.Code to HTTP status, as google/rpc/code.proto documents it.
HTTP_STATUS: dict[grpc.StatusCode, int] = {
    grpc.StatusCode.OK: 200,
    grpc.StatusCode.CANCELLED: 499,
    grpc.StatusCode.UNKNOWN: 500,
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.FAILED_PRECONDITION: 400,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.INTERNAL: 500,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DATA_LOSS: 500,
}


# Bytes and 64-bit integers travel as JSON strings. The proto3 JSON parser decodes more than
# these (base64 with stray characters dropped, "+5", "5_0", other scripts' digits); the
# gateway reads exactly these, so a garbled value is refused instead of silently changed.
BASE64 = r"^(?:[A-Za-z0-9+/_-]{4})*(?:[A-Za-z0-9+/_-]{2}(?:==)?|[A-Za-z0-9+/_-]{3}=?)?$"
INT64_STRING = r"^-?[0-9]{1,19}$"
_BASE64 = re.compile(BASE64)
_INT64_STRING = re.compile(INT64_STRING)
INTEGER_64 = {
    FieldDescriptor.TYPE_INT64,
    FieldDescriptor.TYPE_SINT64,
    FieldDescriptor.TYPE_SFIXED64,
    FieldDescriptor.TYPE_UINT64,
    FieldDescriptor.TYPE_FIXED64,
}
_WELL_KNOWN_PACKAGE = "google.protobuf."


class TranscodingError(Exception):
    """The HTTP request cannot become the RPC's request: 400, nothing is called."""

    def __init__(self, field: str, description: str) -> None:
        super().__init__(f"{field}: {description}")
        self.field = field
        self.description = description


def request_class(binding: HttpBinding) -> type[Message]:
    return GetMessageClass(binding.method.input_type)


def response_class(binding: HttpBinding) -> type[Message]:
    return GetMessageClass(binding.method.output_type)


def build_request(
    binding: HttpBinding,
    path_variables: Mapping[str, str],
    query: Sequence[tuple[str, str]],
    body: Any,
) -> Message:
    """The RPC's request from the HTTP parts, as the binding maps them."""
    request = request_class(binding)()
    if binding.body == "*":
        _parse_into(body if body is not None else {}, request, "body")
    elif binding.body:
        field = request.DESCRIPTOR.fields_by_name[binding.body]
        if field.message_type is None:
            raise TranscodingError(binding.body, "only message fields take a body")
        _parse_into(body if body is not None else {}, getattr(request, binding.body), "body")
    elif body not in (None, {}, b""):
        raise TranscodingError("body", f"{binding.http_method} {binding.template} takes no body")
    if binding.body != "*":
        for key, value in query:
            _set_path(request, _field_path(request.DESCRIPTOR, key), value, key)
    for field_path, value in path_variables.items():
        _set_path(request, field_path, value, field_path)
    return request


def _parse_into(body: Any, message: Message, where: str) -> None:
    if not isinstance(body, dict):
        raise TranscodingError(where, "must be a JSON object")
    _refuse_lenient_strings(body, message.DESCRIPTOR, "")
    try:
        json_format.ParseDict(body, message)
    except (json_format.ParseError, ValueError, TypeError, OverflowError, RecursionError) as error:
        raise TranscodingError(where, str(error)) from None


@cache
def _fields_by_either_name(descriptor: Any) -> dict[str, FieldDescriptor]:
    """A message's fields by JSON name and by proto name: proto3 JSON accepts either. Built once
    per message type, not per request."""
    return {f.json_name: f for f in descriptor.fields} | dict(descriptor.fields_by_name)


def _refuse_lenient_strings(value: Any, descriptor: Any, where: str) -> None:
    """Bytes that are not base64 and 64-bit integers that are not decimal digits, at any depth
    (see BASE64); anything else malformed the parser refuses itself."""
    if not isinstance(value, dict) or descriptor.full_name.startswith(_WELL_KNOWN_PACKAGE):
        return
    for key, item in value.items():
        field = _fields_by_either_name(descriptor).get(key)
        if field is None:
            continue  # the parser names unknown fields
        path = f"{where}{field.name}"
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            field = field.message_type.fields_by_name["value"]
            items = list(item.values()) if isinstance(item, dict) else []
        elif field.is_repeated:
            items = item if isinstance(item, list) else []
        else:
            items = [item]
        for one in items:
            if field.message_type is not None:
                _refuse_lenient_strings(one, field.message_type, f"{path}.")
            elif not isinstance(one, str):
                continue
            elif field.type == FieldDescriptor.TYPE_BYTES and not _BASE64.fullmatch(one):
                raise TranscodingError(path, "must be base64 (RFC 4648)")
            elif field.type in INTEGER_64 and not _INT64_STRING.fullmatch(one):
                raise TranscodingError(path, "must be a whole number in decimal digits")


def _field_path(descriptor: Any, key: str) -> str:
    """A query key (JSON name or proto name, dotted for nested fields) as a proto field path."""
    names = []
    current: Any = descriptor
    for part in key.split("."):
        if current is None:
            raise TranscodingError(key, "no such field")
        field = _fields_by_either_name(current).get(part)
        if field is None:
            raise TranscodingError(key, "no such field")
        names.append(field.name)
        current = field.message_type
    return ".".join(names)


def _set_path(message: Message, field_path: str, raw: str, shown_as: str) -> None:
    *parents, leaf = field_path.split(".")
    for name in parents:
        message = getattr(message, name)
    field = message.DESCRIPTOR.fields_by_name[leaf]
    value = _scalar(field, raw, shown_as)
    try:
        if field.is_repeated:
            getattr(message, leaf).append(value)
        else:
            setattr(message, leaf, value)
    except (ValueError, TypeError):  # e.g. out of range for an int32
        raise TranscodingError(shown_as, f"{raw!r} is not a valid {field.name}") from None


def _scalar(field: Any, raw: str, shown_as: str) -> Any:
    try:
        if field.type == FieldDescriptor.TYPE_ENUM:
            by_name = field.enum_type.values_by_name.get(raw)
            return by_name.number if by_name else int(raw)
        if field.type == FieldDescriptor.TYPE_BOOL:
            if raw not in ("true", "false"):
                raise ValueError(raw)
            return raw == "true"
        if field.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
            return float(raw)
        if field.type == FieldDescriptor.TYPE_STRING:
            return raw
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            raise ValueError("a message cannot come from the path or query")
        # int() also reads "+5", "1_0", " 5" and other scripts' digits: decimal digits only.
        if not _INT64_STRING.fullmatch(raw):
            raise ValueError(raw)
        return int(raw)
    except ValueError:
        raise TranscodingError(shown_as, f"{raw!r} is not a valid {field.name}") from None


def response_json(response: Message) -> dict[str, Any]:
    return json_format.MessageToDict(response)


def error_json(error: grpc.aio.AioRpcError) -> tuple[int, dict[str, Any]]:
    """The HTTP status and the google.rpc.Status body of a gRPC error, details and all."""
    try:
        status = rpc_status.from_call(error)
    except ValueError:
        # The details disagree with the status the channel reported (the transport replaced
        # it, e.g. trailers over the size limit): report what the client saw, without them.
        status = None
    if status is None:
        status = status_pb2.Status(code=error.code().value[0], message=error.details() or "")
    return HTTP_STATUS.get(error.code(), 500), json_format.MessageToDict(status)


def transcoding_error_json(error: TranscodingError) -> dict[str, Any]:
    """A request that cannot be mapped reads like the services' own INVALID_ARGUMENT."""
    violation = error_details_pb2.BadRequest.FieldViolation(
        field=error.field, description=error.description
    )
    status = status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message=str(error))
    status.details.add().Pack(error_details_pb2.BadRequest(field_violations=[violation]))
    return json_format.MessageToDict(status)
