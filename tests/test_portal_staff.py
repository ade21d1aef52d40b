"""The Committee's people at their pages: an official's inbox as a table they can filter, sort
and page, the task page with the application beside the form, and a head of department who
gives, moves and takes back its officials' tasks, each department seeing its own region."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx

from ecopermit.reviews.v1 import resources_pb2 as reviews_pb
from ecopermit.reviews.v1 import review_workflow_service_pb2_grpc
from ecopermit.runtime.identity import Role
from ecopermit.runtime.settings import ServiceName
from ecopermit.runtime.tokens import TokenIssuer
from ecopermit.type.v1 import kazakhstan_pb2 as kz
from tests import samples
from tests.conftest import ServiceChannel, bearer
from tests.test_gateway import gateway
from tests.test_portal import csrf_of, sign_in
from tests.test_public_pages import submitted

__all__ = ["gateway"]  # the fixture, served here too


async def task_about(
    service_channel: ServiceChannel,
    issuer: TokenIssuer,
    application: str,
    kind: reviews_pb.TaskKind,
    region: kz.Region,
    due_in: timedelta,
) -> str:
    """A task as the worker creates it; its id."""
    workflow = review_workflow_service_pb2_grpc.ReviewWorkflowServiceStub(
        await service_channel(ServiceName.REVIEWS)
    )
    request = samples.task_creation(application, kind, region, due_in)
    await workflow.CreateTask(request, metadata=bearer(issuer, Role.WORKER, "wf"))
    return str(request.task_id)


def row_of(page: str, task_id: str) -> str:
    """The table row that carries the task's id in a link or form."""
    rows: list[str] = re.findall(r"<tr class=\"govuk-table__row\">.*?</tr>", page, flags=re.S)
    found = [row for row in rows if task_id in row]
    assert found, f"no row for {task_id}"
    return found[0]


async def test_an_inbox_is_a_table_of_what_each_task_is_about_filtered_and_sorted(
    gateway: httpx.AsyncClient, service_channel: ServiceChannel, issuer: TokenIssuer
) -> None:
    application = await submitted(gateway, "CHP-2")
    late = await task_about(
        service_channel,
        issuer,
        application,
        reviews_pb.TASK_KIND_COMPLETENESS,
        kz.REGION_PAVLODAR,
        timedelta(days=-2),
    )
    later = await task_about(
        service_channel,
        issuer,
        application,
        reviews_pb.TASK_KIND_COMPLETENESS,
        kz.REGION_PAVLODAR,
        timedelta(days=9),
    )
    await sign_in(gateway, "reviewer", "rustam")
    inbox = (await gateway.get("/portal/inbox", params={"lang": "ru"})).text
    row = row_of(inbox, late)
    for shown in ("Pavlodar Power JSC", "CHP-2", "Павлодарская область", "просрочено"):
        assert shown in row, shown
    # Due first by default: the overdue one leads.
    assert inbox.index(late) < inbox.index(later)
    by_creation = (await gateway.get("/portal/inbox", params={"order": "create_time"})).text
    assert by_creation.index(late) < by_creation.index(later)
    overdue = (await gateway.get("/portal/inbox", params={"overdue": "1"})).text
    assert late in overdue
    assert later not in overdue
    elsewhere = (await gateway.get("/portal/inbox", params={"region": "REGION_ABAI"})).text
    assert late not in elsewhere
    wrong = await gateway.get("/portal/inbox", params={"order": "nonsense"})
    assert wrong.status_code == 400

    # The task page: the application beside the form.
    csrf = await csrf_of(gateway, "/portal/inbox")
    claimed = await gateway.post(f"/portal/tasks/{late}/claim", data={"csrf_token": csrf})
    page = (await gateway.get(claimed.headers["location"])).text
    assert 'id="about"' in page
    assert 'id="decide"' in page
    assert "stack-1" in page  # the emission sources
    assert "Pavlodar" in page  # the facility's address
    assert 'id="earlier"' in page


async def test_a_head_of_department_gives_moves_and_takes_back_tasks_in_its_region(
    gateway: httpx.AsyncClient, service_channel: ServiceChannel, issuer: TokenIssuer
) -> None:
    application = await submitted(gateway, "CHP-2")
    ours = await task_about(
        service_channel,
        issuer,
        application,
        reviews_pb.TASK_KIND_COMPLETENESS,
        kz.REGION_PAVLODAR,
        timedelta(days=3),
    )
    theirs = await task_about(
        service_channel,
        issuer,
        application,
        reviews_pb.TASK_KIND_COMPLETENESS,
        kz.REGION_ABAI,
        timedelta(days=3),
    )
    await sign_in(gateway, "reviewer", "rustam")
    assert (await gateway.get("/portal/department")).status_code == 403

    await sign_in(gateway, "head_of_department", "head-1", region="REGION_PAVLODAR")
    department = (await gateway.get("/portal/department")).text
    assert ours in row_of(department, ours)
    assert theirs not in department  # another department's work
    csrf = await csrf_of(gateway, "/portal/department")
    given = await gateway.post(
        f"/portal/tasks/{ours}/assign",
        data={
            "csrf_token": csrf,
            "assignee": "rustam",
            "back": "/portal/department?order=due_time",
        },
    )
    assert given.headers["location"] == "/portal/department?order=due_time"
    held = (await gateway.get("/portal/department")).text
    assert "rustam" in row_of(held.split('id="held"')[1], ours)
    assert re.search(r"<td[^>]*>rustam</td>\s*<td[^>]*>1</td>", held)  # rustam's queue
    await gateway.post(
        f"/portal/tasks/{ours}/assign", data={"csrf_token": csrf, "assignee": "dana"}
    )
    # A form cannot send the head off the site.
    taken_back = await gateway.post(
        f"/portal/tasks/{ours}/release", data={"csrf_token": csrf, "back": "https://evil.example"}
    )
    assert taken_back.headers["location"] == "/portal/department"
    unassigned = (await gateway.get("/portal/department")).text.split('id="held"')[0]
    assert ours in unassigned

    # Dana's inbox no longer holds it; the Abai task cannot be given from Pavlodar.
    refused = await gateway.post(
        f"/portal/tasks/{theirs}/assign", data={"csrf_token": csrf, "assignee": "dana"}
    )
    assert refused.status_code == 404
    await sign_in(gateway, "reviewer", "dana")
    assert ours not in (await gateway.get("/portal/inbox")).text.split('id="waiting"')[0]
