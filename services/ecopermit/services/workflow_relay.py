"""Delivers what the services recorded for the permit workflows: the transactional outbox's relay.

A service writes a change and the message for its workflow in one transaction (the outbox).
This relay reads undelivered messages in order, hands each to Temporal, then marks it
delivered. If the process dies after Temporal accepted a message but before the mark, the
message is delivered again with the same id: a second workflow start with the same workflow id
is rejected, and an update with the same update id returns the first result instead of running
twice (the workflow's validators also refuse a second completion of one task). So nothing is
lost and nothing is applied twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, Protocol

from opentelemetry import context, trace
from opentelemetry.instrumentation.utils import suppress_instrumentation
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import Session
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from ecopermit.runtime import tracing
from ecopermit.runtime.database import alone_if_free
from ecopermit.workflows import contract

logger = logging.getLogger(__name__)
_tracer = trace.get_tracer(__name__)

_BATCH = 100
_UPDATE_TIMEOUT = timedelta(seconds=10)
_MAX_BACKOFF_SECONDS = 30.0


@dataclass(frozen=True)
class Delivery:
    """One outbox message: what to tell which application's workflow."""

    key: str
    application_id: str
    kind: str  # "start" or the name of a workflow update
    payload: dict[str, Any] = field(default_factory=dict)


class Outbox(Protocol):
    async def pending_deliveries(self, limit: int) -> list[Delivery]: ...

    async def mark_delivered(self, key: str) -> None: ...


_WROTE_A_MESSAGE = "ecopermit.outbox.wrote_a_message"


class OutboxDoorbell:
    """Rung when a transaction that wrote an outbox message has committed, so that the relay
    delivers it at once instead of at its next pass.

    The passes stay as the fallback, for a message another replica wrote or a ring that came
    while the relay was backing off. Without the bell a completed task waited half an interval
    on average before its workflow heard of it (`ecopermit bench`, visibility lag).
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], message: type[object]) -> None:
        self._rung = asyncio.Event()
        self._message = message
        session_class = sessions.kw["sync_session_class"]  # the factory's own: see database.py
        event.listen(session_class, "after_flush", self._note_new_messages)
        event.listen(session_class, "after_commit", self._ring_if_noted)
        event.listen(session_class, "after_rollback", self._forget)

    def _note_new_messages(self, session: Session, _: object) -> None:
        # After a flush the session still lists what it inserted as new.
        if any(isinstance(added, self._message) for added in session.new):
            session.info[_WROTE_A_MESSAGE] = True

    def _ring_if_noted(self, session: Session) -> None:
        # Committed: the relay, woken now, reads what this transaction wrote.
        if session.info.pop(_WROTE_A_MESSAGE, False):
            self._rung.set()

    def _forget(self, session: Session) -> None:
        session.info.pop(_WROTE_A_MESSAGE, None)

    async def wait(self, timeout_seconds: float) -> None:
        """Returns when rung, or after the timeout; a ring before the call counts."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._rung.wait(), timeout_seconds)
        self._rung.clear()


_ALIVE = text("SELECT 1")


