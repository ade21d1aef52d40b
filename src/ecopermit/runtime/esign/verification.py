"""Verifying a detached CMS signature the way the law needs it: the signature over exactly
this statement, the signer's certificate chained to the trust store, valid now, not revoked
(CRL, and OCSP or CRL fetching where configured), a signing (non-repudiation) key, a recent
signing time, and the certificate's IIN and BIN those of the caller and the enterprise.

RSA and EC signatures are verified by pyHanko and pyhanko-certvalidator. GOST (NCA RK's other
key family) goes through the same entry point but is refused as not verifiable here: no
well-kept Python library verifies GOST 34.310/34.10 signatures (README, "Signatures")."""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import cms, pem, x509
from asn1crypto import crl as asn1_crl
from pyhanko.sign.ades.report import AdESIndeterminate, AdESSubIndic
from pyhanko.sign.validation import async_validate_detached_cms
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import StandardCMSSignatureStatus
from pyhanko_certvalidator import ValidationContext

from ecopermit.runtime.esign.identity import SignerIdentity, identity_of
from ecopermit.runtime.esign.statements import digest

# pyHanko logs a failed validation with the certificate's subject (a person's name and IIN)
# and a stack trace; the refusal reaches the caller instead, and no personal data the logs.
for _chatty in ("pyhanko", "pyhanko_certvalidator"):
    logging.getLogger(_chatty).setLevel(logging.CRITICAL + 1)

# Key algorithms of the GOST family: Kazakhstan's GOST 34.310 (1.2.398.3.10.1.1) and the
# GOST R 34.10 OIDs (1.2.643) that NCA RK's newer keys also use.
_GOST_ARCS = ("1.2.398.3.10.", "1.2.643.")
_VERIFIABLE = {"rsa", "rsassa_pss", "ec"}
# The largest CMS accepted: a signature with a certificate chain is a few kilobytes.
MAX_SIGNATURE_BYTES = 64 * 1024


class RevocationMode(enum.StrEnum):
    """pyhanko-certvalidator's revocation policies: `require` refuses a certificate whose
    revocation status cannot be established; `hard-fail` only one its sources say is revoked
    or whose advertised sources fail; `soft-fail` tolerates failures."""

    REQUIRE = "require"
    HARD_FAIL = "hard-fail"
    SOFT_FAIL = "soft-fail"


class SignatureRefusedError(ValueError):
    """Why a signature is not accepted; `reason` is a stable code (signature.revoked, ...)."""

    def __init__(self, reason: str, description: str) -> None:
        super().__init__(description)
        self.reason = reason
        self.description = description


@dataclass(frozen=True)
class Expectation:
    """Whom the signature must come from: the caller's IIN and the enterprise's (or the
    authority's) BIN; None leaves that part unchecked."""

    iin: str | None
    bin: str | None


@dataclass(frozen=True)
class VerifiedSignature:
    signer: SignerIdentity
    signed_at: dt.datetime
    statement_sha256: str
    key_algorithm: str


@dataclass(frozen=True)
class TrustStore:
    """Anchors (self-issued certificates), intermediates and CRLs, as files in two
    directories: NCA RK's roots and issuing CAs in production, the local authority here."""

    roots: tuple[x509.Certificate, ...]
    intermediates: tuple[x509.Certificate, ...]
    crls: tuple[asn1_crl.CertificateList, ...]

    @classmethod
    def read(cls, certificates_dir: Path, crl_dir: Path) -> TrustStore:
        certificates = [x509.Certificate.load(d) for d in _ders(certificates_dir, "CERTIFICATE")]
        return cls(
            roots=tuple(c for c in certificates if c.self_issued),
            intermediates=tuple(c for c in certificates if not c.self_issued),
            crls=tuple(asn1_crl.CertificateList.load(d) for d in _ders(crl_dir, "X509 CRL")),
        )

    def validation_context(
        self,
        revocation_mode: RevocationMode,
        *,
        fetch_revocation: bool,
        moment: dt.datetime | None = None,
    ) -> ValidationContext:
        """What pyhanko-certvalidator checks a signer's certificate against (at `moment`,
        default now)."""
        return ValidationContext(
            trust_roots=list(self.roots),
            other_certs=list(self.intermediates),
            crls=list(self.crls),
            allow_fetching=fetch_revocation,
            revocation_mode=revocation_mode.value,
            moment=moment,
        )


