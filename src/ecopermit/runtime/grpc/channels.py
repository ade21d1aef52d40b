"""Client channels from one process to the ecopermit services."""

from __future__ import annotations

import json

import grpc
from opentelemetry.instrumentation.grpc import aio_client_interceptors

from ecopermit.runtime.settings import ServiceName, Settings

# One HTTP/2 connection would carry every call to one replica. With an address that resolves
# to every replica (dns:/// and a headless Service, as deploy/k8s configures), round_robin
# keeps a connection to each and spreads calls over them; on loopback it changes nothing.
_SERVICE_CONFIG = json.dumps({"loadBalancingConfig": [{"round_robin": {}}]})


def service_channel(settings: Settings, service: ServiceName) -> grpc.aio.Channel:
    """A traced channel to a service, balanced over the replicas its address resolves to."""
    return grpc.aio.insecure_channel(
        settings.service_address(service),
        options=[("grpc.service_config", _SERVICE_CONFIG)],
        interceptors=aio_client_interceptors(),
    )