class RelayTurn:
    """One relay of a service delivers at a time, however many replicas run one: each pass
    first takes PostgreSQL's transaction-scoped advisory lock for the service's outbox, and a
    replica that cannot get it skips the pass. So every message is delivered by one relay, in
    the order it was written, and a replica that dies mid-pass frees the lock with its
    connection. SQLite (the embedded default) has one replica: its turn is always taken."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], outbox_name: str) -> None:
        self._sessions = sessions
        self._key = f"outbox-relay/{outbox_name}"

    @contextlib.asynccontextmanager
    async def taken(self) -> AsyncIterator[Callable[[], Awaitable[bool]] | None]:
        """A check that the turn is still this relay's (call it before each delivery), or
        None when another relay has the turn."""
        async with self._sessions() as session:
            # Asking for the turn every second is no one's request: it is not traced.
            with suppress_instrumentation():
                connection = await session.connection()
                mine = await alone_if_free(connection, self._key)

            async def still_held() -> bool:
                # The lock lives as long as this connection: if it died (a failover, an idle
                # timeout), another replica may hold the turn now.
                try:
                    with suppress_instrumentation():
                        await connection.execute(_ALIVE)
                except DBAPIError:
                    return False
                return True

            try:
                yield still_held if mine else None
            finally:
                with suppress_instrumentation(), contextlib.suppress(DBAPIError):
                    await session.rollback()  # ends the transaction, which frees the lock


async def _always_held() -> bool:
    return True


class DeliveryPostponedError(Exception):
    """Temporal cannot take the message now (down, or the workflow not started yet)."""


def _update_argument(kind: str, payload: dict[str, Any]) -> object:
    if kind == contract.UPDATE_COMPLETE_TASK:
        findings = [contract.TaskFinding(**f) for f in payload.get("findings", [])]
        return contract.TaskCompletion(**{**payload, "findings": findings})
    if kind == contract.UPDATE_AMEND:
        return contract.Amendment(**payload)
    if kind == contract.UPDATE_WITHDRAW:
        return contract.Withdrawal(**payload)
    if kind == contract.UPDATE_RECORD_INSPECTION:
        return contract.InspectionRecorded(**payload)
    raise ValueError(f"unknown outbox message kind {kind!r}")


class WorkflowRelay:
    def __init__(
        self,
        outbox: Outbox,
        connect: Callable[[], Awaitable[Client]],
        task_queue: str,
        interval_seconds: float,
        doorbell: OutboxDoorbell | None = None,
        turn: RelayTurn | None = None,
    ) -> None:
        self._outbox = outbox
        self._doorbell = doorbell
        # Without a turn (a single relay by construction: tests, the embedded default's
        # SQLite), every pass delivers.
        self._turn = turn
        self._connect = connect
        self._task_queue = task_queue
        self._interval = interval_seconds
        self._client: Client | None = None

    async def deliver_pending(self) -> int:
        """One pass over the outbox; returns how many messages were delivered.

        Messages of one application go in order: when one is postponed, the later ones of the
        same application wait for the next pass.
        """
        if self._client is None:
            try:
                self._client = await self._connect()
            except RuntimeError as error:  # the SDK's connection failure
                raise DeliveryPostponedError(f"Temporal unreachable: {error}") from error
        if self._turn is None:
            return await self._deliver_in_order(self._client, _always_held)
        async with self._turn.taken() as still_mine:
            if still_mine is None:
                return 0  # another replica's relay has the turn
            return await self._deliver_in_order(self._client, still_mine)

    async def _deliver_in_order(
        self, client: Client, still_mine: Callable[[], Awaitable[bool]]
    ) -> int:
        delivered = 0
        held_back: set[str] = set()
        # Looking into the outbox every second is no one's request: it is not traced.
        with suppress_instrumentation():
            pending = await self._outbox.pending_deliveries(_BATCH)
        for delivery in pending:
            if delivery.application_id in held_back:
                continue
            if not await still_mine():
                logger.warning("the relay lost its turn mid-pass; another replica goes on")
                break
            try:
                await self._deliver_traced(client, delivery)
            except DeliveryPostponedError as reason:
                logger.info("postponed %s for %s: %s", delivery.kind, delivery.key, reason)
                held_back.add(delivery.application_id)
                continue
            except Exception:
                # Whatever went wrong with this message must not stop the others: hold back
                # its application only, and try again next pass.
                logger.exception("delivering %s for %s failed", delivery.kind, delivery.key)
                held_back.add(delivery.application_id)
                continue
            await self._outbox.mark_delivered(delivery.key)
            delivered += 1
        return delivered

    async def run(self) -> None:
        """Delivers until cancelled, backing off while Temporal is unreachable."""
        backoff = self._interval
        while True:
            try:
                await self.deliver_pending()
                backoff = self._interval
            except DeliveryPostponedError as reason:
                logger.warning("workflow relay waiting: %s", reason)
                backoff = min(backoff * 2, _MAX_BACKOFF_SECONDS)
            except Exception:
                logger.exception("workflow relay pass failed; retrying")
                backoff = min(backoff * 2, _MAX_BACKOFF_SECONDS)
            if self._doorbell is not None and backoff == self._interval:
                await self._doorbell.wait(backoff)
            else:  # backing off: a new message must not hurry a relay that cannot deliver
                await asyncio.sleep(backoff)

    async def _deliver_traced(self, client: Client, delivery: Delivery) -> None:
        """Delivers in the trace of the request that wrote the message, linked to the trace
        the message's subject was created in (a task's, the application's)."""
        payload = dict(delivery.payload)
        parent = tracing.context_from(payload.pop(tracing.TRACE_KEY, None))
        links = tracing.link_to(payload.pop(tracing.LINK_KEY, None))
        token = context.attach(parent)
        try:
            with (
                _tracer.start_as_current_span(
                    f"deliver {delivery.kind}", links=links, kind=trace.SpanKind.PRODUCER
                ),
                tracing.application_scope(delivery.application_id),
            ):
                await self._deliver(client, replace(delivery, payload=payload))
        finally:
            context.detach(token)

    async def _start(self, client: Client, delivery: Delivery, workflow_id: str) -> None:
        workflow, argument = start_arguments(delivery)
        try:
            await client.start_workflow(
                workflow,
                argument,
                id=workflow_id,
                task_queue=self._task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
                search_attributes=start_search_attributes(delivery),
            )
        except WorkflowAlreadyStartedError:
            pass  # started by an earlier delivery of this same message
        except RPCError as error:
            raise DeliveryPostponedError(str(error)) from error

    async def _deliver(self, client: Client, delivery: Delivery) -> None:
        workflow_id = contract.permit_workflow_id(delivery.application_id)
        if delivery.kind == "start":
            await self._start(client, delivery, workflow_id)
            return
        handle = client.get_workflow_handle(workflow_id)
        argument = _update_argument(delivery.kind, delivery.payload)
        try:
            await handle.execute_update(
                delivery.kind,
                argument,
                id=f"{delivery.kind}-{delivery.key}",
                rpc_timeout=_UPDATE_TIMEOUT,
            )
        except WorkflowUpdateFailedError as refusal:
            # The workflow's validator refused it (stale, duplicate or wrong-kind): a final
            # answer, which delivering again would only repeat.
            logger.warning("workflow refused %s %s: %s", delivery.kind, delivery.key, refusal.cause)
        except WorkflowUpdateRPCTimeoutOrCancelledError as error:
            # No worker took it in time; the same update id will find it when one does.
            raise DeliveryPostponedError("the update was not accepted in time") from error
        except RPCError as error:
            if await _workflow_closed(client, workflow_id):
                logger.info(
                    "%s for %s arrived after the workflow closed", delivery.kind, workflow_id
                )
                return
            raise DeliveryPostponedError(str(error)) from error


