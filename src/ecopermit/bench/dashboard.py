"""Benchmark 8 against a running stack: the ops dashboard page as ops open it, with the stack's
applications (1,000 after run 1 at the default --n), beside the old page's way in the same run:
every application listed, page by page, and counted by stage in the gateway."""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx

from ecopermit.applicants.v1 import applicant_service_pb2 as applicants_api
from ecopermit.applicants.v1 import applicant_service_pb2_grpc
from ecopermit.runtime.esign.local_authority import local_principal
from ecopermit.runtime.grpc.channels import service_channel
from ecopermit.runtime.identity import Role
from ecopermit.runtime.settings import ServiceName, Settings
from ecopermit.runtime.tokens import TokenIssuer
from ecopermit.services.gateway.portal.session import SESSION_COOKIE

# The goal for one dashboard page with 1,000 applications.
GOAL_MS = 300.0


@dataclass(frozen=True)
class DashboardPage:
    applications: int
    samples: int
    page_p50_ms: float  # GET /portal/ops, the whole page rendered
    page_p90_ms: float
    listing_p50_ms: float  # the baseline: every application listed and counted by stage

    @property
    def ratio(self) -> float:
        """How many dashboards cost what the old page's listing alone did."""
        return self.listing_p50_ms / self.page_p50_ms


def _percentile_ms(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(int(fraction * len(ordered)), len(ordered) - 1)] * 1000


async def dashboard_page(settings: Settings, samples: int = 20) -> DashboardPage:
    token = TokenIssuer.from_settings(settings).mint(local_principal("bench-ops", Role.OPS))
    metadata = (("authorization", f"Bearer {token}"),)
    base = f"http://{settings.host}:{settings.gateway_port}"
    page, listing = [], []
    async with (
        httpx.AsyncClient(base_url=base, cookies={SESSION_COOKIE: token}, timeout=120) as client,
        service_channel(settings, ServiceName.APPLICANTS) as channel,
    ):
        applicants = applicant_service_pb2_grpc.ApplicantServiceStub(channel)
        figures = await applicants.GetApplicationStatistics(
            applicants_api.GetApplicationStatisticsRequest(), metadata=metadata
        )
        await client.get("/portal/ops")  # warm: templates compiled, channels connected
        for _ in range(samples):
            started = time.perf_counter()
            answered = await client.get("/portal/ops")
            page.append(time.perf_counter() - started)
            answered.raise_for_status()
            started = time.perf_counter()
            by_stage: dict[int, int] = {}
            next_page = ""
            while True:
                listed = await applicants.ListApplications(
                    applicants_api.ListApplicationsRequest(page_size=500, page_token=next_page),
                    metadata=metadata,
                )
                for application in listed.applications:
                    by_stage[application.stage] = by_stage.get(application.stage, 0) + 1
                next_page = listed.next_page_token
                if not next_page:
                    break
            listing.append(time.perf_counter() - started)
    return DashboardPage(
        applications=figures.applications,
        samples=samples,
        page_p50_ms=_percentile_ms(page, 0.5),
        page_p90_ms=_percentile_ms(page, 0.9),
        listing_p50_ms=_percentile_ms(listing, 0.5),
    )
