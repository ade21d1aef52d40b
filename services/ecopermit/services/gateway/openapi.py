"""The OpenAPI 3.1 document of the HTTP/JSON API, generated from the same descriptors the
gateway routes by, so the two cannot disagree."""

from __future__ import annotations

import html
import re
from functools import cache
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor

from ecopermit.runtime.grpc.auth import open_to_anyone
from ecopermit.runtime.grpc.page_tokens import INVALID_TOKEN_REASON
from ecopermit.runtime.telemetry import service_version
from ecopermit.services.gateway import validation_schema
from ecopermit.services.gateway.http_rules import HttpBinding, all_bindings
from ecopermit.services.gateway.transcoding import BASE64, INT64_STRING, INTEGER_64

_WILDCARD_VARIABLE = re.compile(r"\{([a-z_][a-z0-9_.]*)(?:=([^}]*))?\}")
_WELL_KNOWN: dict[str, dict[str, Any]] = {
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time"},
    "google.protobuf.Duration": {"type": "string", "pattern": r"^-?\d+(\.\d+)?s$"},
    "google.protobuf.Any": {
        "type": "object",
        "properties": {"@type": {"type": "string"}},
        "additionalProperties": True,
    },
    "google.protobuf.Struct": {"type": "object", "additionalProperties": True},
    "google.protobuf.Empty": {"type": "object"},
}
_INTEGER_32 = {
    FieldDescriptor.TYPE_INT32,
    FieldDescriptor.TYPE_SINT32,
    FieldDescriptor.TYPE_SFIXED32,
    FieldDescriptor.TYPE_UINT32,
    FieldDescriptor.TYPE_FIXED32,
}


_PAGE_TOKEN = "page_token"  # noqa: S105 - a field name


def _ref(descriptor: Descriptor) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{descriptor.full_name}"}


class _Schemas:
    """Component schemas of every message reachable from the API, built once each."""

    def __init__(self) -> None:
        self.components: dict[str, Any] = {}

    def message(self, descriptor: Any) -> dict[str, Any]:
        if descriptor.full_name in _WELL_KNOWN:
            return _WELL_KNOWN[descriptor.full_name]
        if descriptor.full_name not in self.components:
            self.components[descriptor.full_name] = {}  # placeholder: messages may recurse
            self.components[descriptor.full_name] = self._object(descriptor)
        return _ref(descriptor)

    def _object(self, descriptor: Any) -> dict[str, Any]:
        """A message as the proto3 JSON parser reads it: known fields only, at most one member
        of each oneof, and the fields the services refuse to do without listed as required."""
        schema: dict[str, Any] = {
            "type": "object",
            "properties": {
                f.json_name: validation_schema.constrain(self.field(f), f)
                for f in descriptor.fields
            },
            "additionalProperties": False,
        }
        required = [
            f.json_name
            for f in descriptor.fields
            if f.containing_oneof is None and validation_schema.must_be_sent(f)
        ]
        if required:
            schema["required"] = required
        choices: list[dict[str, Any]] = []
        for oneof in descriptor.oneofs:
            members: list[dict[str, Any]] = [{"required": [f.json_name]} for f in oneof.fields]
            if len(members) < 2 and not validation_schema.oneof_is_required(oneof):
                continue  # a proto3 optional field: nothing to choose between
            if not validation_schema.oneof_is_required(oneof):
                members.append({"not": {"anyOf": [dict(m) for m in members]}})
            choices.append({"oneOf": members})
        if len(choices) == 1:
            schema.update(choices[0])
        elif choices:
            schema["allOf"] = choices
        cel = validation_schema.message_cel(descriptor)
        if cel:
            schema["x-cel"] = cel
        return schema

    def field(self, field: Any) -> dict[str, Any]:
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            value = field.message_type.fields_by_name["value"]
            return {"type": "object", "additionalProperties": self.single(value)}
        single = self.single(field)
        if field.is_repeated:
            return {"type": "array", "items": single}
        return single

    def single(self, field: Any) -> dict[str, Any]:
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            return self.message(field.message_type)
        if field.type == FieldDescriptor.TYPE_ENUM:
            return {"type": "string", "enum": [v.name for v in field.enum_type.values]}
        if field.type == FieldDescriptor.TYPE_BOOL:
            return {"type": "boolean"}
        if field.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
            return {"type": "number"}
        if field.type in _INTEGER_32:
            return {"type": "integer", "format": "int32"}
        if field.type in INTEGER_64:
            # proto3 JSON writes 64-bit integers as strings.
            return {"type": "string", "format": "int64", "pattern": INT64_STRING}
        if field.type == FieldDescriptor.TYPE_BYTES:
            return {"type": "string", "contentEncoding": "base64", "pattern": BASE64}
        if field.name == _PAGE_TOKEN:
            return {
                "type": "string",
                "description": "A nextPageToken this server returned, unchanged.",
                "x-rules": [
                    {"id": INVALID_TOKEN_REASON, "message": "issued by this server, unchanged"}
                ],
            }
        return {"type": "string"}


