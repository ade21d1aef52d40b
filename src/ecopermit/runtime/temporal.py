"""The Temporal client every process connects with, from settings, traced."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor

from ecopermit.runtime.settings import Settings


async def connect_temporal(settings: Settings) -> Client:
    """A client whose workflow starts and updates carry the caller's trace context.

    The tracing interceptor sits on the client only: workers built from it inherit it, and
    registering it on both would duplicate every span. Workflow spans are emitted as they happen
    (with no duration), so ops see each stage of a months-long workflow when it is entered.
    """
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        interceptors=[TracingInterceptor()],
    )
