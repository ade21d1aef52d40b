"""A page of a list costs the same few queries whatever its length: ListApplications once loaded
each application's stage history with a SELECT of its own, and ListInspections each
inspection's violations and prescriptions (N+1). Counted on the database the service writes."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from ecopermit.applicants.v1 import applicant_service_pb2 as applicants_api
from ecopermit.applicants.v1 import applicant_service_pb2_grpc
from ecopermit.runtime.database import create_engine, session_factory
from ecopermit.runtime.identity import Role
from ecopermit.runtime.settings import ServiceName, Settings
from ecopermit.runtime.tokens import TokenIssuer
from ecopermit.services.applicants.store import ApplicantStore, ApplicationFilters
from ecopermit.services.inspections.store import InspectionFilters, InspectionStore
from tests import samples
from tests.conftest import ENTERPRISE_BIN, ServiceChannel, bearer
from tests.test_inspection_service import Office, office

__all__ = ["office"]  # the fixture, used here too


@contextlib.contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


async def test_a_page_of_applications_costs_the_same_queries_for_one_or_twelve(
    settings: Settings, service_channel: ServiceChannel, issuer: TokenIssuer
) -> None:
    channel = await service_channel(ServiceName.APPLICANTS)
    stub = applicant_service_pb2_grpc.ApplicantServiceStub(channel)
    owner = bearer(issuer, Role.APPLICANT, "aliya")
    await stub.RegisterEnterprise(
        applicants_api.RegisterEnterpriseRequest(enterprise=samples.enterprise(ENTERPRISE_BIN)),
        metadata=owner,
    )
    for _ in range(12):
        await samples.submit(stub, samples.submit_request(ENTERPRISE_BIN), owner, subject="aliya")
    engine = create_engine(settings.database_url(ServiceName.APPLICANTS))
    store = ApplicantStore(session_factory(engine))
    try:
        costs = {}
        for size in (1, 12):
            with statements(engine) as seen:
                views, _ = await store.list_applications(ApplicationFilters(), size, "")
            assert len(views) == size
            assert all(view.history for view in views)
            costs[size] = len(seen)
        assert costs[1] == costs[12], costs
    finally:
        await engine.dispose()


async def test_a_page_of_inspections_costs_the_same_queries_for_one_or_ten(
    settings: Settings, office: Office
) -> None:
    inspector = office.as_(Role.INSPECTOR, "ivan")
    for _ in range(10):
        await office.record(await office.schedule(inspector), inspector)
    engine = create_engine(settings.database_url(ServiceName.INSPECTIONS))
    store = InspectionStore(session_factory(engine))
    try:
        costs = {}
        for size in (1, 10):
            with statements(engine) as seen:
                views, _ = await store.list_inspections(InspectionFilters(), size, "")
            assert len(views) == size
            assert all(view.violations and view.prescriptions for view in views)
            costs[size] = len(seen)
        assert costs[1] == costs[10], costs
    finally:
        await engine.dispose()
