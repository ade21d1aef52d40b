"""The contract's vendored and generated parts match their sources."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path
from typing import cast

import protovalidate
import pytest
from google.protobuf import descriptor_pb2
from google.type import date_pb2

from ecopermit._vendor.buf.validate import validate_pb2
from ecopermit.applicants.v1 import applicant_workflow_service_pb2, resources_pb2
from ecopermit.inspections.v1 import inspection_service_pb2
from ecopermit.type.v1 import kazakhstan_pb2

ROOT = Path(__file__).resolve().parent.parent


def _shape(file: descriptor_pb2.FileDescriptorProto) -> dict[str, object]:
    """What matters on the wire: messages, fields, enums and extensions, without options."""

    def message_shape(message: descriptor_pb2.DescriptorProto) -> object:
        return (
            sorted(
                (f.number, f.name, f.type, f.label, f.type_name, f.oneof_index)
                for f in message.field
            ),
            [o.name for o in message.oneof_decl],
            [(r.start, r.end) for r in message.extension_range],
            [(r.start, r.end) for r in message.reserved_range],
            list(message.reserved_name),
        )

    return {
        "package": file.package,
        "messages": {m.name: message_shape(m) for m in file.message_type},
        "enums": {e.name: [(v.name, v.number) for v in e.value] for e in file.enum_type},
        "extensions": [(x.name, x.number, x.extendee, x.type_name) for x in file.extension],
    }


def test_the_rebuilt_validate_proto_matches_the_protovalidate_wheel() -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import vendor_protos
    finally:
        sys.path.pop(0)
    original = vendor_protos._validate_descriptor()
    rebuilt = descriptor_pb2.FileDescriptorProto()
    validate_pb2.DESCRIPTOR.CopyToProto(rebuilt)
    assert _shape(rebuilt) == _shape(original)


def test_generated_code_is_fresh() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "generate_protos.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_a_permit_limit_cannot_be_nan_negative_or_an_unknown_pollutant() -> None:
    request = applicant_workflow_service_pb2.IssuePermitRequest(
        application="applications/a-1",
        signed_by="dm1",
        emission_limits=[
            resources_pb2.EmissionLimit(
                source_id="stack-1",
                pollutant=cast(kazakhstan_pb2.Pollutant, 99),  # not a defined value
                limit_mg_nm3=math.nan,
                annual_tonnes=-1,
            )
        ],
    )
    rules = {v.proto.rule_id for v in protovalidate.collect_violations(request)}
    assert rules == {"enum.defined_only", "double.finite", "double.gte"}


@pytest.mark.parametrize(
    ("start", "end", "broken"),
    [
        ((2026, 1, 1), (2026, 12, 31), set()),
        ((2028, 2, 29), (2028, 3, 1), set()),  # a leap day
        ((2026, 2, 29), (2026, 3, 1), {"date.calendar"}),
        ((2100, 2, 29), (2100, 3, 1), {"date.calendar"}),  # centuries are not leap years
        ((2026, 4, 31), (2026, 5, 1), {"date.calendar"}),
        ((2026, 5, 2), (2026, 5, 1), {"period.ordered"}),
    ],
)
def test_statistics_periods_are_real_ordered_dates(
    start: tuple[int, int, int], end: tuple[int, int, int], broken: set[str]
) -> None:
    request = inspection_service_pb2.GetStatisticsRequest(
        start_date=date_pb2.Date(year=start[0], month=start[1], day=start[2]),
        end_date=date_pb2.Date(year=end[0], month=end[1], day=end[2]),
    )
    assert {v.proto.rule_id for v in protovalidate.collect_violations(request)} == broken
