"""How the permit workflows call their activities: one timeout and one retry policy for both.

A service's final answer (bad input, not found, wrong stage: activities.FINAL_CODES) reaches the
workflow as a non-retryable ApplicationError typed by its status name; anything else (a service
down, a crash) is retried with backoff until the service is back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy

from ecopermit.workflows.activities import FINAL_CODES, PermitActivities

_In = TypeVar("_In")
_Out = TypeVar("_Out")
_TIMEOUT = timedelta(seconds=30)
_RETRY = RetryPolicy(
    maximum_interval=timedelta(seconds=30),
    non_retryable_error_types=[code.name for code in FINAL_CODES],
)


async def call(activity: Callable[[PermitActivities, _In], Awaitable[_Out]], argument: _In) -> _Out:
    return await workflow.execute_activity_method(
        activity, argument, start_to_close_timeout=_TIMEOUT, retry_policy=_RETRY
    )


async def call_local(
    activity: Callable[[PermitActivities, _In], Awaitable[_Out]], argument: _In
) -> _Out:
    return await workflow.execute_local_activity_method(
        activity, argument, start_to_close_timeout=_TIMEOUT, retry_policy=_RETRY
    )
