"""An enterprise's officer filling in the submission form as a person does: adding and removing
rows, making mistakes and seeing each one at its field in their language, choosing a file once,
and giving an efficiency programme with dated milestones, in the first submission or in the
answer to a return for one."""

from __future__ import annotations

import html
import re

import httpx

from ecopermit.applicants.v1 import applicant_service_pb2 as applicants_api
from ecopermit.applicants.v1 import applicant_service_pb2_grpc, applicant_workflow_service_pb2_grpc
from ecopermit.applicants.v1 import applicant_workflow_service_pb2 as workflow_api
from ecopermit.applicants.v1 import resources_pb2 as pb
from ecopermit.demo.stand_in_documents import stand_in_pdf
from ecopermit.runtime.identity import Role
from ecopermit.runtime.settings import ServiceName
from ecopermit.runtime.tokens import TokenIssuer
from ecopermit.type.v1 import kazakhstan_pb2 as kz
from tests.conftest import ENTERPRISE_BIN, ServiceChannel, bearer
from tests.test_gateway import gateway
from tests.test_portal import registered_with_an_application_form, signed_with_the_local_key

__all__ = ["gateway"]  # the fixture, served here too


def shown(page: str, field: str) -> str:
    """The value a text field shows."""
    found = re.search(rf'name="{re.escape(field)}" type="[a-z]+" value="([^"]*)"', page)
    assert found, f"no field {field}"
    return found.group(1)


async def application_of(
    service_channel: ServiceChannel, issuer: TokenIssuer, name: str
) -> pb.Application:
    applicants = applicant_service_pb2_grpc.ApplicantServiceStub(
        await service_channel(ServiceName.APPLICANTS)
    )
    found = await applicants.GetApplication(
        applicants_api.GetApplicationRequest(name=name),
        metadata=bearer(issuer, Role.APPLICANT, "aliya", ENTERPRISE_BIN),
    )
    application: pb.Application = found.application
    return application


async def test_rows_are_added_and_removed_and_what_was_typed_stays(
    gateway: httpx.AsyncClient,
) -> None:
    form = await registered_with_an_application_form(gateway)
    form |= {"source_rows": "2", "source_id_1": "stack-2", "pollutant_1": "POLLUTANT_DUST"}
    added = await gateway.post("/portal/applications", data={**form, "action": "add_source"})
    assert added.status_code == 200
    assert added.text.count('class="govuk-table__row source-row"') == 3
    assert shown(added.text, "facility_name") == "CHP-2"
    assert shown(added.text, "source_id_1") == "stack-2"
    # Remove the first row: the second moves up, with its pollutant.
    fields = {
        key: html.unescape(value)
        for key, value in re.findall(
            r'type="hidden" name="([a-z_0-9]+)" value="([^"]*)"', added.text
        )
    }
    assert fields["source_rows"] == "3"
    removed = await gateway.post(
        "/portal/applications",
        data={**form, **fields, "source_rows": "3", "action": "remove_source:0"},
    )
    assert removed.text.count('class="govuk-table__row source-row"') == 2
    assert shown(removed.text, "source_id_0") == "stack-2"
    assert re.search(
        r'name="pollutant_0"[^>]*>.*?<option value="POLLUTANT_DUST" selected>', removed.text, re.S
    )
    assert "CHP-2" not in (await gateway.get("/portal/enterprise")).text  # nothing submitted


async def test_mistakes_come_back_at_their_fields_in_kazakh_with_nothing_submitted(
    gateway: httpx.AsyncClient,
) -> None:
    form = await registered_with_an_application_form(gateway)
    await gateway.get("/portal/enterprise", params={"lang": "kk"})
    form |= {
        "facility_name": "",
        "concentration_0": "a lot",
        "source_id_0": "stack 1",  # the contract's pattern has no spaces
        "milestone_rows": "1",
        "milestone_description_0": "Install SCR",
        "milestone_due_0": "soon",
    }
    page = await gateway.post("/portal/applications", data=form)
    assert page.status_code == 400
    assert 'id="error-summary"' in page.text
    assert "Қате бар" in page.text  # "There is a problem"
    for field, message in (
        ("facility_name", "Толтырыңыз"),
        ("concentration_0", "Санды енгізіңіз"),
        ("source_id_0", "Бұл мән қабылданбайды"),
        ("milestone_due_0", "Күнді енгізіңіз"),
    ):
        assert f'<a href="#{field}">{message}' in page.text, field
        assert re.search(rf'id="{field}-error"[^>]*>.*?{message}', page.text, re.S), field
    assert shown(page.text, "milestone_description_0") == "Install SCR"
    assert "CHP-2" not in (await gateway.get("/portal/enterprise")).text


