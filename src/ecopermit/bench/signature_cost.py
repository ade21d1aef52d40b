"""Benchmark 6: what verifying one ЭЦП costs the service (the CMS parsed, the chain built to
the trust store, the CRL checked, the signer bound to the caller) beside its baseline, the bare
RSA verification of the same statement with the same key that no verifier can do without."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ecopermit.applicants.v1 import applicant_service_pb2 as applicants_api
from ecopermit.demo.dataset import pending_applications
from ecopermit.runtime.esign.checks import SignatureCheck, WatchedTrustStore
from ecopermit.runtime.esign.local_authority import LocalAuthority, local_principal, person_of
from ecopermit.runtime.esign.requests import request_statement
from ecopermit.runtime.esign.statements import Purpose
from ecopermit.runtime.esign.verification import RevocationMode
from ecopermit.runtime.identity import Role


@dataclass(frozen=True)
class SignatureCost:
    verifications: int
    verify_ms: float  # SignatureCheck.verified, per signature
    bare_ms: float  # RSA PKCS#1 v1.5 / SHA-256 verify of the same statement, per signature

    @property
    def ratio(self) -> float:
        """How many bare RSA verifications one full verification costs."""
        return self.verify_ms / self.bare_ms


async def signature_cost(verifications: int) -> SignatureCost:
    """`verifications` full verifications of one signed submission, then as many bare ones."""
    pending = pending_applications()[0]
    signer = local_principal("bench-officer", Role.APPLICANT, pending.bin)
    with tempfile.TemporaryDirectory(prefix="ecopermit-bench-esign-") as scratch:
        authority = LocalAuthority.in_directory(Path(scratch))
        request = applicants_api.SubmitApplicationRequest(
            request_id="00000000-0000-4000-8000-000000000001", application=pending.application()
        )
        signed = authority.sign(request, Purpose.SUBMISSION, signer)
        check = SignatureCheck(
            WatchedTrustStore(authority.trust_dir, authority.crl_dir),
            RevocationMode.REQUIRE,
            fetch_revocation=False,
        )
        await check.verified(signed, Purpose.SUBMISSION, signer, organisation_bin=pending.bin)
        started = time.perf_counter()
        for _ in range(verifications):
            await check.verified(signed, Purpose.SUBMISSION, signer, organisation_bin=pending.bin)
        verify_seconds = time.perf_counter() - started
        key = authority.signing_key(person_of(signer))
        assert isinstance(key.private_key, rsa.RSAPrivateKey)
        statement = request_statement(signed, Purpose.SUBMISSION)
        raw = key.private_key.sign(statement, padding.PKCS1v15(), hashes.SHA256())
        public = key.private_key.public_key()
        started = time.perf_counter()
        for _ in range(verifications):
            public.verify(raw, statement, padding.PKCS1v15(), hashes.SHA256())
        bare_seconds = time.perf_counter() - started
    return SignatureCost(
        verifications=verifications,
        verify_ms=verify_seconds / verifications * 1000,
        bare_ms=bare_seconds / verifications * 1000,
    )
