"""Vendors the third-party .proto files our contract imports, from installed wheels.

googleapis-common-protos ships the google/api and google/type protos as text: copied.
protovalidate 2 ships buf/validate/validate.proto only as a serialized descriptor, so this
rebuilds the .proto text from it: the same messages, field numbers, enums and extensions
(wire-compatible), without the comments and without the CEL definitions of the standard rules,
which the validator carries built in. buf and protoc need the text only to resolve our imports.

Run: python tools/vendor_protos.py  (writes under proto/, excluded from lint in buf.yaml)
"""

from __future__ import annotations

import ast
import importlib.util
import shutil
from pathlib import Path

from google.protobuf import descriptor_pb2 as d

PROTO_ROOT = Path(__file__).resolve().parent.parent / "proto"
GOOGLE_FILES = (
    "api/annotations.proto",
    "api/http.proto",
    "api/field_behavior.proto",
    "api/resource.proto",
    "type/date.proto",
)

_SCALAR = {
    d.FieldDescriptorProto.TYPE_DOUBLE: "double",
    d.FieldDescriptorProto.TYPE_FLOAT: "float",
    d.FieldDescriptorProto.TYPE_INT64: "int64",
    d.FieldDescriptorProto.TYPE_UINT64: "uint64",
    d.FieldDescriptorProto.TYPE_INT32: "int32",
    d.FieldDescriptorProto.TYPE_FIXED64: "fixed64",
    d.FieldDescriptorProto.TYPE_FIXED32: "fixed32",
    d.FieldDescriptorProto.TYPE_BOOL: "bool",
    d.FieldDescriptorProto.TYPE_STRING: "string",
    d.FieldDescriptorProto.TYPE_BYTES: "bytes",
    d.FieldDescriptorProto.TYPE_UINT32: "uint32",
    d.FieldDescriptorProto.TYPE_SFIXED32: "sfixed32",
    d.FieldDescriptorProto.TYPE_SFIXED64: "sfixed64",
    d.FieldDescriptorProto.TYPE_SINT32: "sint32",
    d.FieldDescriptorProto.TYPE_SINT64: "sint64",
}
_MAX_FIELD_NUMBER = 536870911


def _installed_file(package: str, relative: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"{package} is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / relative


def _validate_descriptor() -> d.FileDescriptorProto:
    source = _installed_file("protovalidate", "_gen/buf/validate/validate_pb.py").read_text()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "file_desc":
            literal = node.args[0]
            assert isinstance(literal, ast.Constant)
            assert isinstance(literal.value, bytes)
            return d.FileDescriptorProto.FromString(literal.value)
    raise SystemExit("no serialized descriptor found in protovalidate")


def _field_type(field: d.FieldDescriptorProto) -> str:
    if field.type in _SCALAR:
        return _SCALAR[field.type]
    return field.type_name


def _field_line(field: d.FieldDescriptorProto, in_oneof: bool) -> str:
    label = ""
    if not in_oneof:
        label = "repeated " if field.label == field.LABEL_REPEATED else "optional "
    options = " [deprecated = true]" if field.options.deprecated else ""
    return f"{label}{_field_type(field)} {field.name} = {field.number}{options};"


def _ranges(ranges: list[tuple[int, int]]) -> str:
    parts = []
    for start, end in ranges:
        if end - 1 >= _MAX_FIELD_NUMBER:
            parts.append(f"{start} to max")
        elif end - 1 == start:
            parts.append(str(start))
        else:
            parts.append(f"{start} to {end - 1}")
    return ", ".join(parts)


def _message(message: d.DescriptorProto, indent: str) -> list[str]:
    lines = [f"{indent}message {message.name} {{"]
    inner = indent + "  "
    for nested in message.nested_type:
        lines += _message(nested, inner)
    for enum in message.enum_type:
        lines += _enum(enum, inner)
    for index, oneof in enumerate(message.oneof_decl):
        lines.append(f"{inner}oneof {oneof.name} {{")
        for field in message.field:
            if field.HasField("oneof_index") and field.oneof_index == index:
                lines.append(f"{inner}  {_field_line(field, in_oneof=True)}")
        lines.append(f"{inner}}}")
    for field in message.field:
        if not field.HasField("oneof_index"):
            lines.append(f"{inner}{_field_line(field, in_oneof=False)}")
    if message.extension_range:
        extension_ranges = [(r.start, r.end) for r in message.extension_range]
        lines.append(f"{inner}extensions {_ranges(extension_ranges)};")
    if message.reserved_range:
        reserved = [(r.start, r.end) for r in message.reserved_range]
        lines.append(f"{inner}reserved {_ranges(reserved)};")
    if message.reserved_name:
        names = ", ".join(f'"{name}"' for name in message.reserved_name)
        lines.append(f"{inner}reserved {names};")
    lines.append(f"{indent}}}")
    return lines


def _enum(enum: d.EnumDescriptorProto, indent: str) -> list[str]:
    lines = [f"{indent}enum {enum.name} {{"]
    lines += [f"{indent}  {value.name} = {value.number};" for value in enum.value]
    if enum.reserved_range:
        # Enum reserved ranges are inclusive, unlike message ranges.
        reserved = [(r.start, r.end + 1) for r in enum.reserved_range]
        lines.append(f"{indent}  reserved {_ranges(reserved)};")
    if enum.reserved_name:
        names = ", ".join(f'"{name}"' for name in enum.reserved_name)
        lines.append(f"{indent}  reserved {names};")
    lines.append(f"{indent}}}")
    return lines


def render_proto(file: d.FileDescriptorProto, provenance: str) -> str:
    lines = [f"// {line}" if line else "//" for line in provenance.splitlines()]
    lines += ["", 'syntax = "proto2";', "", f"package {file.package};", ""]
    lines += [f'import "{dependency}";' for dependency in file.dependency]
    lines.append("")
    for option, value in file.options.ListFields():
        rendered = "true" if value is True else '"' + str(value).replace("\\", "\\\\") + '"'
        lines.append(f"option {option.name} = {rendered};")
    lines.append("")
    for extension in file.extension:
        lines.append(f"extend {extension.extendee} {{")
        lines.append(f"  {_field_line(extension, in_oneof=False)}")
        lines.append("}")
    for enum in file.enum_type:
        lines += _enum(enum, "")
    for message in file.message_type:
        lines += _message(message, "")
    return "\n".join(lines) + "\n"


def main() -> None:
    validate = _validate_descriptor()
    provenance = (
        "Copyright 2023-2026 Buf Technologies, Inc.\n"
        "Licensed under the Apache License, Version 2.0.\n"
        "Rebuilt by tools/vendor_protos.py from the descriptor in the protovalidate 2.1.0 wheel:\n"
        "the declarations only, without comments or the CEL definitions of the standard rules.\n"
        "Do not edit; run the tool again."
    )
    target = PROTO_ROOT / "buf" / "validate" / "validate.proto"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_proto(validate, provenance))
    for relative in GOOGLE_FILES:
        copy = PROTO_ROOT / "google" / relative
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_installed_file("google", relative), copy)


if __name__ == "__main__":
    main()
