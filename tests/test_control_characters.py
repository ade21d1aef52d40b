"""No control character gets into a stored name or text through any RPC: a NUL, an escape, a
CR LF in a name, a C1 control, a Unicode line separator or a bidi override is refused with the
field's path; free text keeps its tabs and line breaks, and every letter of Kazakh."""

from __future__ import annotations

import re
from collections.abc import Iterator
from types import ModuleType

import pytest
from google.api import field_behavior_pb2
from google.protobuf import message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from ecopermit.applicants.v1 import applicant_service_pb2, applicant_workflow_service_pb2
from ecopermit.applicants.v1 import applicant_service_pb2 as applicants_api
from ecopermit.applicants.v1 import resources_pb2 as applicants_pb
from ecopermit.inspections.v1 import inspection_service_pb2
from ecopermit.reviews.v1 import resources_pb2 as reviews_pb
from ecopermit.reviews.v1 import review_service_pb2, review_workflow_service_pb2
from ecopermit.runtime.grpc.validation import field_path, request_violations

CONTRACT: tuple[ModuleType, ...] = (
    applicant_service_pb2,
    applicant_workflow_service_pb2,
    review_service_pb2,
    review_workflow_service_pb2,
    inspection_service_pb2,
)
Path = tuple[FieldDescriptor, ...]


def _output_only(field: FieldDescriptor) -> bool:
    """Set by the server, whatever a request says (ignored on input)."""
    behaviours = field.GetOptions().Extensions[field_behavior_pb2.field_behavior]
    return field_behavior_pb2.OUTPUT_ONLY in behaviours


def _string_fields(message: Descriptor, prefix: Path = ()) -> Iterator[Path]:
    """Every string a caller can set in a request, through nested messages of ours."""
    for field in message.fields:
        if _output_only(field):
            continue
        nested = field.message_type
        if field.type == FieldDescriptor.TYPE_STRING:
            yield (*prefix, field)
        elif nested is not None and nested.full_name.startswith("ecopermit."):
            yield from _string_fields(nested, (*prefix, field))


def _in_map(field: FieldDescriptor) -> bool:
    """A map's key or value field (of its synthetic entry message)."""
    entry = field.containing_type
    return entry is not None and bool(entry.GetOptions().map_entry)


def _with(request: Message, path: Path, value: str) -> Message:
    target = request
    for field in path[:-1]:
        if _in_map(path[-1]) and field is path[-2]:
            break
        nested = getattr(target, field.name)
        target = nested.add() if field.is_repeated else nested
    last = path[-1]
    if _in_map(last):  # a map of strings: the value as its key, or under a plain key
        entries = getattr(target, path[-2].name)
        if last.name == "key":
            entries[value] = "x"
        else:
            entries["k"] = value
    elif last.is_repeated:
        getattr(target, last.name).append(value)
    else:
        setattr(target, last.name, value)
    return request


REQUEST_STRINGS = [
    (method, path)
    for module in CONTRACT
    for service in module.DESCRIPTOR.services_by_name.values()
    for method in service.methods
    for path in _string_fields(method.input_type)
]


@pytest.mark.parametrize(
    ("method", "path"),
    REQUEST_STRINGS,
    ids=[f"{m.name}:{'.'.join(f.name for f in p)}" for m, p in REQUEST_STRINGS],
)
# NUL, ESC, DEL; a C1 control (NEL); the line separator; a bidi override, which can make a
# name read backwards.
@pytest.mark.parametrize("control", ["\x00", "\x1b", "\x7f", "\x85", "\u2028", "\u202e"])
def test_every_string_a_caller_sends_refuses_control_characters(
    method: object, path: Path, control: str
) -> None:
    request_class = message_factory.GetMessageClass(method.input_type)  # type: ignore[attr-defined]
    request = _with(request_class(), path, f"a{control}b")
    refused = {re.sub(r"\[[^]]*\]", "", field_path(v)) for v in request_violations(request)}
    assert ".".join(f.name for f in path if not _in_map(f)) in refused


def test_a_name_with_a_line_break_is_refused_and_free_text_keeps_its_lines() -> None:
    enterprise = applicants_pb.Enterprise(bin="990340000123", display_name="ТОО «A»\r\nSet-Cookie")
    register = applicants_api.RegisterEnterpriseRequest(enterprise=enterprise)
    assert "enterprise.display_name" in {field_path(v) for v in request_violations(register)}
    comment = review_service_pb2.SubmitPublicCommentRequest(
        parent="applications/a-1",
        request_id="4f7e2a10-6c1b-4d0e-9a57-0e6b8f3d2a10",
        public_comment=reviews_pb.PublicComment(
            author_display_name="Әлия Қасымқызы", text="Екі мәселе:\n\t1. шаң\r\n\t2. шу"
        ),
    )
    assert request_violations(comment) == []
