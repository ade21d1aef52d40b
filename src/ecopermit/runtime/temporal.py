"""The Temporal client every process connects with, from settings: traced, and its payloads
encrypted (runtime.payload_codec)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import temporalio.converter
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.namespace.v1 import NamespaceConfig
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest, UpdateNamespaceRequest
from temporalio.client import Client
from temporalio.common import SearchAttributeKey
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes
from temporalio.service import RPCError, RPCStatusCode

from ecopermit.runtime.payload_codec import EncryptionCodec
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
        data_converter=encrypting_converter(settings),
    )


def encrypting_converter(settings: Settings) -> DataConverter:
    """The default JSON/protobuf conversion, with every payload encrypted on its way out,
    failures' messages and stack traces included (a service's refusal can name a BIN)."""
    current, keys = settings.payload_keys_by_id()
    return dataclasses.replace(
        temporalio.converter.default(),
        payload_codec=EncryptionCodec(keys, current),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


_KEYWORD = "Keyword"


async def ensure_search_attributes(client: Client, keys: Sequence[SearchAttributeKey[Any]]) -> None:
    """Registers the keys on the client's namespace unless they are there: a workflow that
    sets an unregistered attribute fails every task. Where this identity may not register
    them (a managed cluster), says what to run instead."""
    namespace = client.namespace
    try:
        listed = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=namespace)
        )
        known = set(listed.custom_attributes) | set(listed.system_attributes)
    except RPCError as error:
        if error.status is not RPCStatusCode.UNIMPLEMENTED:  # the time-skipping test server
            raise
        known = set()
    missing = {
        key.name: IndexedValueType.ValueType(key.indexed_value_type.value)
        for key in keys
        if key.name not in known
    }
    if not missing:
        return
    try:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(search_attributes=missing, namespace=namespace)
        )
    except RPCError as error:
        if error.status is RPCStatusCode.ALREADY_EXISTS:
            return
        commands = "; ".join(
            f"temporal operator search-attribute create --namespace {namespace} "
            f"--name {name} --type {_KEYWORD}"
            for name in missing
        )
        raise RuntimeError(
            f"the search attributes {sorted(missing)} are not registered on namespace "
            f"{namespace!r} and this identity may not register them ({error}); run: {commands}"
        ) from error


async def keep_histories_for(client: Client, retention: timedelta) -> None:
    """Sets how long the namespace keeps a closed workflow's history, if it keeps it for less
    or more: for the embedded default, whose namespace is its own (a cluster's belongs to its
    operators, with archival for what outlives retention; README, "Personal data in Temporal")."""
    namespace = client.namespace
    described = await client.workflow_service.describe_namespace(
        DescribeNamespaceRequest(namespace=namespace)
    )
    if described.config.workflow_execution_retention_ttl.ToTimedelta() == retention:
        return
    config = NamespaceConfig()
    config.workflow_execution_retention_ttl.FromTimedelta(retention)
    # The server changes only what the config sets: the retention, nothing else.
    await client.workflow_service.update_namespace(
        UpdateNamespaceRequest(namespace=namespace, config=config)
    )