def _field_at(request: Descriptor | None, field_path: str) -> FieldDescriptor | None:
    """The field a dotted path names in a request ("bat_assessment.name")."""
    field = None
    current: Any = request
    for name in field_path.split("."):
        if current is None:
            return None
        field = current.fields_by_name.get(name)
        current = field.message_type if field is not None else None
    return field


def openapi_path(
    template: str, request: Descriptor | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """A path template as an OpenAPI path: each wildcard becomes a parameter named after the
    collection before it ("applications/*" -> "applications/{application}"), its pattern the
    one the field's rule gives that segment."""
    parameters: list[dict[str, Any]] = []

    def expand(match: re.Match[str]) -> str:
        field, pattern = match.group(1), match.group(2) or "*"
        segments = pattern.split("/")
        segment_patterns = iter(
            validation_schema.path_segment_patterns(pattern, _field_at(request, field))
        )
        out = []
        for index, segment in enumerate(segments):
            if segment != "*":
                out.append(segment)
                continue
            collection = segments[index - 1] if index else field.split(".")[-1]
            name = collection.removesuffix("s") if collection.endswith("s") else collection
            parameters.append(
                {
                    "name": name,
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "pattern": next(segment_patterns)},
                    "description": f"One segment of the `{field}` field ({pattern}).",
                }
            )
            out.append(f"{{{name}}}")
        return "/".join(out)

    return _WILDCARD_VARIABLE.sub(expand, template), parameters


# How deep a query parameter reaches into nested messages ("startDate.year" is two).
_QUERY_DEPTH = 3


def _query_parameters(
    descriptor: Descriptor,
    schemas: _Schemas,
    skip: set[str],
    prefix: str = "",
    parent_required: bool = False,
) -> list[dict[str, Any]]:
    """The request's fields as query parameters, as google.api.http maps a GET: message fields
    by the dotted paths of their leaves (?startDate.year=2025&startDate.month=1)."""
    parameters: list[dict[str, Any]] = []
    for field in descriptor.fields:
        if field.name in skip or validation_schema.is_output_only(field):
            continue
        required = validation_schema.must_be_sent(field) or (
            parent_required and field.containing_oneof is None
        )
        name = f"{prefix}{field.json_name}"
        nested = field.message_type
        if nested is not None and nested.full_name not in _WELL_KNOWN:
            if field.is_repeated or prefix.count(".") + 1 >= _QUERY_DEPTH:
                continue  # not expressible as query parameters
            parameters += _query_parameters(nested, schemas, set(), f"{name}.", required)
            continue
        if nested is not None:
            continue  # the transcoder reads no well-known message from the query
        parameter: dict[str, Any] = {
            "name": name,
            "in": "query",
            "schema": validation_schema.constrain(schemas.field(field), field),
        }
        if field.is_repeated:
            parameter.update(style="form", explode=True)
        if required:
            parameter["required"] = True
        parameters.append(parameter)
    return parameters


def _path_message(binding: HttpBinding) -> Descriptor:
    """The message a binding's path variables fill: an upload's go into its declaration."""
    request = binding.method.input_type
    if binding.method.client_streaming:
        declaration = request.fields_by_name["declaration"].message_type
        assert declaration is not None
        return declaration
    return request


def _operation(binding: HttpBinding, schemas: _Schemas) -> dict[str, Any]:
    request = binding.method.input_type
    _, parameters = openapi_path(binding.template, _path_message(binding))
    operation: dict[str, Any] = {
        "operationId": f"{binding.service.name}_{binding.method.name}",
        "summary": binding.method.name,
        "tags": [binding.service.name],
        "parameters": parameters,
        "responses": {
            "200": {
                "description": "OK",
                "content": {
                    "application/json": {"schema": schemas.message(binding.method.output_type)}
                },
            },
            "default": {
                "description": "The gRPC status as google.rpc.Status, with its details",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Status"}}
                },
            },
        },
    }
    if open_to_anyone(binding.grpc_path):
        # Public by law: a bearer token is optional (sent, it is verified and its role applies).
        operation["security"] = [{}, {"bearer": []}]
    if binding.method.client_streaming or binding.method.server_streaming:
        return _with_document_bytes(operation, binding, schemas)
    path_fields = {v.field_path.split(".")[0] for v in binding.variables}
    if binding.body == "*":
        body_schema = schemas.message(request)
    else:
        # google.api.http: what neither the path nor the body carries comes from the query.
        parameters += _query_parameters(request, schemas, path_fields | {binding.body})
        body_schema = (
            schemas.message(request.fields_by_name[binding.body].message_type)
            if binding.body
            else {}
        )
        cel = validation_schema.message_cel(request) + [
            rule
            for field in request.fields
            if field.name not in path_fields | {binding.body}
            for rule in validation_schema.field_cel(field)
        ]
        if cel:
            operation["x-cel"] = cel
    if body_schema:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": body_schema}},
        }
    return operation


