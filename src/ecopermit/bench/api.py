"""Benchmarks 2 and 3 against a running stack: the applicant service's SubmitApplication and
GetApplication beside a bare echo server with the same payload sizes, and how soon a completed
task shows in the application's stage."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc

from ecopermit.applicants.v1 import applicant_service_pb2 as applicants_api
from ecopermit.applicants.v1 import applicant_service_pb2_grpc
from ecopermit.applicants.v1 import resources_pb2 as applicants_pb
from ecopermit.bench.echo_server import SERVICE
from ecopermit.bench.latency import Latency
from ecopermit.bench.load import Throughput, drive
from ecopermit.bench.stacks import module_process
from ecopermit.demo.actors import upload_documents
from ecopermit.demo.dataset import Pending, pending_applications
from ecopermit.demo.run import demo_authority
from ecopermit.domain.stages import stage_name
from ecopermit.reviews.v1 import resources_pb2 as reviews_pb
from ecopermit.reviews.v1 import review_service_pb2 as reviews_api
from ecopermit.reviews.v1 import review_service_pb2_grpc
from ecopermit.runtime.esign.local_authority import LocalAuthority, local_principal
from ecopermit.runtime.esign.statements import Purpose
from ecopermit.runtime.grpc.channels import service_channel
from ecopermit.runtime.identity import Principal, Role
from ecopermit.runtime.settings import ServiceName, Settings
from ecopermit.runtime.tokens import TokenIssuer

Metadata = tuple[tuple[str, str], ...]
# How often the lag probe reads the application while it waits for the new stage.
_PROBE_SECONDS = 0.005


@dataclass(frozen=True)
class ApiComparison:
    """One RPC against the service and the same payload sizes against the echo server."""

    method: str
    request_bytes: int
    response_bytes: int
    service: Throughput
    echo: Throughput
    # How many times the echo server's requests per second the service reaches (below 1: slower).
    throughput_ratio: float
    p99_ratio: float  # the service's p99 over the echo server's


_OFFICER = "bench-officer"


@dataclass
class BenchApplicant:
    """One enterprise of the data set that submits complete applications, its token and its
    officer's signing key (the embedded default's local authority issues it)."""

    pending: Pending
    metadata: Metadata
    authority: LocalAuthority

    def submission(self) -> applicants_api.SubmitApplicationRequest:
        """A new submission, signed as the enterprise's officer signs it."""
        request = applicants_api.SubmitApplicationRequest(
            request_id=str(uuid.uuid4()), application=self.pending.application()
        )
        officer = local_principal(_OFFICER, Role.APPLICANT, self.pending.bin)
        return self.authority.sign(request, Purpose.SUBMISSION, officer)


def _bearer(issuer: TokenIssuer, principal: Principal) -> Metadata:
    return (("authorization", f"Bearer {issuer.mint(principal)}"),)


async def registered_applicant(
    settings: Settings, stub: applicant_service_pb2_grpc.ApplicantServiceStub
) -> BenchApplicant:
    # The first that nobody returns, refuses or withdraws: its completeness check just passes.
    pending = next(p for p in pending_applications() if not p.missing and p.expected == "approved")
    issuer = TokenIssuer.from_settings(settings)
    metadata = _bearer(issuer, local_principal(_OFFICER, Role.APPLICANT, pending.bin))
    with contextlib.suppress(grpc.aio.AioRpcError):  # registered by an earlier phase
        await stub.RegisterEnterprise(
            applicants_api.RegisterEnterpriseRequest(enterprise=pending.enterprise_message()),
            metadata=metadata,
        )
    # Every submission cites the same documents, uploaded once here.
    await upload_documents(stub, pending, pending.sent_documents(), metadata)
    return BenchApplicant(pending, metadata, demo_authority(settings))


@contextlib.asynccontextmanager
async def echo_server(response_bytes: dict[str, int]) -> AsyncIterator[grpc.aio.Channel]:
    """The echo server as a process of its own, as the service is; a channel to it."""
    sizes = [f"{method}={size}" for method, size in response_bytes.items()]
    async with module_process("ecopermit.bench.echo_server", "serve", *sizes) as (_, ready):
        channel = grpc.aio.insecure_channel(f"127.0.0.1:{ready.split()[-1]}")  # "on PORT"
        try:
            yield channel
        finally:
            await channel.close()


