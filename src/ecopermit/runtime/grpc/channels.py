"""Client channels from one process to the ecopermit services."""

from __future__ import annotations

import json

import grpc
from opentelemetry.instrumentation.grpc import aio_client_interceptors

from ecopermit.runtime.settings import ServiceName, Settings

# A call that fails with UNAVAILABLE (a replica went away mid-call) is tried again on another
# connection. Every RPC of the contract is safe to repeat: creations carry a request id, and
# a repeated claim or completion is refused as FAILED_PRECONDITION, never done twice.
_RETRY_UNAVAILABLE = {
    "maxAttempts": 5,
    "initialBackoff": "0.1s",
    "maxBackoff": "2s",
    "backoffMultiplier": 2,
    "retryableStatusCodes": ["UNAVAILABLE"],
}


def _service_config(wait_for_ready: bool) -> str:
    # One HTTP/2 connection would carry every call to one replica. With an address that
    # resolves to every replica (dns:/// and a headless Service, as deploy/k8s configures),
    # round_robin keeps a connection to each and spreads calls over them.
    method = {"name": [{}], "retryPolicy": _RETRY_UNAVAILABLE, "waitForReady": wait_for_ready}
    return json.dumps({"loadBalancingConfig": [{"round_robin": {}}], "methodConfig": [method]})


def service_channel(
    settings: Settings, service: ServiceName, *, wait_for_ready: bool = False
) -> grpc.aio.Channel:
    """A traced channel to a service, balanced over the replicas its address resolves to.

    wait_for_ready: calls wait (up to their deadline) while no replica is reachable, instead
    of failing at once; for batch clients such as the demo's actors, which outlive restarts.
    """
    return grpc.aio.insecure_channel(
        settings.service_address(service),
        options=[("grpc.service_config", _service_config(wait_for_ready))],
        interceptors=aio_client_interceptors(),
    )