def _with_document_bytes(
    operation: dict[str, Any], binding: HttpBinding, schemas: _Schemas
) -> dict[str, Any]:
    """The streaming RPCs as the gateway serves them (gateway.documents): an upload is a
    multipart form, a download is the bytes themselves."""
    if binding.method.client_streaming:
        declaration = binding.method.input_type.fields_by_name["declaration"].message_type
        assert declaration is not None
        sha256 = declaration.fields_by_name["sha256"]
        size_bytes = declaration.fields_by_name["size_bytes"]
        operation["requestBody"] = {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["sha256", "size_bytes", "file"],
                        "properties": {
                            "sha256": validation_schema.constrain(schemas.field(sha256), sha256),
                            "size_bytes": validation_schema.constrain(
                                {"type": "integer"}, size_bytes
                            ),
                            "file": {"type": "string", "format": "binary"},
                        },
                    },
                    "encoding": {"file": {"contentType": "application/octet-stream"}},
                }
            },
            "description": "The fields sha256 and size_bytes first, then the file.",
        }
        return operation
    operation["parameters"] += [
        {
            "name": "disposition",
            "in": "query",
            "schema": {"type": "string", "enum": ["attachment", "inline"]},
            "description": "inline to show the document in the browser (a PDF, an image).",
        },
        {
            "name": "Range",
            "in": "header",
            "schema": {"type": "string", "pattern": r"^bytes=\d*-\d*$"},
            "description": "One byte range, e.g. bytes=0-1023; answered with 206.",
        },
    ]
    binary = {"*/*": {"schema": {"type": "string", "format": "binary"}}}
    operation["responses"]["200"] = {"description": "The document's bytes", "content": binary}
    operation["responses"]["206"] = {"description": "The range asked for", "content": binary}
    operation["responses"]["416"] = {"description": "The range lies outside the document"}
    return operation


@cache
def document() -> dict[str, Any]:
    schemas = _Schemas()
    paths: dict[str, dict[str, Any]] = {}
    for binding in all_bindings():
        path, _ = openapi_path(binding.template, _path_message(binding))
        paths.setdefault(path, {})[binding.http_method.lower()] = _operation(binding, schemas)
    schemas.components["Status"] = {
        "type": "object",
        "properties": {
            "code": {"type": "integer", "format": "int32"},
            "message": {"type": "string"},
            "details": {"type": "array", "items": _WELL_KNOWN["google.protobuf.Any"]},
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ecopermit",
            "version": service_version(),
            "description": (
                "Kazakhstan's comprehensive environmental permit applications. Every operation "
                "is a gRPC method of the contract in proto/, transcoded as its google.api.http "
                "annotation says. Authenticate with a bearer token; the operations the law "
                "makes public (the register, certificate verification) take one optionally."
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": schemas.components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }


def docs_page() -> str:
    """A page listing every operation, readable without JavaScript or a CDN."""
    rows = []
    for path, operations in sorted(document()["paths"].items()):
        for verb, operation in operations.items():
            rows.append(
                f"<tr><td>{verb.upper()}</td><td><code>{html.escape(path)}</code></td>"
                f"<td>{html.escape(operation['tags'][0])}</td>"
                f"<td>{html.escape(operation['summary'])}</td></tr>"
            )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>ecopermit API</title>"
        "</head><body><h1>ecopermit HTTP/JSON API</h1>"
        "<p>The machine-readable document: <a href='/openapi.json'>/openapi.json</a>. "
        "Send <code>Authorization: Bearer &lt;token&gt;</code> with every call but those "
        "the law makes public (the permit register, certificate verification).</p>"
        "<table><thead><tr><th>method</th><th>path</th><th>service</th><th>operation</th></tr>"
        f"</thead><tbody>{''.join(rows)}</tbody></table></body></html>"
    )
