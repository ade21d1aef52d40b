"""Process configuration from ECOPERMIT_* environment variables, in one settings object."""

from __future__ import annotations

import base64
import contextlib
import enum
import hashlib
import hmac
import os
import re
import secrets
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ecopermit.runtime.line_files import MAX_BACKUPS

_PAYLOAD_KEY_ID = re.compile(r"[A-Za-z0-9._-]{1,32}")


class ServiceName(enum.StrEnum):
    """The processes that own data, each with its own database."""

    APPLICANTS = "applicants"
    REVIEWS = "reviews"
    INSPECTIONS = "inspections"


class TracesExporter(enum.StrEnum):
    OTLP_GRPC = "otlp_grpc"
    OTLP_HTTP = "otlp_http"
    CONSOLE = "console"
    FILE = "file"
    NONE = "none"


class DocumentStoreKind(enum.StrEnum):
    """Where document bytes are kept (ecopermit.runtime.object_store)."""

    FILESYSTEM = "filesystem"
    S3 = "s3"


class TokenAlgorithm(enum.StrEnum):
    HS256 = "HS256"
    RS256 = "RS256"


Port = Annotated[int, Field(ge=1, le=65535)]


class Settings(BaseSettings):
    """Everything that differs between the embedded default and production.

    The defaults run everything on one machine: SQLite files and a span file under data_dir,
    a Temporal dev server on loopback, HS256 tokens signed with a local key. Production sets
    database URLs, the Temporal address, an OTLP endpoint and a JWKS URL instead.
    """

    model_config = SettingsConfigDict(
        env_prefix="ECOPERMIT_",
        extra="ignore",
        frozen=True,
    )

    environment: str = "embedded"
    data_dir: Path = Path("var")

    # Databases: one per service. Empty means a SQLite file <data_dir>/<service>.db.
    applicants_database_url: str = ""
    reviews_database_url: str = ""
    inspections_database_url: str = ""
    # Apply a service's migrations when it starts: on for the embedded default; production
    # sets it off and runs `ecopermit migrate` once, as a Job, before rolling out replicas.
    auto_migrate: bool = True

    # Where each service listens, and where its peers find it.
    host: str = "127.0.0.1"
    applicants_port: Port = 50051
    reviews_port: Port = 50052
    inspections_port: Port = 50053
    gateway_port: Port = 8080
    # How long the embedded Temporal keeps a closed workflow's history. Internal target, no
    # statute read for it: a year after a decision, its workflow can still be traced; the record
    # the law asks for is the services' (stage transitions, signatures), kept without limit.
    temporal_retention_days: int = Field(default=365, ge=1, le=3650)
    # `ecopermit codec-server`: decodes workflow payloads for the Temporal UI and CLI (ops only).
    codec_server_port: Port = 8089
    # The portal's sign-in page mints a token for any role: the embedded default only.
    # Production turns it off; people then sign in with a token from the identity provider.
    dev_sign_in: bool = True
    applicants_address: str = ""
    reviews_address: str = ""
    inspections_address: str = ""
    shutdown_grace_seconds: float = Field(default=10.0, ge=0)

    # Document bytes: files under documents_dir (default <data_dir>/documents) in the embedded
    # default; an S3-compatible bucket in production. Uploads are spooled to a local folder
    # (default <data_dir>/uploads) while their hash is checked, then kept in the store.
    document_store: DocumentStoreKind = DocumentStoreKind.FILESYSTEM
    documents_dir: str = ""
    uploads_dir: str = ""
    s3_endpoint_url: str = ""
    s3_bucket: str = ""
    s3_prefix: str = ""
    s3_region: str = "us-east-1"
    s3_access_key_id: SecretStr = SecretStr("")
    s3_secret_access_key: SecretStr = SecretStr("")
    # The largest document accepted; the contract's own limit is 100 MiB.
    max_document_bytes: int = Field(default=100 * 1024 * 1024, gt=0, le=100 * 1024 * 1024)

    # Qualified e-signatures (ЭЦП). The trust store is a folder of CA certificates (NCA RK's
    # roots and issuing CAs in production) and a folder of CRLs, re-read when they change; the
    # embedded default keeps a local test authority under <data_dir>/esign and trusts it alone.
    signature_trust_dir: str = ""
    signature_crl_dir: str = ""
    # pyhanko-certvalidator's policy when a certificate's revocation status is unknown.
    signature_revocation_mode: Literal["require", "hard-fail", "soft-fail"] = "require"
    # Fetch CRLs and ask OCSP responders the certificates name (production, NCA RK).
    signature_fetch_revocation: bool = False
    # The BIN a decision maker's certificate must be issued for: the Committee's. Empty in the
    # embedded default, whose local authority issues staff certificates for a stand-in BIN.
    authority_bin: str = ""
    # The Committee's signing key for permit certificates (PAdES), a PKCS#12 file and its
    # password (a mounted Secret in production). The embedded default seals with a key of its
    # local test authority instead.
    committee_key_file: str = ""
    committee_key_password: SecretStr = SecretStr("")
    # Where the public reaches the portal: the address a certificate's QR code opens
    # (https://… in production). Empty means this host's gateway port.
    public_url: str = ""

    # Public comments one author may post per hour, across all applications.
    public_comments_per_hour: int = Field(default=10, ge=1)
    # Requests one client address may send the gateway: a burst, then so many a second; and
    # sign-ins a minute. Per replica. Behind a proxy, the addresses whose X-Forwarded-For the
    # gateway believes; empty leaves it to uvicorn's FORWARDED_ALLOW_IPS (loopback by default).
    gateway_requests_per_second: float = Field(default=50.0, gt=0)
    gateway_request_burst: int = Field(default=200, ge=1)
    sign_ins_per_minute: int = Field(default=20, ge=1)
    gateway_forwarded_allow_ips: str = ""

    # Temporal.
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    temporal_task_queue: str = "ecopermit-permits"
    temporal_ui_port: Port = 8233
    # Where people open the Temporal Web UI and the trace backend (Jaeger, Tempo) from the ops
    # page: their public addresses. Empty: the embedded dev server's UI on this host, and no
    # trace backend (the ops page reads the local span file).
    temporal_ui_url: str = ""
    traces_ui_url: str = ""
    # How often the services look for outbox messages to deliver to the permit workflows.
    workflow_relay_interval_seconds: float = Field(default=1.0, gt=0)
    # The permit worker's health port (gRPC health, for `ecopermit up` and Kubernetes probes).
    worker_port: Port = 50054
    # Workflows the worker keeps in memory between their steps (about 0.65 MiB each, measured by
    # `ecopermit bench`); one evicted is replayed from its history when it next has work.
    worker_max_cached_workflows: int = Field(default=1000, ge=0)
    # How long one statutory day lasts in real seconds: 86400 in production; the demo calendar
    # sets a fraction of a second so that months of procedure pass in a minute. An application
    # keeps the scale it started with.
    statutory_day_seconds: float = Field(default=86400.0, gt=0)

    # Bearer tokens. HS256 with token_secret by default; RS256 verifies against jwks_url
    # (or token_public_key) and mints with token_private_key.
    token_algorithm: TokenAlgorithm = TokenAlgorithm.HS256
    token_secret: SecretStr = SecretStr("")
    # A second HS256 key that verifies but never signs, for rotating token_secret without
    # refusing anyone: first the new key here, then the new key as token_secret and the old one
    # here, then nothing here once the old tokens have expired (deploy/k8s/README.md).
    token_verify_only_secret: SecretStr = SecretStr("")
    token_private_key: SecretStr = SecretStr("")
    token_public_key: str = ""
    jwks_url: str = ""
    token_issuer: str = "ecopermit"  # noqa: S105 - a name, not a secret
    token_audience: str = "ecopermit"  # noqa: S105 - a name, not a secret
    token_ttl_seconds: int = Field(default=8 * 3600, gt=0)

    # The key page tokens are signed with, shared by every replica. Empty derives one from
    # the token key (ECOPERMIT_TOKEN_SECRET, or the embedded default's own).
    page_token_secret: SecretStr = SecretStr("")

    # The keys workflow payloads are encrypted with, "id=base64 of 32 bytes" separated by
    # commas, the current (encrypting) one first, older ones kept for decrypting. Empty in the
    # embedded default derives one from its local token key; production must set it.
    payload_keys: SecretStr = SecretStr("")

    # OpenTelemetry.
    service_name: str = "ecopermit"
    traces_exporter: TracesExporter = TracesExporter.FILE
    traces_file: str = ""
    # The span and metric files of the file exporter are rotated at this size, keeping this
    # many older files: at most (backups + 1) x max_bytes each on disk.
    traces_file_max_bytes: int = Field(default=32 * 1024 * 1024, ge=64 * 1024)
    traces_file_backups: int = Field(default=3, ge=1, le=MAX_BACKUPS)
    otlp_endpoint: str = ""
    metrics_export_interval_seconds: float = Field(default=30.0, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _standard_exporter_when_ours_is_unset(cls, data: Any) -> Any:
        """OTEL_TRACES_EXPORTER (otlp, console, none) chooses the exporter unless
        ECOPERMIT_TRACES_EXPORTER does; otlp speaks OTEL_EXPORTER_OTLP_PROTOCOL (grpc unless
        http/protobuf)."""
        if not isinstance(data, dict) or "traces_exporter" in data:
            return data
        standard = os.environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
        protocol = os.environ.get("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc").strip().lower()
        chosen = {
            "otlp": (
                TracesExporter.OTLP_HTTP
                if protocol.startswith("http")
                else TracesExporter.OTLP_GRPC
            ),
            "console": TracesExporter.CONSOLE,
            "none": TracesExporter.NONE,
        }.get(standard)
        return {**data, "traces_exporter": chosen} if chosen else data

    @model_validator(mode="after")
    def _rs256_needs_a_verification_key(self) -> Settings:
        if self.token_algorithm is TokenAlgorithm.RS256 and not (
            self.jwks_url or self.token_public_key
        ):
            raise ValueError("token_algorithm RS256 needs ECOPERMIT_JWKS_URL or _TOKEN_PUBLIC_KEY")
        if self.traces_exporter in (TracesExporter.OTLP_GRPC, TracesExporter.OTLP_HTTP) and (
            not self.otlp_endpoint and not standard_otlp_endpoint()
        ):
            raise ValueError(
                "an OTLP traces exporter needs ECOPERMIT_OTLP_ENDPOINT or "
                "OTEL_EXPORTER_OTLP_ENDPOINT"
            )
        if self.document_store is DocumentStoreKind.S3 and not self.s3_bucket:
            raise ValueError("document_store s3 needs ECOPERMIT_S3_BUCKET")
        return self

    def database_url(self, service: ServiceName) -> str:
        """The async SQLAlchemy URL of a service's database."""
        configured: str = getattr(self, f"{service.value}_database_url")
        if configured:
            return configured
        return f"sqlite+aiosqlite:///{(self.data_dir / f'{service.value}.db').resolve()}"

    def listen_port(self, service: ServiceName) -> int:
        port: int = getattr(self, f"{service.value}_port")
        return port

    def service_address(self, service: ServiceName) -> str:
        """Where clients reach a service: the configured address or this host's port."""
        configured: str = getattr(self, f"{service.value}_address")
        return configured or f"{self.host}:{self.listen_port(service)}"

    def documents_path(self) -> Path:
        return Path(self.documents_dir) if self.documents_dir else self.data_dir / "documents"

    def uploads_path(self) -> Path:
        return Path(self.uploads_dir) if self.uploads_dir else self.data_dir / "uploads"

    @property
    def is_embedded(self) -> bool:
        """The one-machine default: dev sign-in, a local test signing authority."""
        return self.environment == "embedded"

    def esign_path(self) -> Path:
        """Where the embedded default's local signing authority and its trust store live."""
        return self.data_dir / "esign"

    def signature_trust_path(self) -> Path:
        configured = self.signature_trust_dir
        return Path(configured) if configured else self.esign_path() / "trust"

    def signature_crl_path(self) -> Path:
        configured = self.signature_crl_dir
        return Path(configured) if configured else self.esign_path() / "crl"

    def temporal_ui_base(self) -> str:
        return (self.temporal_ui_url or f"http://{self.host}:{self.temporal_ui_port}").rstrip("/")

    def public_base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.gateway_port}").rstrip("/")

    def page_token_key(self) -> bytes:
        """The page tokens' signing key: its own, or one derived from the token key (never
        the token key itself, so that neither signature can stand for the other)."""
        base = self.page_token_secret.get_secret_value() or self.token_secret.get_secret_value()
        if not base and not self.is_embedded:
            # A key of each replica's own would refuse the tokens its peers issued.
            raise ValueError(
                "outside the embedded default set ECOPERMIT_PAGE_TOKEN_SECRET (or "
                "ECOPERMIT_TOKEN_SECRET), the key every replica signs page tokens with"
            )
        base = base or self.local_token_secret()
        return hmac.new(base.encode(), b"ecopermit page tokens", hashlib.sha256).digest()

    def payload_keys_by_id(self) -> tuple[str, dict[str, bytes]]:
        """(current key id, every key by id) for the payload codec."""
        written = self.payload_keys.get_secret_value().strip()
        if not written:
            if not self.is_embedded:
                raise ValueError(
                    "outside the embedded default set ECOPERMIT_PAYLOAD_KEYS "
                    "(id=base64 of 32 bytes, the current first): workflow histories hold "
                    "personal data"
                )
            # A key of its own, not one derived from the token key: ending every session (a new
            # token key) must not leave the running workflows' histories unreadable.
            kept = _kept_secret(self.data_dir.resolve() / "payload.key").encode()
            return "local", {"local": hashlib.sha256(kept).digest()}
        keys: dict[str, bytes] = {}
        for entry in written.split(","):
            key_id, _, encoded = entry.strip().partition("=")
            if not _PAYLOAD_KEY_ID.fullmatch(key_id) or key_id in keys:
                raise ValueError(f"ECOPERMIT_PAYLOAD_KEYS: {key_id!r} is not a new key id")
            try:
                key = base64.b64decode(encoded, validate=True)
            except ValueError:
                key = b""
            if len(key) != 32:
                raise ValueError(f"ECOPERMIT_PAYLOAD_KEYS: key {key_id!r} is not 32 bytes base64")
            keys[key_id] = key
        return next(iter(keys)), keys

    def traces_path(self) -> Path:
        return Path(self.traces_file) if self.traces_file else self.data_dir / "traces.jsonl"

    def metrics_path(self) -> Path:
        return self.traces_path().with_name("metrics.jsonl")

    def local_token_secret(self) -> str:
        """The HS256 key: configured, or a random one kept in data_dir for the embedded default."""
        configured = self.token_secret.get_secret_value()
        if configured:
            return configured
        return _embedded_token_secret(self.data_dir.resolve())


def standard_otlp_endpoint() -> str:
    """The OTLP endpoint the standard variables give, which the exporters read themselves."""
    return os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or os.environ.get(
        "OTEL_EXPORTER_OTLP_ENDPOINT", ""
    )


@lru_cache(maxsize=8)
def _embedded_token_secret(data_dir: Path) -> str:
    return _kept_secret(data_dir / "token.key")


def _kept_secret(key_file: Path) -> str:
    """A random secret made once and kept in a file (mode 0600) for the embedded default."""
    data_dir = key_file.parent
    if not key_file.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        # Several processes start at once: write a private temporary file and link it into
        # place, which fails for all but one, so every process ends up with the same key.
        fd, temporary = tempfile.mkstemp(dir=data_dir, prefix=f".{key_file.stem}-")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
            with contextlib.suppress(FileExistsError):
                os.link(temporary, key_file)
        finally:
            os.unlink(temporary)
    return key_file.read_text().strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