def _ders(directory: Path, pem_label: str) -> Iterable[bytes]:
    """The DER of every file in `directory`, PEM or DER, in name order."""
    if not directory.is_dir():
        return
    for path in sorted(p for p in directory.iterdir() if p.is_file()):
        content = path.read_bytes()
        if pem.detect(content):
            for label, _, der in pem.unarmor(content, multiple=True):
                if label == pem_label:
                    yield der
        else:
            yield content


class SignatureVerifier:
    def __init__(
        self,
        trust: TrustStore,
        *,
        revocation_mode: RevocationMode = RevocationMode.REQUIRE,
        fetch_revocation: bool = False,
        max_age: dt.timedelta = dt.timedelta(hours=24),
        clock_skew: dt.timedelta = dt.timedelta(minutes=5),
    ) -> None:
        if not trust.roots:
            raise ValueError("the trust store holds no root certificate")
        self._trust = trust
        self._revocation_mode = revocation_mode
        self._fetch_revocation = fetch_revocation
        self._max_age = max_age
        self._clock_skew = clock_skew

    async def verify(
        self,
        content: bytes,
        signature: bytes,
        expect: Expectation,
        *,
        now: dt.datetime | None = None,
    ) -> VerifiedSignature:
        """The signer and time of a good signature over `content`; SignatureRefusedError if not."""
        moment = now or dt.datetime.now(dt.UTC)
        signed_data, certificate = _parse(signature)
        algorithm = certificate.public_key.algorithm
        if algorithm not in _VERIFIABLE:
            raise _unsupported(certificate)
        _check_key_usage(certificate)
        status = await async_validate_detached_cms(
            content,
            signed_data,
            signer_validation_context=self._trust.validation_context(
                self._revocation_mode, fetch_revocation=self._fetch_revocation, moment=moment
            ),
            key_usage_settings=KeyUsageConstraints(key_usage={"non_repudiation"}),
        )
        _check_status(status)
        signed_at = status.signer_reported_dt
        if signed_at is None:
            raise SignatureRefusedError("signature.time", "the signature carries no signing time")
        if not moment - self._max_age <= signed_at <= moment + self._clock_skew:
            raise SignatureRefusedError(
                "signature.time",
                f"the signature was made at {signed_at:%Y-%m-%d %H:%M} UTC; sign again: a "
                f"signature is accepted up to {self._max_age} after it was made",
            )
        signer = identity_of(status.signing_cert)
        _check_identity(signer, expect)
        return VerifiedSignature(signer, signed_at, digest(content), str(algorithm))


def _parse(signature: bytes) -> tuple[cms.SignedData, x509.Certificate]:
    malformed = SignatureRefusedError(
        "signature.malformed", "the signature is not a detached CMS (PKCS#7) SignedData in DER"
    )
    if not signature or len(signature) > MAX_SIGNATURE_BYTES:
        raise malformed
    try:
        info = cms.ContentInfo.load(signature, strict=True)
        if info["content_type"].native != "signed_data":
            raise malformed
        signed_data: cms.SignedData = info["content"]
        signer_infos = signed_data["signer_infos"]
        embedded = signed_data["encap_content_info"]["content"].native
        certificates = [c.chosen for c in signed_data["certificates"] or []]
        if len(signer_infos) != 1:
            raise SignatureRefusedError(
                "signature.malformed", "the signature must have exactly one signer"
            )
        signer_id = signer_infos[0]["sid"]
    except (ValueError, TypeError, KeyError):
        raise malformed from None
    if embedded is not None:
        raise SignatureRefusedError(
            "signature.malformed", "the signature must be detached (it embeds its content)"
        )
    for certificate in certificates:
        if isinstance(certificate, x509.Certificate) and _identifies(signer_id, certificate):
            return signed_data, certificate
    raise SignatureRefusedError(
        "signature.malformed", "the signature does not include the signer's certificate"
    )