def start_search_attributes(delivery: Delivery) -> TypedSearchAttributes:
    """What ops filter the new workflow by from its first moment (a start message written
    before they were recorded has fewer). The statute's workflow keeps the stage current
    itself, so only it starts with one; kep-2026.1's would show "submitted" for ever."""
    statutory = delivery.payload.get("workflow") == contract.STATUTORY_WORKFLOW_NAME
    written = {
        contract.REGION_ATTRIBUTE: delivery.payload.get("region"),
        contract.SECTOR_ATTRIBUTE: delivery.payload.get("sector"),
        contract.RULES_VERSION_ATTRIBUTE: delivery.payload.get("rules_version"),
        contract.STAGE_ATTRIBUTE: "submitted" if statutory else None,
    }
    return TypedSearchAttributes(
        [
            SearchAttributePair(key, value)
            for key, value in written.items()
            if isinstance(value, str)
        ]
    )


def start_arguments(delivery: Delivery) -> tuple[str, object]:
    """The workflow type the application was registered for, and its input. A start written
    before registrations named their rules (no "workflow" key) is kep-2026.1's."""
    payload = delivery.payload
    workflow = payload.get("workflow", contract.WORKFLOW_NAME)
    if workflow == contract.WORKFLOW_NAME:
        return workflow, contract.PermitApplicationInput(
            application_id=delivery.application_id, enterprise_bin=payload["enterprise_bin"]
        )
    return workflow, contract.KepApplicationInput(
        application_id=delivery.application_id,
        enterprise_bin=payload["enterprise_bin"],
        rules_version=payload["rules_version"],
        registered_on=payload["registered_on"],
    )


async def _workflow_closed(client: Client, workflow_id: str) -> bool:
    """Whether the workflow has ended, so that no message can reach it any more.

    A workflow Temporal does not know is not taken as ended: a wrong namespace would otherwise
    drop every message. Its messages wait, holding back only their own application.
    """
    try:
        description = await client.get_workflow_handle(workflow_id).describe()
    except RPCError:
        return False
    return description.status not in (None, WorkflowExecutionStatus.RUNNING)
