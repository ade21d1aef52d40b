"""Settings come from ECOPERMIT_* variables; bad configuration fails at start, not later."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from ecopermit.runtime.settings import ServiceName, Settings, TracesExporter


def test_embedded_defaults_keep_every_database_in_the_data_dir(embedded_environment: Path) -> None:
    settings = Settings()
    for service in ServiceName:
        url = settings.database_url(service)
        assert url.startswith("sqlite+aiosqlite:///")
        assert url.endswith(f"{settings.data_dir.resolve() / service.value}.db")
    assert settings.traces_exporter is TracesExporter.FILE
    assert settings.traces_path() == settings.data_dir / "traces.jsonl"


def test_environment_variables_configure_production(
    embedded_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ECOPERMIT_REVIEWS_DATABASE_URL", "postgresql+asyncpg://db/reviews")
    monkeypatch.setenv("ECOPERMIT_TEMPORAL_ADDRESS", "temporal-frontend:7233")
    monkeypatch.setenv("ECOPERMIT_TEMPORAL_NAMESPACE", "kep")
    monkeypatch.setenv("ECOPERMIT_TRACES_EXPORTER", "otlp_grpc")
    monkeypatch.setenv("ECOPERMIT_OTLP_ENDPOINT", "http://collector:4317")
    monkeypatch.setenv("ECOPERMIT_REVIEWS_ADDRESS", "reviews:50051")
    monkeypatch.setenv("ECOPERMIT_APPLICANTS_PORT", "6000")
    configured = Settings()
    assert configured.database_url(ServiceName.REVIEWS) == "postgresql+asyncpg://db/reviews"
    assert configured.database_url(ServiceName.APPLICANTS).startswith("sqlite")
    assert configured.temporal_address == "temporal-frontend:7233"
    assert configured.temporal_namespace == "kep"
    assert configured.traces_exporter is TracesExporter.OTLP_GRPC
    assert configured.service_address(ServiceName.REVIEWS) == "reviews:50051"
    assert configured.service_address(ServiceName.APPLICANTS) == "127.0.0.1:6000"


@pytest.mark.parametrize(
    ("variable", "value", "complaint"),
    [
        ("ECOPERMIT_APPLICANTS_PORT", "70000", "less than or equal to 65535"),
        ("ECOPERMIT_TRACES_EXPORTER", "zipkin", "traces_exporter"),
        ("ECOPERMIT_TOKEN_ALGORITHM", "RS256", "JWKS_URL"),
        ("ECOPERMIT_TRACES_EXPORTER", "otlp_http", "OTLP_ENDPOINT"),
    ],
)
def test_bad_configuration_is_refused_with_the_reason(
    embedded_environment: Path,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    complaint: str,
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError, match=complaint):
        Settings()


def test_a_configured_secret_is_used_hidden_and_never_written(
    embedded_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ECOPERMIT_TOKEN_SECRET", "s3cr3t-value-for-the-test")
    configured = Settings()
    assert "s3cr3t" not in repr(configured)
    assert configured.local_token_secret() == "s3cr3t-value-for-the-test"
    assert not (configured.data_dir / "token.key").exists()


def test_the_span_files_keep_at_least_one_older_file_and_a_sane_size() -> None:
    # With no older file, a rotation would drop lines another process is still writing.
    with pytest.raises(ValidationError):
        Settings(traces_file_backups=0)
    with pytest.raises(ValidationError):
        Settings(traces_file_max_bytes=1024)
    assert Settings().metrics_path() == Settings().traces_path().with_name("metrics.jsonl")
