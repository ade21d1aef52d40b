"""The outbox relay against a real Temporal dev server: starts, updates, and a crash between
Temporal accepting a completion and the outbox recording it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import col, func, select
from temporalio import workflow
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from ecopermit.applicants.v1 import applicant_service_pb2 as applicants_api
from ecopermit.applicants.v1 import applicant_service_pb2_grpc
from ecopermit.reviews.v1 import resources_pb2 as reviews_pb
from ecopermit.reviews.v1 import review_service_pb2 as reviews_api
from ecopermit.reviews.v1 import review_service_pb2_grpc, review_workflow_service_pb2_grpc
from ecopermit.reviews.v1 import review_workflow_service_pb2 as reviews_workflow_api
from ecopermit.runtime import migrations
from ecopermit.runtime.database import create_engine, session_factory
from ecopermit.runtime.esign.local_authority import local_principal
from ecopermit.runtime.esign.statements import Purpose
from ecopermit.runtime.identity import Role
from ecopermit.runtime.settings import ServiceName, Settings
from ecopermit.runtime.tokens import TokenIssuer
from ecopermit.services.applicants.models import WorkflowOutboxRecord
from ecopermit.services.applicants.store import ApplicantStore
from ecopermit.services.reviews.models import CompletionOutboxRecord
from ecopermit.services.reviews.store import ReviewStore
from ecopermit.services.workflow_relay import (
    Delivery,
    OutboxDoorbell,
    RelayTurn,
    WorkflowRelay,
    start_arguments,
)
from ecopermit.type.v1 import kazakhstan_pb2 as kz
from ecopermit.workflows import contract
from tests import samples
from tests.conftest import ENTERPRISE_BIN, ServiceChannel, bearer


@workflow.defn(name=contract.STATUTORY_WORKFLOW_NAME)
class RecordingPermitWorkflow:
    """Stands in for the permit workflow (issue #4): records what the relay delivers."""

    def __init__(self) -> None:
        self.completed: list[str] = []
        self.withdrawn = False

    @workflow.run
    async def run(self, application: contract.KepApplicationInput) -> str:
        await workflow.wait_condition(lambda: self.withdrawn)
        return f"{application.application_id} {application.rules_version}"

    @workflow.update(name=contract.UPDATE_COMPLETE_TASK)
    async def complete_task(self, completion: contract.TaskCompletion) -> None:
        self.completed.append(completion.task_id)

    @complete_task.validator
    def refuse_a_second_completion(self, completion: contract.TaskCompletion) -> None:
        if completion.task_id in self.completed:
            raise ValueError(f"task {completion.task_id} is already completed")

    @workflow.update(name=contract.UPDATE_WITHDRAW)
    async def withdraw(self, withdrawal: contract.Withdrawal) -> None:
        self.withdrawn = True

    @workflow.query
    def completions(self) -> list[str]:
        return self.completed


def registered(application_id: str) -> contract.KepApplicationInput:
    return contract.KepApplicationInput(application_id, ENTERPRISE_BIN, "kep-2026.2", "2026-12-03")


@pytest.fixture
async def worker(temporal: WorkflowEnvironment) -> AsyncIterator[str]:
    """A worker for the stand-in workflow on a task queue of this test's own."""
    task_queue = f"relay-{uuid.uuid4()}"
    async with Worker(
        temporal.client,
        task_queue=task_queue,
        workflows=[RecordingPermitWorkflow],
        workflow_runner=UnsandboxedWorkflowRunner(),
    ):
        yield task_queue


def relay_over(
    store: ApplicantStore | ReviewStore, client: Client, task_queue: str
) -> WorkflowRelay:
    async def connect() -> Client:
        return client

    return WorkflowRelay(store, connect, task_queue, interval_seconds=0.1)


async def test_a_submission_starts_its_workflow_once_and_a_withdrawal_reaches_it(
    settings: Settings,
    service_channel: ServiceChannel,
    issuer: TokenIssuer,
    temporal: WorkflowEnvironment,
    worker: str,
) -> None:
    channel = await service_channel(ServiceName.APPLICANTS)
    stub = applicant_service_pb2_grpc.ApplicantServiceStub(channel)
    owner = bearer(issuer, Role.APPLICANT, "aliya")
    await stub.RegisterEnterprise(
        applicants_api.RegisterEnterpriseRequest(enterprise=samples.enterprise(ENTERPRISE_BIN)),
        metadata=owner,
    )
    request = samples.submit_request(ENTERPRISE_BIN)
    application = await samples.submit(stub, request, owner, subject="aliya")
    await stub.SubmitApplication(request, metadata=owner)  # the client's retry
    engine = create_engine(settings.database_url(ServiceName.APPLICANTS))
    try:
        relay = relay_over(ApplicantStore(session_factory(engine)), temporal.client, worker)
        assert await relay.deliver_pending() == 1
        assert await relay.deliver_pending() == 0
        application_id = application.name.removeprefix("applications/")
        handle = temporal.client.get_workflow_handle(contract.permit_workflow_id(application_id))
        described = await handle.describe()
        assert described.status is WorkflowExecutionStatus.RUNNING
        # Ops can filter it by region, sector and rules from its first moment.
        found = described.typed_search_attributes
        assert found.get(contract.REGION_ATTRIBUTE) == kz.Region.Name(
            request.application.facility.region
        )
        assert found.get(contract.SECTOR_ATTRIBUTE) == kz.Sector.Name(request.application.sector)
        assert found.get(contract.RULES_VERSION_ATTRIBUTE) == "kep-2026.2"
        await stub.WithdrawApplication(
            applicants_api.WithdrawApplicationRequest(name=application.name, reason="closing"),
            metadata=owner,
        )
        assert await relay.deliver_pending() == 1
        # Registered under the rules in force, whose workflow type the relay started.
        assert await handle.result() == f"{application_id} kep-2026.2"
    finally:
        await engine.dispose()


async def test_a_committed_message_rings_the_relay_awake_before_its_next_pass(
    settings: Settings, temporal: WorkflowEnvironment, worker: str
) -> None:
    await asyncio.to_thread(migrations.upgrade, ServiceName.APPLICANTS, settings)
    engine = create_engine(settings.database_url(ServiceName.APPLICANTS))
    sessions = session_factory(engine)  # shared by the servicer's store and the relay, as in serve
    store = ApplicantStore(sessions)

    async def connect() -> Client:
        return temporal.client

    # A pass a minute: without the bell, the submission would wait most of that minute.
    relay = WorkflowRelay(
        store,
        connect,
        worker,
        interval_seconds=60,
        doorbell=OutboxDoorbell(sessions, WorkflowOutboxRecord),
    )
    relaying = asyncio.create_task(relay.run())
    try:
        officer = local_principal("aliya", Role.APPLICANT, ENTERPRISE_BIN)
        await store.register_enterprise(samples.enterprise(ENTERPRISE_BIN), officer)
        await asyncio.sleep(0.5)  # the relay's first pass is over; it waits for the bell now
        request = samples.submit_request(ENTERPRISE_BIN)
        del request.application.documents[:]  # what is relayed is the start, not the dossier
        signed = await samples.verified(
            request, Purpose.SUBMISSION, officer, organisation_bin=ENTERPRISE_BIN
        )
        view = await store.submit(request.request_id, request.application, signed, officer)
        application_id = view.record.id
        handle = temporal.client.get_workflow_handle(contract.permit_workflow_id(application_id))
        for _ in range(100):
            with contextlib.suppress(RPCError):  # not started yet
                if (await handle.describe()).status is WorkflowExecutionStatus.RUNNING:
                    break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the relay slept through the submission")
    finally:
        relaying.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await relaying
        await engine.dispose()


async def test_a_completion_survives_a_crash_between_temporal_and_the_outbox(
    settings: Settings,
    service_channel: ServiceChannel,
    issuer: TokenIssuer,
    temporal: WorkflowEnvironment,
    worker: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    application_id = f"a-{uuid.uuid4().hex[:8]}"
    channel = await service_channel(ServiceName.REVIEWS)
    inbox = review_service_pb2_grpc.ReviewServiceStub(channel)
    tasks = review_workflow_service_pb2_grpc.ReviewWorkflowServiceStub(channel)
    create = reviews_workflow_api.CreateTaskRequest(
        task_id=f"{application_id}-completeness-1",
        application=f"applications/{application_id}",
        kind=reviews_pb.TASK_KIND_COMPLETENESS,
    )
    create.due_time.FromDatetime(datetime.now(UTC) + timedelta(days=5))
    task = (await tasks.CreateTask(create, metadata=bearer(issuer, Role.WORKER, "wf"))).task
    reviewer = bearer(issuer, Role.REVIEWER, "r1")
    await inbox.ClaimTask(reviews_api.ClaimTaskRequest(name=task.name), metadata=reviewer)
    await inbox.CompleteTask(
        reviews_api.CompleteTaskRequest(name=task.name, outcome=reviews_pb.TASK_OUTCOME_COMPLETE),
        metadata=reviewer,
    )
    engine = create_engine(settings.database_url(ServiceName.REVIEWS))
    try:
        store = ReviewStore(session_factory(engine), comments_per_hour=10)
        relay = relay_over(store, temporal.client, worker)
        assert await relay.deliver_pending() == 0  # no workflow yet: the completion waits
        handle = await temporal.client.start_workflow(
            RecordingPermitWorkflow.run,
            contract.KepApplicationInput(
                application_id, ENTERPRISE_BIN, "kep-2026.2", "2026-12-03"
            ),
            id=contract.permit_workflow_id(application_id),
            task_queue=worker,
        )
        real_mark = ReviewStore.mark_delivered

        async def die_before_marking(self: ReviewStore, key: str) -> None:
            raise ConnectionError("process died after Temporal accepted the update")

        monkeypatch.setattr(ReviewStore, "mark_delivered", die_before_marking)
        with pytest.raises(ConnectionError):
            await relay.deliver_pending()
        assert await handle.query(RecordingPermitWorkflow.completions) == [create.task_id]
        monkeypatch.setattr(ReviewStore, "mark_delivered", real_mark)
        assert await relay.deliver_pending() == 1  # delivered again, applied once
        assert await relay.deliver_pending() == 0
        assert await handle.query(RecordingPermitWorkflow.completions) == [create.task_id]
    finally:
        await engine.dispose()
    still = await inbox.GetTask(reviews_api.GetTaskRequest(name=task.name), metadata=reviewer)
    assert still.task.state == reviews_pb.TASK_STATE_COMPLETED


class ListOutbox:
    """The relay's view of an outbox, kept in a list: which messages it marks delivered."""

    def __init__(self, deliveries: list[Delivery]) -> None:
        self.deliveries = deliveries
        self.delivered: list[str] = []

    async def pending_deliveries(self, limit: int) -> list[Delivery]:
        return [d for d in self.deliveries if d.key not in self.delivered][:limit]

    async def mark_delivered(self, key: str) -> None:
        self.delivered.append(key)


async def test_one_bad_message_holds_back_its_application_only(
    temporal: WorkflowEnvironment, worker: str
) -> None:
    ids = {name: f"{name}-{uuid.uuid4().hex[:8]}" for name in ("a", "b", "c", "gone")}
    for name in ("a", "b", "c"):
        await temporal.client.start_workflow(
            RecordingPermitWorkflow.run,
            registered(ids[name]),
            id=contract.permit_workflow_id(ids[name]),
            task_queue=worker,
        )
    completion = {"task_id": "t1", "kind": 1, "outcome": 1, "completed_by": "r1"}
    outbox = ListOutbox(
        [
            Delivery("1", ids["a"], contract.UPDATE_COMPLETE_TASK, completion),
            # The same task completed again: the validator refuses; that answer is final.
            Delivery("2", ids["a"], contract.UPDATE_COMPLETE_TASK, completion),
            # A message that cannot even be built must not stop the others...
            Delivery("3", ids["b"], contract.UPDATE_COMPLETE_TASK, {"task_id": "t1"}),
            # ...and what follows it for the same application waits behind it, in order.
            Delivery("4", ids["b"], contract.UPDATE_WITHDRAW, {"reason": "closing"}),
            Delivery("5", ids["c"], contract.UPDATE_WITHDRAW, {"reason": "closing"}),
            # A workflow Temporal does not know (yet, or in this namespace): the message waits.
            Delivery("6", ids["gone"], contract.UPDATE_WITHDRAW, {"reason": "closing"}),
        ]
    )

    async def connect() -> Client:
        return temporal.client

    relay = WorkflowRelay(outbox, connect, worker, interval_seconds=0.1)
    assert await relay.deliver_pending() == 3
    assert outbox.delivered == ["1", "2", "5"]
    handle = temporal.client.get_workflow_handle(contract.permit_workflow_id(ids["a"]))
    assert await handle.query(RecordingPermitWorkflow.completions) == ["t1"]
    finished = temporal.client.get_workflow_handle(contract.permit_workflow_id(ids["c"]))
    assert await finished.result() == f"{ids['c']} kep-2026.2"
    waiting = temporal.client.get_workflow_handle(contract.permit_workflow_id(ids["b"]))
    assert (await waiting.describe()).status is WorkflowExecutionStatus.RUNNING
    await waiting.terminate("test over")
    await handle.terminate("test over")


def test_a_start_written_before_registrations_named_their_rules_starts_kep_2026_1() -> None:
    """An outbox row written by the release before kep-2026.2 has no workflow type: it is an
    application submitted then, which runs under kep-2026.1."""
    old = Delivery("1", "app-1", "start", {"enterprise_bin": ENTERPRISE_BIN})
    workflow_type, argument = start_arguments(old)
    assert workflow_type == contract.WORKFLOW_NAME
    assert argument == contract.PermitApplicationInput("app-1", ENTERPRISE_BIN)
    new = Delivery(
        "2",
        "app-2",
        "start",
        {
            "enterprise_bin": ENTERPRISE_BIN,
            "workflow": contract.STATUTORY_WORKFLOW_NAME,
            "rules_version": "kep-2026.2",
            "registered_on": "2026-12-04",
        },
    )
    workflow_type, argument = start_arguments(new)
    assert workflow_type == contract.STATUTORY_WORKFLOW_NAME
    assert argument == contract.KepApplicationInput(
        "app-2", ENTERPRISE_BIN, "kep-2026.2", "2026-12-04"
    )


async def test_two_replicas_relaying_one_postgres_outbox_deliver_each_message_once_in_order(
    settings: Settings, fresh_postgres_url: str, temporal: WorkflowEnvironment, worker: str
) -> None:
    shared = settings.model_copy(update={"reviews_database_url": fresh_postgres_url})
    await asyncio.to_thread(migrations.upgrade, ServiceName.REVIEWS, shared)
    applications = [f"r-{uuid.uuid4().hex[:8]}" for _ in range(6)]
    tasks = [f"t{n}" for n in range(1, 5)]
    for application_id in applications:
        await temporal.client.start_workflow(
            RecordingPermitWorkflow.run,
            registered(application_id),
            id=contract.permit_workflow_id(application_id),
            task_queue=worker,
        )
    engines = [create_engine(fresh_postgres_url) for _ in range(3)]
    try:
        writer = session_factory(engines[0])
        written = datetime.now(UTC)
        async with writer() as session, session.begin():
            for n, task in enumerate(tasks):
                for application_id in applications:
                    completion = {"task_id": task, "kind": 1, "outcome": 1, "completed_by": "r1"}
                    session.add(
                        CompletionOutboxRecord(
                            task_id=f"{application_id}-{task}",
                            application_id=application_id,
                            payload=json.dumps(completion),
                            create_time=written + timedelta(milliseconds=n),
                        )
                    )

        async def connect() -> Client:
            return temporal.client

        # Two replicas of the reviews service, each with its own connections and relay.
        replicas = [
            WorkflowRelay(
                ReviewStore(session_factory(engine), comments_per_hour=10),
                connect,
                worker,
                interval_seconds=0.05,
                turn=RelayTurn(session_factory(engine), "reviews"),
            )
            for engine in engines[1:]
        ]
        # Their passes overlap, round after round, until the outbox is empty.
        delivered = 0
        for _ in range(100):
            delivered += sum(await asyncio.gather(*(r.deliver_pending() for r in replicas)))
            async with writer() as session:
                left = (
                    await session.exec(
                        select(func.count()).where(
                            col(CompletionOutboxRecord.deliver_time).is_(None)
                        )
                    )
                ).one()
            if left == 0:
                break
        assert left == 0, f"{left} messages never delivered"
        # Each message handed to Temporal by one relay, once: never by both.
        assert delivered == len(applications) * len(tasks)
        for application_id in applications:
            handle = temporal.client.get_workflow_handle(
                contract.permit_workflow_id(application_id)
            )
            assert await handle.query(RecordingPermitWorkflow.completions) == tasks
            await handle.terminate("test over")
    finally:
        for engine in engines:
            await engine.dispose()


async def test_a_relay_whose_lock_connection_dies_knows_it_lost_its_turn(
    fresh_postgres_url: str,
) -> None:
    ours, theirs = create_engine(fresh_postgres_url), create_engine(fresh_postgres_url)
    try:
        other_replica = RelayTurn(session_factory(theirs), "reviews")
        async with RelayTurn(session_factory(ours), "reviews").taken() as still_mine:
            assert still_mine is not None
            assert await still_mine()
            async with other_replica.taken() as meanwhile:
                assert meanwhile is None  # one turn at a time
            # A failover or an idle timeout ends the connection that holds the lock.
            async with theirs.connect() as admin:
                await admin.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_locks "
                        "WHERE locktype = 'advisory' AND granted"
                    )
                )
            assert not await still_mine()
        async with other_replica.taken() as taken_over:
            assert taken_over is not None
    finally:
        await ours.dispose()
        await theirs.dispose()