async def test_a_file_chosen_once_is_kept_and_the_programme_goes_with_the_submission(
    gateway: httpx.AsyncClient, service_channel: ServiceChannel, issuer: TokenIssuer
) -> None:
    form = await registered_with_an_application_form(gateway)
    project = {
        "document_DOCUMENT_KIND_PROJECT_DOCUMENTATION": (
            "project.pdf",
            stand_in_pdf("Project"),
            "application/pdf",
        )
    }
    added = await gateway.post(
        "/portal/applications", data={**form, "action": "add_milestone"}, files=project
    )
    assert added.status_code == 200
    assert "project.pdf" in added.text  # said as uploaded; not asked for again
    carried = re.search(r'name="carried" value="([^"]*)"', added.text)
    assert carried
    assert added.text.count('class="govuk-table__row milestone-row"') == 2
    sent = {
        **form,
        "carried": html.unescape(carried.group(1)),
        "milestone_rows": "2",
        "milestone_description_0": "Low-NOx burners on boiler 1",
        "milestone_due_0": "2028-06-30",
        "milestone_source_0": "stack-1",
        "milestone_pollutant_0": "POLLUTANT_NOX",
    }
    submitted = await signed_with_the_local_key(
        gateway, await gateway.post("/portal/applications", data=sent)
    )
    name = submitted.headers["location"].removeprefix("/portal/")
    application = await application_of(service_channel, issuer, name)
    assert [d.file_name for d in application.documents] == ["project.pdf"]
    (milestone,) = application.efficiency_programme
    assert milestone.description == "Low-NOx burners on boiler 1"
    assert (milestone.due_date.year, milestone.due_date.month, milestone.due_date.day) == (
        2028,
        6,
        30,
    )
    assert (milestone.source_id, milestone.pollutant) == ("stack-1", kz.POLLUTANT_NOX)


async def test_a_return_for_an_efficiency_programme_is_answered_with_its_milestones(
    gateway: httpx.AsyncClient, service_channel: ServiceChannel, issuer: TokenIssuer
) -> None:
    form = await registered_with_an_application_form(gateway)
    submitted = await signed_with_the_local_key(
        gateway, await gateway.post("/portal/applications", data=form)
    )
    page_address = submitted.headers["location"]
    name = page_address.removeprefix("/portal/")
    workflow = applicant_workflow_service_pb2_grpc.ApplicantWorkflowServiceStub(
        await service_channel(ServiceName.APPLICANTS)
    )
    await workflow.RecordStageTransition(
        workflow_api.RecordStageTransitionRequest(
            name=name,
            sequence=1,
            stage=pb.STAGE_RETURNED_FOR_REVISION,
            reason="values above the BAT-AEL need an environmental efficiency programme",
        ),
        metadata=bearer(issuer, Role.WORKER, "permit-worker"),
    )
    page = await gateway.get(page_address, params={"milestones": "4"})
    assert page.text.count('class="govuk-table__row milestone-row"') == 4
    answer = {
        "csrf_token": form["csrf_token"],
        "request_id": re.findall(r'name="request_id" value="([^"]+)"', page.text)[0],
        "response": "The programme is attached.",
        "milestone_rows": "4",
        "milestone_description_0": "Replace the electrostatic precipitator",
        "milestone_due_0": "2029-12-31",
        "milestone_source_0": "stack-1",
        "milestone_pollutant_0": "POLLUTANT_DUST",
    }
    bad = await gateway.post(
        f"{page_address}/amend", data={**answer, "milestone_due_0": "31.12.2029"}
    )
    assert bad.status_code == 400
    assert "Введите дату" in bad.text
    signed = await signed_with_the_local_key(
        gateway, await gateway.post(f"{page_address}/amend", data=answer)
    )
    assert signed.status_code == 303, signed.text
    application = await application_of(service_channel, issuer, name)
    assert [m.description for m in application.efficiency_programme] == [
        "Replace the electrostatic precipitator"
    ]
