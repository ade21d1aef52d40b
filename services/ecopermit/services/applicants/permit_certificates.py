"""The permit certificate in the register: made, sealed with the Committee's key and filed in
the dossier when a permit is issued; checked for anyone who holds a copy."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import tempfile
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ecopermit.applicants.v1 import applicant_service_pb2 as api
from ecopermit.applicants.v1 import resources_pb2 as pb
from ecopermit.domain.errors import NotFoundError
from ecopermit.runtime.esign.checks import WatchedTrustStore
from ecopermit.runtime.esign.committee_seal import CommitteeSeal
from ecopermit.runtime.esign.pades import PdfVerdict, verify_pdf
from ecopermit.runtime.esign.verification import RevocationMode
from ecopermit.runtime.identity import ANONYMOUS
from ecopermit.runtime.object_store import ObjectNotFoundError, ObjectStore
from ecopermit.services.applicants.certificate import CertificateFacts, render_certificate
from ecopermit.services.applicants.models import PermitRecord
from ecopermit.services.applicants.store import (
    ApplicantStore,
    CertificateSubject,
    SealedCertificate,
    permit_message,
)

_SEAL_REASON = "Кешенді экологиялық рұқсат / Комплексное экологическое разрешение"


def verification_path(permit_id: str) -> str:
    """The portal's public page that checks a permit's certificate: its QR code opens it."""
    return f"/portal/permits/{permit_id}/verify"


def as_published(permit: pb.Permit) -> pb.Permit:
    """What anyone reads of a permit: all of it but the decision maker's IIN (personal data)."""
    published = pb.Permit()
    published.CopyFrom(permit)
    if published.HasField("decision_signature"):
        published.decision_signature.signer_iin = ""
    return published


@dataclass(frozen=True)
class PermitCertificates:
    store: ApplicantStore
    objects: ObjectStore
    spool_dir: Path
    seal: CommitteeSeal
    trust: WatchedTrustStore
    revocation_mode: RevocationMode
    fetch_revocation: bool
    committee_bin: str
    public_url: str
    checks: Executor = field(
        default_factory=lambda: ThreadPoolExecutor(2, thread_name_prefix="certificate-check")
    )

    async def certify(self, permit: pb.Permit, subject: CertificateSubject) -> SealedCertificate:
        """The certificate of a permit being issued: rendered, sealed with the Committee's key
        and kept in the object store (content-addressed: a retry's copy harms nothing)."""
        facts = CertificateFacts(
            permit=permit,
            enterprise_name=subject.enterprise_name,
            enterprise_bin=subject.enterprise_bin,
            facility_name=subject.facility_name,
            facility_address=subject.facility_address,
            decision_maker=permit.signed_by,
            verification_url=self.public_url + verification_path(permit.permit_number),
        )
        # Setting a page of text is CPU work: off the event loop.
        pdf = await self.seal.seal(await asyncio.to_thread(render_certificate, facts), _SEAL_REASON)
        sha256 = hashlib.sha256(pdf).hexdigest()
        await self._keep(sha256, pdf)
        return SealedCertificate(sha256, len(pdf))

    async def _keep(self, sha256: str, pdf: bytes) -> None:
        path = await asyncio.to_thread(self._spool, pdf)
        try:
            await self.objects.put(sha256, path)
        finally:
            await asyncio.to_thread(path.unlink, missing_ok=True)

    def _spool(self, pdf: bytes) -> Path:
        """The bytes in a private file of the spool folder, as the object store takes them."""
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(dir=self.spool_dir, prefix=".certificate-")
        with os.fdopen(descriptor, "wb") as spooled:
            spooled.write(pdf)
        return Path(name)

    async def _register_copy(self, permit_id: str) -> tuple[pb.Permit, bytes | None]:
        record = await self.store.get_permit(permit_id, ANONYMOUS)
        permit = permit_message(record)
        if not permit.HasField("certificate"):
            return permit, None
        try:
            chunks = [c async for c in self.objects.read(permit.certificate.sha256, 0, 0)]
        except ObjectNotFoundError:
            raise NotFoundError(f"{permit.name}: the certificate's bytes are not stored") from None
        return permit, b"".join(chunks)

    async def verify(
        self, request: api.VerifyPermitCertificateRequest
    ) -> api.VerifyPermitCertificateResponse:
        if request.WhichOneof("subject") == "permit":
            permit, held = await self._register_copy(request.permit.rpartition("/")[2])
            if held is None:
                return api.VerifyPermitCertificateResponse(
                    valid=False,
                    explanation="the register holds no signed certificate for this permit: it "
                    "was issued before certificates were signed",
                    permit=as_published(permit),
                )
            pdf = held
        else:
            pdf = request.pdf
        registered = await self.store.permit_with_certificate(hashlib.sha256(pdf).hexdigest())
        # Revocation is fetched (where configured) for the register's own bytes only: a file
        # anyone uploads must not make the service fetch the addresses its certificates name.
        verification = verify_pdf(
            pdf,
            self.trust.current(),
            revocation_mode=self.revocation_mode,
            fetch_revocation=self.fetch_revocation and registered is not None,
        )
        # CPU work in a pool of its own: public checks never crowd out the signing of permits.
        verdict = await asyncio.get_running_loop().run_in_executor(
            self.checks, asyncio.run, verification
        )
        return await self._answer(verdict, registered)

    async def _answer(
        self, verdict: PdfVerdict, registered: PermitRecord | None
    ) -> api.VerifyPermitCertificateResponse:
        signer = verdict.signer
        by_committee = signer is not None and signer.bin == self.committee_bin
        if not verdict.valid:
            explanation = verdict.explanation
        elif not by_committee:
            explanation = "the signature is valid but not the Committee's"
        elif registered is None:
            explanation = (
                "signed by the Committee, but this file is not the certificate the register "
                "keeps for any permit"
            )
        else:
            explanation = f"the certificate of permit {registered.id}: {verdict.explanation}"
        answer = api.VerifyPermitCertificateResponse(
            valid=verdict.valid and by_committee and registered is not None,
            explanation=explanation,
            intact=verdict.intact,
            unmodified_after_signing=verdict.unmodified_after_signing,
            trusted=verdict.trusted,
            signer_name=signer.common_name if signer is not None else "",
            signer_bin=(signer.bin or "") if signer is not None else "",
            matches_register=registered is not None,
        )
        if registered is not None:
            answer.permit.CopyFrom(as_published(permit_message(registered)))
            return answer
        # The permit the file's title claims (the certificate is titled with its number), shown
        # so the reader can compare: the register's entry, not the file, is the truth.
        claimed = verdict.title[:64]
        if claimed:
            with contextlib.suppress(NotFoundError):
                record = await self.store.get_permit(claimed, ANONYMOUS)
                answer.permit.CopyFrom(as_published(permit_message(record)))
        return answer
