"""`ecopermit up` (what `make demo` runs today): everything healthy, then stopped with no orphan."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import psutil
import pytest

from ecopermit.runtime.grpc.health import is_serving
from tests.test_cli import free_port


@pytest.fixture
def stack_environment(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ECOPERMIT_")}
    return {
        **clean,
        "ECOPERMIT_DATA_DIR": str(tmp_path / "var"),
        "ECOPERMIT_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
        "ECOPERMIT_TEMPORAL_UI_PORT": str(free_port()),
        "ECOPERMIT_APPLICANTS_PORT": str(free_port()),
        "ECOPERMIT_REVIEWS_PORT": str(free_port()),
        "ECOPERMIT_INSPECTIONS_PORT": str(free_port()),
    }


async def test_up_starts_every_component_and_ctrl_c_stops_them_all(
    stack_environment: dict[str, str],
) -> None:
    up = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ecopermit",
        "up",
        env=stack_environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    services = ("APPLICANTS", "REVIEWS", "INSPECTIONS")
    addresses = [f"127.0.0.1:{stack_environment[f'ECOPERMIT_{s}_PORT']}" for s in services]
    printed: list[str] = []
    try:
        assert up.stdout is not None
        # `up` prints this line once every component has reported healthy.
        while not printed or "Press Ctrl-C" not in printed[-1]:
            line = await asyncio.wait_for(up.stdout.readline(), 90)
            assert line, f"ecopermit up exited early: {printed}"
            printed.append(line.decode())
        assert all([await is_serving(address) for address in addresses])
        children = psutil.Process(up.pid).children(recursive=True)
        assert len(children) >= 4  # the Temporal server and three services
        up.send_signal(signal.SIGINT)
        output, _ = await asyncio.wait_for(up.communicate(), 60)
    finally:
        if up.returncode is None:
            up.kill()
            await up.wait()
    text = "".join(printed) + output.decode()
    assert up.returncode == 0, text
    assert "Temporal Web UI: http://127.0.0.1:" in text
    assert (Path(stack_environment["ECOPERMIT_DATA_DIR"]) / "temporal.db").exists()
    _, alive = psutil.wait_procs(children, timeout=10)
    assert alive == [], f"orphans left behind: {alive}"
