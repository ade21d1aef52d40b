"""What ops read on their dashboard: applications by stage and region, how long stages take,
the deadlines lapsed and near, what is stuck or idle, and the control figures by year; counted
by the services, in the page's language."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx

from ecopermit.applicants.v1 import applicant_service_pb2 as applicants_api
from ecopermit.applicants.v1 import applicant_service_pb2_grpc, applicant_workflow_service_pb2_grpc
from ecopermit.applicants.v1 import applicant_workflow_service_pb2 as workflow_api
from ecopermit.applicants.v1 import resources_pb2 as pb
from ecopermit.domain.procedure_statistics import percentile, stuck_since, turnarounds
from ecopermit.runtime.identity import Role
from ecopermit.runtime.settings import ServiceName
from ecopermit.runtime.tokens import TokenIssuer
from ecopermit.type.v1 import kazakhstan_pb2 as kz
from tests.conftest import ServiceChannel, bearer
from tests.test_gateway import gateway
from tests.test_portal import (
    registered_with_an_application_form,
    sign_in,
    signed_with_the_local_key,
)

__all__ = ["gateway"]  # the fixture, served here too

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_a_stage_lasts_from_entering_it_to_entering_the_next_and_open_ones_do_not_count() -> None:
    hour = timedelta(hours=1)
    histories = [
        [
            (pb.STAGE_SUBMITTED, T0),
            (pb.STAGE_COMPLETENESS, T0 + hour),
            (pb.STAGE_DECISION, T0 + 5 * hour),
        ],
        [(pb.STAGE_SUBMITTED, T0), (pb.STAGE_COMPLETENESS, T0 + 3 * hour)],
    ]
    found = {t.stage: t for t in turnarounds(histories)}
    assert set(found) == {pb.STAGE_SUBMITTED, pb.STAGE_COMPLETENESS}
    assert (found[pb.STAGE_SUBMITTED].left, found[pb.STAGE_SUBMITTED].p50_hours) == (2, 1.0)
    assert found[pb.STAGE_SUBMITTED].p90_hours == 3.0
    assert (found[pb.STAGE_COMPLETENESS].left, found[pb.STAGE_COMPLETENESS].p50_hours) == (1, 4.0)
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 0.9) == 9.0
    stuck = stuck_since(
        {"a": histories[0], "b": histories[1], "c": [(pb.STAGE_APPROVED, T0)]},
        frozenset({pb.STAGE_APPROVED}),
        T0 + 4 * hour,
    )
    assert stuck == {"b": T0 + 3 * hour}  # a moved since; c is finished


async def test_ops_read_stage_region_counts_turnaround_and_deadlines_on_one_page(
    gateway: httpx.AsyncClient, service_channel: ServiceChannel, issuer: TokenIssuer
) -> None:
    form = await registered_with_an_application_form(gateway)
    names = []
    for facility, region in (
        ("CHP-2", "REGION_PAVLODAR"),
        ("Semey CHP", "REGION_ABAI"),
        ("GRES-1", "REGION_PAVLODAR"),
    ):
        sent = await signed_with_the_local_key(
            gateway,
            await gateway.post(
                "/portal/applications",
                data={**form, "facility_name": facility, "region": region, "request_id": ""},
            ),
        )
        names.append(sent.headers["location"].removeprefix("/portal/"))
    workflow = applicant_workflow_service_pb2_grpc.ApplicantWorkflowServiceStub(
        await service_channel(ServiceName.APPLICANTS)
    )
    worker = bearer(issuer, Role.WORKER, "permit-worker")
    now = datetime.now(UTC)
    for name, stage, due in (
        (names[0], pb.STAGE_COMPLETENESS, now - timedelta(days=1)),  # lapsed
        (names[1], pb.STAGE_COMPLETENESS, now + timedelta(days=2)),  # near
        (names[2], pb.STAGE_COMPLETENESS, now + timedelta(days=20)),  # neither
    ):
        deadline = pb.Deadline(stage=stage, business_days=5)
        deadline.due_time.FromDatetime(due)
        await workflow.RecordStageTransition(
            workflow_api.RecordStageTransitionRequest(
                name=name, sequence=1, stage=stage, deadlines=[deadline]
            ),
            metadata=worker,
        )

    await sign_in(gateway, "ops", "ops-1")
    page = await gateway.get("/portal/ops", params={"lang": "ru"})
    assert page.status_code == 200, page.text
    text = page.text
    matrix = text.split('id="stage-region"')[1].split("</table>")[0]
    pavlodar = re.search(r"Павлодарская область</th>(.*?)</tr>", matrix, re.S)
    assert pavlodar
    assert re.findall(r">(\d+)<", pavlodar.group(1))[-1] == "2"  # two applications in all
    assert "Абай" in matrix
    lapsed = text.split('id="lapsed"')[1].split("</table>")[0]
    near = text.split('id="near"')[1].split("</table>")[0]
    assert "CHP-2" in lapsed
    assert "Semey CHP" not in lapsed
    assert "Semey CHP" in near
    assert "GRES-1" not in near
    turnaround = text.split('id="turnaround"')[1].split("</table>")[0]
    assert "подано" in turnaround  # the submitted stage, left by all three
    control = text.split('id="control"')[1].split("</table>")[0]
    assert str(datetime.now(UTC).year) in control
    # Not for the other roles.
    await sign_in(gateway, "reviewer", "r1")
    assert (await gateway.get("/portal/ops")).status_code == 403
    # A territorial head of department counts its own region only.
    applicants = applicant_service_pb2_grpc.ApplicantServiceStub(
        await service_channel(ServiceName.APPLICANTS)
    )
    abai = await applicants.GetApplicationStatistics(
        applicants_api.GetApplicationStatisticsRequest(),
        metadata=bearer(issuer, Role.HEAD_OF_DEPARTMENT, "head-semey", region="REGION_ABAI"),
    )
    assert abai.applications == 1
    assert {row.region for row in abai.by_stage_region} == {kz.REGION_ABAI}
    assert [a.facility_display_name for a in abai.near_deadline] == ["Semey CHP"]
    assert list(abai.lapsed) == []
