"""Fixtures shared by the tests: isolated settings, tokens and real grpc.aio servers."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import grpc
import pytest

from ecopermit.runtime.grpc.server import RunningServer, ServiceRegistration, start_server
from ecopermit.runtime.identity import Principal, Role
from ecopermit.runtime.settings import ServiceName, Settings, get_settings
from ecopermit.runtime.tokens import TokenIssuer, TokenVerifier
from ecopermit.services.registry import registrations

# A valid BIN: 99 03 4 0 00012 with check digit 3.
ENTERPRISE_BIN = "990340000123"

Metadata = tuple[tuple[str, str], ...]


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Embedded-default settings whose data directory is this test's own."""
    for name in list(os.environ):
        if name.startswith("ECOPERMIT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ECOPERMIT_DATA_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture
def issuer(settings: Settings) -> TokenIssuer:
    return TokenIssuer.from_settings(settings)


def bearer(issuer: TokenIssuer, role: Role, subject: str = "tester") -> Metadata:
    enterprise_bin = ENTERPRISE_BIN if role is Role.APPLICANT else None
    token = issuer.mint(Principal(subject=subject, role=role, enterprise_bin=enterprise_bin))
    return (("authorization", f"Bearer {token}"),)


async def serve_on_loopback(
    settings: Settings, services: list[ServiceRegistration]
) -> RunningServer:
    return await start_server(services, host="127.0.0.1", port=0, verifier=TokenVerifier(settings))


@pytest.fixture
async def applicants_channel(settings: Settings) -> AsyncIterator[grpc.aio.Channel]:
    """A channel to a real applicants server on a free loopback port."""
    running = await serve_on_loopback(settings, registrations(ServiceName.APPLICANTS))
    async with grpc.aio.insecure_channel(f"127.0.0.1:{running.port}") as channel:
        yield channel
    await running.stop(0)
