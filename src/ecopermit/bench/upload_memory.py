"""Benchmark 5 against a running stack: how far the gateway's resident memory rises while a
large document streams through it (multipart in, gRPC chunks out), against the gateway's own
size just before, measured in the same run."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

from ecopermit.applicants.v1 import applicant_service_pb2_grpc
from ecopermit.bench.api import registered_applicant
from ecopermit.bench.memory import role_of
from ecopermit.demo.stand_in_documents import scanned_pdf_pieces
from ecopermit.runtime.grpc.channels import service_channel
from ecopermit.runtime.settings import ServiceName, Settings

_MIB = 1024 * 1024
# Fine enough to catch a buffer that lives only while one upload streams.
_SAMPLE_SECONDS = 0.01


@dataclass(frozen=True)
class UploadMemory:
    upload_bytes: int
    seconds: float
    gateway_rss_before_mib: float  # the baseline: after a warm-up upload, before this one
    gateway_rss_peak_mib: float  # the highest sample while this upload streamed

    @property
    def rise_mib(self) -> float:
        return self.gateway_rss_peak_mib - self.gateway_rss_before_mib

    @property
    def rise_ratio(self) -> float:
        """The rise over the upload's size: 1 would mean the whole file was held in memory."""
        return self.rise_mib * _MIB / self.upload_bytes


def _gateway(stack_pid: int) -> psutil.Process:
    (gateway,) = [
        p
        for p in psutil.Process(stack_pid).children(recursive=True)
        if role_of(p.cmdline()) == "gateway"
    ]
    return gateway


def _scanned_pdf(path: Path, size: int) -> Path:
    """A stand-in scan of `size` bytes, written to disk in pieces."""
    with path.open("wb") as out:
        for piece in scanned_pdf_pieces(f"bench upload {size}", size):
            out.write(piece)
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as content:
        while piece := content.read(_MIB):
            digest.update(piece)
    return digest.hexdigest()


async def _upload(client: httpx.AsyncClient, url: str, path: Path, headers: dict[str, str]) -> None:
    form = {
        "sha256": await asyncio.to_thread(_sha256, path),
        "size_bytes": str((await asyncio.to_thread(path.stat)).st_size),
    }
    with path.open("rb") as content:  # httpx streams a file object in pieces
        response = await client.post(
            url, data=form, files={"file": (path.name, content, "application/pdf")}, headers=headers
        )
    response.raise_for_status()


async def gateway_upload_memory(settings: Settings, stack_pid: int, size: int) -> UploadMemory:
    """A warm-up upload of 1 MiB (first-call allocations are not the upload's), the gateway's
    settled size, then one upload of `size` bytes with the gateway sampled throughout."""
    async with service_channel(settings, ServiceName.APPLICANTS) as channel:
        applicant = await registered_applicant(
            settings, applicant_service_pb2_grpc.ApplicantServiceStub(channel)
        )
    headers = dict(applicant.metadata)
    url = (
        f"http://{settings.host}:{settings.gateway_port}"
        f"/v1/enterprises/{applicant.pending.bin}/documents:upload"
    )
    gateway = _gateway(stack_pid)
    with tempfile.TemporaryDirectory(prefix="ecopermit-bench-upload-") as scratch:
        warm_up = await asyncio.to_thread(_scanned_pdf, Path(scratch, "warm-up.pdf"), _MIB)
        large = await asyncio.to_thread(_scanned_pdf, Path(scratch, "dossier.pdf"), size)
        async with httpx.AsyncClient(timeout=300) as client:
            await _upload(client, url, warm_up, headers)
            settled = []
            for _ in range(20):
                settled.append(gateway.memory_info().rss)
                await asyncio.sleep(_SAMPLE_SECONDS)
            peak = 0

            async def sample() -> None:
                nonlocal peak
                while True:
                    peak = max(peak, gateway.memory_info().rss)
                    await asyncio.sleep(_SAMPLE_SECONDS)

            sampling = asyncio.create_task(sample())
            started = time.perf_counter()
            try:
                await _upload(client, url, large, headers)
            finally:
                seconds = time.perf_counter() - started
                sampling.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sampling
            peak = max(peak, gateway.memory_info().rss)
    return UploadMemory(
        upload_bytes=size,
        seconds=seconds,
        gateway_rss_before_mib=statistics.median(settled) / _MIB,
        gateway_rss_peak_mib=peak / _MIB,
    )
