"""The server's side of a signed RPC: the request's signature verified against the trust store
and bound to the caller and the organisation, or the request refused with nothing written.

The trust store is read from its folders and read again when a file in them changes, so a CRL
an operator (or a CRL fetcher) drops in takes effect without a restart."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from google.protobuf.message import Message

from ecopermit.domain.errors import FieldViolation, InvalidArgumentError
from ecopermit.runtime.esign.embedded import embedded_authority
from ecopermit.runtime.esign.local_authority import STAND_IN_AUTHORITY_BIN
from ecopermit.runtime.esign.requests import SIGNATURE_FIELD, request_statement
from ecopermit.runtime.esign.statements import Purpose
from ecopermit.runtime.esign.verification import (
    Expectation,
    RevocationMode,
    SignatureRefusedError,
    SignatureVerifier,
    TrustStore,
    VerifiedSignature,
)
from ecopermit.runtime.identity import Principal
from ecopermit.runtime.settings import Settings

_HOW_TO_SIGN = (
    "sign the request with your ЭЦП: `ecopermit sign` with your key file, or NCALayer in the portal"
)


def refused(reason: str, description: str) -> InvalidArgumentError:
    return InvalidArgumentError([FieldViolation(SIGNATURE_FIELD, description, reason)])


def authority_bin(settings: Settings) -> str:
    """The BIN a decision maker's certificate must name: the Committee's, or in the embedded
    default the local authority's stand-in."""
    if settings.authority_bin:
        return settings.authority_bin
    if settings.is_embedded:
        return STAND_IN_AUTHORITY_BIN
    raise ValueError("set ECOPERMIT_AUTHORITY_BIN to the Committee's BIN for decision signatures")


class WatchedTrustStore:
    """A trust store read from two folders, re-read when any file in them changes."""

    def __init__(self, certificates_dir: Path, crl_dir: Path) -> None:
        self._dirs = (certificates_dir, crl_dir)
        self._seen: tuple[tuple[str, int, int], ...] | None = None
        self._store: TrustStore | None = None

    def _fingerprint(self) -> tuple[tuple[str, int, int], ...]:
        entries = []
        for directory in self._dirs:
            if directory.is_dir():
                for path in directory.iterdir():
                    stat = path.stat()
                    entries.append((str(path), stat.st_mtime_ns, stat.st_size))
        return tuple(sorted(entries))

    def current(self) -> TrustStore:
        fingerprint = self._fingerprint()
        if self._store is None or fingerprint != self._seen:
            self._store = TrustStore.read(*self._dirs)
            self._seen = fingerprint
        return self._store


@dataclass(frozen=True)
class SignedStatement:
    """A request's verified signature with what it was over, kept as evidence."""

    purpose: Purpose
    statement: bytes
    cms: bytes
    verified: VerifiedSignature


@dataclass(frozen=True)
class SignatureCheck:
    """Verifies the signature of a signed request for the service that receives it."""

    trust: WatchedTrustStore
    revocation_mode: RevocationMode
    fetch_revocation: bool

    @classmethod
    def from_settings(cls, settings: Settings) -> SignatureCheck:
        embedded_authority(settings)  # the embedded default's, made on first use
        check = cls(
            WatchedTrustStore(settings.signature_trust_path(), settings.signature_crl_path()),
            RevocationMode(settings.signature_revocation_mode),
            settings.signature_fetch_revocation,
        )
        if not check.trust.current().roots:
            raise ValueError(
                f"the signature trust store {settings.signature_trust_path()} holds no root "
                "certificate: put NCA RK's root and issuing CA certificates there "
                "(ECOPERMIT_SIGNATURE_TRUST_DIR)"
            )
        return check

    async def verified(
        self,
        request: Message,
        purpose: Purpose,
        principal: Principal,
        *,
        organisation_bin: str | None,
        now: dt.datetime | None = None,
    ) -> SignedStatement:
        """The verified signature of `request`, made by `principal` for `organisation_bin`;
        InvalidArgumentError on the signature field if it is missing or refused."""
        signature: bytes = getattr(request, SIGNATURE_FIELD)
        if not signature:
            raise refused("signature.missing", f"the request is not signed: {_HOW_TO_SIGN}")
        if principal.iin is None:
            raise refused(
                "signature.signer",
                "your sign-in carries no IIN, so no signature can be bound to you: sign in "
                "with your ЭЦП or through eGov",
            )
        verifier = SignatureVerifier(
            self.trust.current(),
            revocation_mode=self.revocation_mode,
            fetch_revocation=self.fetch_revocation,
        )
        content = request_statement(request, purpose)
        expect = Expectation(iin=principal.iin, bin=organisation_bin)
        try:
            # Verification is some 5-20 ms of CPU in pure Python (path building, the CRL):
            # in a thread of its own, so that the service's event loop keeps serving, above
            # all the transactions that hold SQLite's write lock meanwhile.
            verified = await asyncio.to_thread(
                asyncio.run, verifier.verify(content, signature, expect, now=now)
            )
        except SignatureRefusedError as error:
            raise refused(error.reason, error.description) from None
        return SignedStatement(purpose, content, signature, verified)
