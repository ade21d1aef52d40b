"""What the law makes public, read by a citizen who never signs in: the register of permits
(searched, filtered, downloaded as CSV) and the public hearings, where anyone may comment by
giving a name and a contact that is never published."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import httpx

from ecopermit.applicants.v1 import applicant_workflow_service_pb2 as workflow_api
from ecopermit.applicants.v1 import applicant_workflow_service_pb2_grpc
from ecopermit.applicants.v1 import resources_pb2 as pb
from ecopermit.reviews.v1 import review_service_pb2 as reviews_api
from ecopermit.reviews.v1 import review_service_pb2_grpc, review_workflow_service_pb2_grpc
from ecopermit.reviews.v1 import review_workflow_service_pb2 as reviews_workflow_api
from ecopermit.runtime.identity import Role
from ecopermit.runtime.settings import ServiceName
from ecopermit.runtime.tokens import TokenIssuer
from tests.conftest import ServiceChannel, bearer
from tests.test_gateway import gateway
from tests.test_portal import registered_with_an_application_form, signed_with_the_local_key

__all__ = ["gateway"]  # the fixture, served here too


async def submitted(client: httpx.AsyncClient, facility: str) -> str:
    """An application for this facility, submitted through the pages: its resource name."""
    form = await registered_with_an_application_form(client)
    form["facility_name"] = facility
    sent = await signed_with_the_local_key(
        client, await client.post("/portal/applications", data=form)
    )
    return str(sent.headers["location"]).removeprefix("/portal/")


async def moved_to(
    service_channel: ServiceChannel, issuer: TokenIssuer, name: str, *stages: pb.Stage
) -> None:
    workflow = applicant_workflow_service_pb2_grpc.ApplicantWorkflowServiceStub(
        await service_channel(ServiceName.APPLICANTS)
    )
    worker = bearer(issuer, Role.WORKER, "permit-worker")
    for sequence, stage in enumerate(stages, start=1):
        if stage == pb.STAGE_APPROVED:
            await workflow.IssuePermit(
                workflow_api.IssuePermitRequest(application=name, signed_by="dm1"),
                metadata=worker,
            )
        await workflow.RecordStageTransition(
            workflow_api.RecordStageTransitionRequest(name=name, sequence=sequence, stage=stage),
            metadata=worker,
        )


async def test_a_citizen_searches_the_register_without_signing_in_and_downloads_it(
    gateway: httpx.AsyncClient,
    service_channel: ServiceChannel,
    issuer: TokenIssuer,
) -> None:
    approved = await submitted(gateway, "Ekibastuz GRES-1")
    formula = await submitted(gateway, '=HYPERLINK("http://evil")')
    pending = await submitted(gateway, "Aksu Ferroalloy")
    for name in (approved, formula):
        await moved_to(service_channel, issuer, name, pb.STAGE_DECISION, pb.STAGE_APPROVED)
    gateway.cookies.clear()

    register = await gateway.get("/portal/register", params={"lang": "ru"})
    assert register.status_code == 200, register.text
    assert "Ekibastuz GRES-1" in register.text
    assert "Aksu Ferroalloy" not in register.text  # not decided: not in the register
    assert re.search(r'href="/portal/permits/[^"]+/verify"', register.text)
    found = await gateway.get("/portal/register", params={"q": "gres ekibastuz"})
    assert "Ekibastuz GRES-1" in found.text
    assert "HYPERLINK" not in found.text
    elsewhere = await gateway.get("/portal/register", params={"region": "REGION_ABAI"})
    assert "Ekibastuz GRES-1" not in elsewhere.text
    other_sector = await gateway.get("/portal/register", params={"sector": "SECTOR_CEMENT"})
    assert "Ekibastuz GRES-1" not in other_sector.text
    same = await gateway.get("/portal/register", params={"sector": "SECTOR_COAL_POWER_AND_HEAT"})
    assert "Ekibastuz GRES-1" in same.text
    assert "/portal/register.csv?sector=SECTOR_COAL_POWER_AND_HEAT" in same.text
    unknown = await gateway.get("/portal/register", params={"region": "REGION_MARS"})
    assert unknown.status_code == 400

    exported = await gateway.get("/portal/register.csv", params={"region": "REGION_PAVLODAR"})
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    assert exported.text.startswith("\ufeff")  # spreadsheets then read it as UTF-8
    rows = list(csv.reader(io.StringIO(exported.text.removeprefix("\ufeff"))))
    assert rows[0][:2] == ["Разрешение", "Объект"]
    facilities = {row[1]: row for row in rows[1:]}
    assert set(facilities) == {"Ekibastuz GRES-1", '\'=HYPERLINK("http://evil")'}
    assert facilities["Ekibastuz GRES-1"][3] == "Павлодарская область"
    assert pending not in exported.text


async def test_a_citizen_comments_on_an_open_hearing_with_a_name_and_a_contact_kept_private(
    gateway: httpx.AsyncClient,
    service_channel: ServiceChannel,
    issuer: TokenIssuer,
) -> None:
    name = await submitted(gateway, "Pavlodar CHP-3")
    await moved_to(service_channel, issuer, name, pb.STAGE_STATE_EXPERTISE)
    reviews = await service_channel(ServiceName.REVIEWS)
    opening = reviews_workflow_api.OpenPublicConsultationRequest(application=name)
    opening.close_time.FromDatetime(datetime.now(UTC) + timedelta(days=30))
    await review_workflow_service_pb2_grpc.ReviewWorkflowServiceStub(
        reviews
    ).OpenPublicConsultation(opening, metadata=bearer(issuer, Role.WORKER, "wf"))
    gateway.cookies.clear()

    hearings = await gateway.get("/portal/hearings", params={"lang": "kk"})
    assert hearings.status_code == 200
    assert "Pavlodar CHP-3" in hearings.text
    hearing = f"/portal/hearings/{name.removeprefix('applications/')}"
    page = await gateway.get(hearing)
    assert 'id="comment-form"' in page.text
    fields = dict(re.findall(r'name="(csrf_token|request_id)" value="([^"]*)"', page.text))

    # Without a contact: refused with the reason, and nothing is published.
    refused = await gateway.post(
        f"{hearing}/comments", data={**fields, "author": "Ecoforum", "text": "Ash dump?"}
    )
    assert refused.status_code == 400
    assert "author_contact" in refused.text
    assert "Ash dump?" not in (await gateway.get(hearing)).text

    sent = await gateway.post(
        f"{hearing}/comments",
        data={**fields, "author": "Ecoforum", "contact": "eco@example.kz", "text": "Ash dump?"},
    )
    assert (sent.status_code, sent.headers["location"]) == (303, "/portal/hearings?thanks=1")
    protocol = (await gateway.get(hearing)).text
    assert "Ecoforum" in protocol
    assert "Ash dump?" in protocol
    assert "eco@example.kz" not in protocol
    staff = await review_service_pb2_grpc.ReviewServiceStub(reviews).ListPublicComments(
        reviews_api.ListPublicCommentsRequest(parent=name),
        metadata=bearer(issuer, Role.REVIEWER, "r1"),
    )
    assert [c.author_contact for c in staff.public_comments] == ["eco@example.kz"]


async def test_an_application_never_heard_in_public_stays_hidden_from_the_public(
    gateway: httpx.AsyncClient,
) -> None:
    name = await submitted(gateway, "Secret Plant")
    gateway.cookies.clear()
    hearing = await gateway.get(f"/portal/hearings/{name.removeprefix('applications/')}")
    assert "Secret Plant" not in hearing.text
    assert 'id="comment-form"' not in hearing.text
    # The old addresses lead to the new pages.
    moved = await gateway.get("/portal/public")
    assert (moved.status_code, moved.headers["location"]) == (301, "/portal/hearings")