def _identifies(signer_id: cms.SignerIdentifier, certificate: x509.Certificate) -> bool:
    if signer_id.name == "issuer_and_serial_number":
        chosen = signer_id.chosen
        return bool(
            chosen["issuer"] == certificate.issuer
            and chosen["serial_number"].native == certificate.serial_number
        )
    return bool(signer_id.chosen.native == certificate.key_identifier)


def _unsupported(certificate: x509.Certificate) -> SignatureRefusedError:
    oid = certificate.public_key["algorithm"]["algorithm"].dotted
    if oid.startswith(_GOST_ARCS):
        return SignatureRefusedError(
            "signature.algorithm",
            "signatures with a GOST key cannot be verified here yet; sign with the RSA key of "
            "your NCA RK certificate",
        )
    return SignatureRefusedError("signature.algorithm", f"the key algorithm {oid} is not accepted")


def _check_key_usage(certificate: x509.Certificate) -> None:
    usage = certificate.key_usage_value
    if usage is None or "non_repudiation" not in usage.native:
        raise SignatureRefusedError(
            "signature.key_usage",
            "the certificate is not for signing (no non-repudiation key usage): sign with the "
            "signing key (RSA/GOST), not the authentication key (AUTH)",
        )


# What a failed certificate check means to the person who signed, by pyHanko's indication.
_TRUST_PROBLEMS: dict[AdESSubIndic | None, tuple[str, str]] = {
    AdESIndeterminate.REVOKED_NO_POE: ("signature.revoked", "the certificate is revoked"),
    AdESIndeterminate.REVOKED_CA_NO_POE: (
        "signature.revoked",
        "the certificate's issuing authority is revoked",
    ),
    AdESIndeterminate.OUT_OF_BOUNDS_NO_POE: (
        "signature.expired",
        "the certificate is not valid now (expired, or not yet valid)",
    ),
    AdESIndeterminate.EXPIRED: ("signature.expired", "the certificate has expired"),
    AdESIndeterminate.NOT_YET_VALID: ("signature.expired", "the certificate is not yet valid"),
    AdESIndeterminate.NO_CERTIFICATE_CHAIN_FOUND: (
        "signature.untrusted",
        "the certificate does not chain to a trusted authority (NCA RK)",
    ),
    AdESIndeterminate.CERTIFICATE_CHAIN_GENERAL_FAILURE: (
        "signature.untrusted",
        "the certificate's chain or its revocation status cannot be established",
    ),
    AdESIndeterminate.TRY_LATER: (
        "signature.revocation_unknown",
        "the certificate's revocation status cannot be established now; try again later",
    ),
    AdESIndeterminate.REVOCATION_OUT_OF_BOUNDS_NO_POE: (
        "signature.revocation_unknown",
        "the certificate's revocation information is out of date",
    ),
}


def _check_status(status: StandardCMSSignatureStatus) -> None:
    if not status.intact:
        raise SignatureRefusedError(
            "signature.content",
            "the signature is over other content: the request changed after it was signed, "
            "or another statement was signed",
        )
    if not status.valid:
        raise SignatureRefusedError(
            "signature.invalid",
            "the signature does not verify with the key of the certificate it names",
        )
    if status.trusted and not status.revoked:
        return
    if status.revoked:
        raise SignatureRefusedError(*_TRUST_PROBLEMS[AdESIndeterminate.REVOKED_NO_POE])
    reason, description = _TRUST_PROBLEMS.get(
        status.trust_problem_indic,
        ("signature.untrusted", "the certificate cannot be validated against the trust store"),
    )
    raise SignatureRefusedError(reason, description)


def _check_identity(signer: SignerIdentity, expect: Expectation) -> None:
    if expect.iin is not None and signer.iin != expect.iin:
        raise SignatureRefusedError(
            "signature.signer", "the certificate is not the signed-in person's (its IIN differs)"
        )
    if expect.bin is not None and signer.bin != expect.bin:
        raise SignatureRefusedError(
            "signature.enterprise",
            "the certificate is not issued for this enterprise's employee (its BIN differs)",
        )
