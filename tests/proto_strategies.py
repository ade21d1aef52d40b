"""Hypothesis strategies for any protobuf message, built from its descriptor: every field may be
set to anything its type allows (and strings to values near the contract's own patterns), so
that the servers meet what a careless or hostile client could send."""

from __future__ import annotations

from typing import Any

from google.protobuf import message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from hypothesis import strategies as st

_INT32 = st.integers(-(2**31), 2**31 - 1)
_INT64 = st.integers(-(2**63), 2**63 - 1)
_UINT32 = st.integers(0, 2**32 - 1)
_UINT64 = st.integers(0, 2**64 - 1)
_DOUBLE = st.floats(allow_nan=True, allow_infinity=True)
_FLOAT = st.floats(allow_nan=True, allow_infinity=True, width=32)
# Values close to real ones reach deeper into the handlers than random text does.
_NEAR_MISSES = st.sampled_from(
    [
        "",
        "990340000123",
        "990340000124",
        "enterprises/990340000123",
        "enterprises/070840001237",
        "applications/",
        "applications/00000000-0000-4000-8000-000000000000",
        "applications/../enterprises",
        "applications/a/batAssessment",
        "tasks/t-1",
        "inspections/i-1/prescriptions/p-1",
        "permits/KZ-KEP-2026-00001",
        "00000000-0000-4000-8000-000000000000",
        "' OR 1=1 --",
        "%00",
        "\u0000",
        "ROLE_PUBLIC",
        "x" * 5000,
    ]
)
_TEXT = st.one_of(_NEAR_MISSES, st.text(max_size=80))

_SCALARS: dict[int, st.SearchStrategy[Any]] = {
    FieldDescriptor.TYPE_DOUBLE: _DOUBLE,
    FieldDescriptor.TYPE_FLOAT: _FLOAT,
    FieldDescriptor.TYPE_INT64: _INT64,
    FieldDescriptor.TYPE_SINT64: _INT64,
    FieldDescriptor.TYPE_SFIXED64: _INT64,
    FieldDescriptor.TYPE_UINT64: _UINT64,
    FieldDescriptor.TYPE_FIXED64: _UINT64,
    FieldDescriptor.TYPE_INT32: _INT32,
    FieldDescriptor.TYPE_SINT32: _INT32,
    FieldDescriptor.TYPE_SFIXED32: _INT32,
    FieldDescriptor.TYPE_UINT32: _UINT32,
    FieldDescriptor.TYPE_FIXED32: _UINT32,
    FieldDescriptor.TYPE_BOOL: st.booleans(),
    FieldDescriptor.TYPE_STRING: _TEXT,
    FieldDescriptor.TYPE_BYTES: st.binary(max_size=64),
}


# google.protobuf.Timestamp's range, which its JSON form (RFC 3339) cannot leave.
_TIMESTAMP_SECONDS = st.integers(-62_135_596_800, 253_402_300_799)
_NANOS = st.integers(0, 999_999_999)


def _value(field: FieldDescriptor, depth: int, well_formed: bool) -> st.SearchStrategy[Any]:
    if field.message_type is not None:
        return messages(field.message_type, depth + 1, well_formed=well_formed)
    if field.enum_type is not None:
        known = [value.number for value in field.enum_type.values]
        # Open enums: numbers the contract never defined arrive too.
        return st.one_of(st.sampled_from(known), _INT32)
    return _SCALARS[field.type]


def messages(
    descriptor: Descriptor | Any, depth: int = 0, *, well_formed: bool = False
) -> st.SearchStrategy[Message]:
    """Messages of this type with any subset of fields set, nested up to three levels.

    well_formed: timestamps within their range, so that the message has a JSON form.
    """
    message_class = message_factory.GetMessageClass(descriptor)
    if depth > 3:
        return st.just(message_class())
    if well_formed and descriptor.full_name == "google.protobuf.Timestamp":
        return st.builds(message_class, seconds=_TIMESTAMP_SECONDS, nanos=_NANOS)
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for field in descriptor.fields:
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            key, value = (
                field.message_type.fields_by_name["key"],
                field.message_type.fields_by_name["value"],
            )
            fields[field.name] = st.dictionaries(
                _value(key, depth, well_formed), _value(value, depth, well_formed), max_size=3
            )
        elif field.is_repeated:
            fields[field.name] = st.lists(_value(field, depth, well_formed), max_size=3)
        else:
            fields[field.name] = _value(field, depth, well_formed)
    return st.fixed_dictionaries({}, optional=fields).map(
        lambda values: _build(message_class, values)
    )


def _build(message_class: type[Message], values: dict[str, Any]) -> Message:
    message = message_class()
    for name, value in values.items():
        field = message.DESCRIPTOR.fields_by_name[name]
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            target = getattr(message, name)
            for key, item in value.items():
                if field.message_type.fields_by_name["value"].message_type is not None:
                    target[key].CopyFrom(item)
                else:
                    target[key] = item
        elif field.is_repeated:
            getattr(message, name).extend(value)
        elif field.type == FieldDescriptor.TYPE_MESSAGE:
            getattr(message, name).CopyFrom(value)
        else:
            setattr(message, name, value)
    return message
