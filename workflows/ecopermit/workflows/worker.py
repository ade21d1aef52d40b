"""The permit worker process: runs PermitApplicationWorkflow and its activities until SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import secrets
import signal
from datetime import timedelta

import grpc
from temporalio.client import Client
from temporalio.worker import Worker

from ecopermit.domain.business_calendar import kazakhstan_calendar
from ecopermit.runtime.grpc.channels import service_channel
from ecopermit.runtime.grpc.page_tokens import PageTokenSeal
from ecopermit.runtime.grpc.server import start_server
from ecopermit.runtime.settings import ServiceName, Settings
from ecopermit.runtime.temporal import (
    connect_temporal,
    ensure_search_attributes,
    keep_histories_for,
)
from ecopermit.runtime.tokens import TokenIssuer, TokenVerifier
from ecopermit.workflows import contract
from ecopermit.workflows.activities import PermitActivities, ServiceChannels, WorkerCredentials
from ecopermit.workflows.application_tracing import ApplicationTracingInterceptor
from ecopermit.workflows.permit_workflow import PermitApplicationWorkflow
from ecopermit.workflows.statutory_workflow import KepProcedureWorkflow

logger = logging.getLogger(__name__)
# Every procedure the worker runs: kep-2026.1's for the applications registered under it, until
# the last of them is decided, and the statute's sequence from kep-2026.2 on.
WORKFLOWS = [PermitApplicationWorkflow, KepProcedureWorkflow]


def build_worker(
    client: Client,
    task_queue: str,
    activities: PermitActivities,
    grace: timedelta,
    max_cached_workflows: int,
) -> Worker:
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=activities.all(),
        max_cached_workflows=max_cached_workflows,
        # Inside the client's tracing interceptor, so its spans carry the application too.
        interceptors=[ApplicationTracingInterceptor()],
        graceful_shutdown_timeout=grace,
    )


def permit_activities(settings: Settings) -> tuple[PermitActivities, list[grpc.aio.Channel]]:
    """The activities over channels to the three services; the caller closes the channels."""
    channels = ServiceChannels(*(service_channel(settings, service) for service in ServiceName))
    activities = PermitActivities(
        channels,
        WorkerCredentials(TokenIssuer.from_settings(settings)),
        kazakhstan_calendar(),
        settings.statutory_day_seconds,
    )
    return activities, [channels.applicants, channels.reviews, channels.inspections]


async def run_worker(settings: Settings) -> None:
    """Polls the task queue until SIGTERM or SIGINT, serving gRPC health for probes meanwhile."""
    client = await connect_temporal(settings)
    await ensure_search_attributes(client, contract.SEARCH_ATTRIBUTES)
    if settings.is_embedded:
        await keep_histories_for(client, timedelta(days=settings.temporal_retention_days))
    activities, channels = permit_activities(settings)
    grace = timedelta(seconds=settings.shutdown_grace_seconds)
    worker = build_worker(
        client,
        settings.temporal_task_queue,
        activities,
        grace,
        settings.worker_max_cached_workflows,
    )
    health = await start_server(
        [],
        host=settings.host,
        port=settings.worker_port,
        verifier=TokenVerifier(settings),
        # Health only: no RPC here pages, so no key needs sharing with anyone.
        page_tokens=PageTokenSeal(secrets.token_bytes(32)),
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    polling = asyncio.create_task(worker.run())
    stopping = asyncio.create_task(stop.wait())
    logger.info(
        "permit worker polling %s; health on port %d", settings.temporal_task_queue, health.port
    )
    try:
        await asyncio.wait({polling, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        await health.health.enter_graceful_shutdown()
        if not polling.done():
            await worker.shutdown()
        await health.stop(0)
        for channel in channels:
            await channel.close()
    polling.result()  # a worker that died on its own exits non-zero