async def compare_with_echo(
    settings: Settings, requests: int, concurrency: int
) -> list[ApiComparison]:
    """GetApplication, then SubmitApplication (each starts a workflow, which loads the stack
    afterwards), `requests` each at `concurrency`, then the same sizes against the echo."""
    async with service_channel(settings, ServiceName.APPLICANTS) as channel:
        stub = applicant_service_pb2_grpc.ApplicantServiceStub(channel)
        applicant = await registered_applicant(settings, stub)
        sample = applicant.submission()
        submitted = await stub.SubmitApplication(sample, metadata=applicant.metadata)
        read = applicants_api.GetApplicationRequest(name=submitted.application.name)
        read_answer = await stub.GetApplication(read, metadata=applicant.metadata)

        async def get(_: int) -> object:
            return await stub.GetApplication(read, metadata=applicant.metadata)

        # Signed beforehand: signing is the enterprise's work, not the service's.
        submissions = [applicant.submission() for _ in range(requests)]

        async def submit(number: int) -> object:
            return await stub.SubmitApplication(submissions[number], metadata=applicant.metadata)

        await drive(get, min(requests, 50), concurrency)  # warm up caches and connections
        service = {
            "GetApplication": await drive(get, requests, concurrency),
            "SubmitApplication": await drive(submit, requests, concurrency),
        }
    sizes = {
        "GetApplication": (read.ByteSize(), read_answer.ByteSize()),
        "SubmitApplication": (sample.ByteSize(), submitted.ByteSize()),
    }
    comparisons = []
    async with echo_server({m: response for m, (_, response) in sizes.items()}) as channel:
        for method, (request_size, response_size) in sizes.items():
            echo_call: grpc.aio.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary(
                f"/{SERVICE}/{method}"
            )
            payload = b"\x00" * request_size

            async def echo(_: int) -> object:
                return await echo_call(payload)  # noqa: B023 - awaited within this iteration

            await drive(echo, min(requests, 50), concurrency)
            bare = await drive(echo, requests, concurrency)
            comparisons.append(
                ApiComparison(
                    method=method,
                    request_bytes=request_size,
                    response_bytes=response_size,
                    service=service[method],
                    echo=bare,
                    throughput_ratio=service[method].per_second / bare.per_second,
                    p99_ratio=service[method].latency.p99 / bare.latency.p99,
                )
            )
    return comparisons


@dataclass(frozen=True)
class VisibilityLag:
    """From CompleteTask returning to GetApplication showing the stage it leads to."""

    lag_seconds: Latency
    stages_seen: dict[str, int]


async def visibility_lag(settings: Settings, samples: int) -> VisibilityLag:
    """One application at a time: submitted, its completeness task completed, the lag until
    the technical review shows, then withdrawn so that it leaves no work behind."""
    issuer = TokenIssuer.from_settings(settings)
    reviewer = _bearer(issuer, local_principal("bench-reviewer", Role.REVIEWER))
    lags: list[float] = []
    seen: dict[str, int] = {}
    async with (
        service_channel(settings, ServiceName.APPLICANTS) as applicants_channel,
        service_channel(settings, ServiceName.REVIEWS) as reviews_channel,
    ):
        applicants = applicant_service_pb2_grpc.ApplicantServiceStub(applicants_channel)
        reviews = review_service_pb2_grpc.ReviewServiceStub(reviews_channel)
        applicant = await registered_applicant(settings, applicants)
        for _ in range(samples):
            lag, stage = await _probe_once(applicants, reviews, applicant, reviewer)
            lags.append(lag)
            seen[stage_name(stage)] = seen.get(stage_name(stage), 0) + 1
    return VisibilityLag(Latency.of(lags), seen)


async def _probe_once(
    applicants: applicant_service_pb2_grpc.ApplicantServiceStub,
    reviews: review_service_pb2_grpc.ReviewServiceStub,
    applicant: BenchApplicant,
    reviewer: Metadata,
) -> tuple[float, int]:
    """Seconds from CompleteTask returning until the application leaves its completeness
    check, and the stage it shows then; the application is withdrawn afterwards."""
    submitted = await applicants.SubmitApplication(
        applicant.submission(), metadata=applicant.metadata
    )
    read = applicants_api.GetApplicationRequest(name=submitted.application.name)

    async def stage() -> int:
        answer = await applicants.GetApplication(read, metadata=applicant.metadata)
        return int(answer.application.stage)

    task = await _completeness_task(reviews, read.name, reviewer)
    # The task may open before the workflow records the stage: time from the completeness
    # stage the application shows, not from the submitted one before it.
    while await stage() != applicants_pb.STAGE_COMPLETENESS:  # noqa: ASYNC110 - a remote poll
        await asyncio.sleep(_PROBE_SECONDS)
    await reviews.ClaimTask(reviews_api.ClaimTaskRequest(name=task), metadata=reviewer)
    await reviews.CompleteTask(
        reviews_api.CompleteTaskRequest(name=task, outcome=reviews_pb.TASK_OUTCOME_COMPLETE),
        metadata=reviewer,
    )
    completed = time.perf_counter()
    while (shown := await stage()) == applicants_pb.STAGE_COMPLETENESS:  # noqa: ASYNC110
        await asyncio.sleep(_PROBE_SECONDS)
    lag = time.perf_counter() - completed
    await applicants.WithdrawApplication(
        applicants_api.WithdrawApplicationRequest(name=read.name, reason="Benchmark probe."),
        metadata=applicant.metadata,
    )
    return lag, shown


async def _completeness_task(
    reviews: review_service_pb2_grpc.ReviewServiceStub, application: str, reviewer: Metadata
) -> str:
    """The name of the application's completeness task, once the workflow has opened it."""
    while True:
        listed = await reviews.ListTasks(
            reviews_api.ListTasksRequest(
                application=application, state=reviews_pb.TASK_STATE_OPEN, page_size=10
            ),
            metadata=reviewer,
        )
        for task in listed.tasks:
            if task.kind == reviews_pb.TASK_KIND_COMPLETENESS:
                return str(task.name)
        await asyncio.sleep(_PROBE_SECONDS * 4)
