"""The permit certificate as its holder, an inspector and a citizen meet it: a PDF in Kazakh
and Russian with the permit's limits, signed as PAdES by the Committee, that pyHanko accepts
offline, that shows every Kazakh letter when rendered, and that fails verification once
anyone changes it; issued with the permit, kept in the register, downloaded and checked by
anyone without signing in."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import re
import subprocess
from pathlib import Path
from typing import Any

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from google.type.date_pb2 import Date

from ecopermit.applicants.v1 import applicant_service_pb2 as api
from ecopermit.applicants.v1 import applicant_workflow_service_pb2 as workflow_api
from ecopermit.applicants.v1 import resources_pb2 as pb
from ecopermit.runtime.esign.local_authority import (
    STAND_IN_AUTHORITY_BIN,
    LocalAuthority,
    Person,
)
from ecopermit.runtime.esign.pades import sign_pdf, verify_pdf
from ecopermit.services.applicants.certificate import CertificateFacts, render_certificate
from ecopermit.type.v1 import kazakhstan_pb2 as kz
from ecopermit.type.v1 import signature_pb2
from tests import samples
from tests.conftest import ENTERPRISE_BIN
from tests.test_applicant_service import Actors, actors, rpc_error

__all__ = ["actors"]  # the fixture, shared with the applicant service's tests

# A stand-in BIN for the Committee in the local authority's certificates (not its real one).
COMMITTEE_BIN = "050140000656"
PASSWORD = "committee-test-key"


def issued_permit() -> pb.Permit:
    issued = Timestamp()
    issued.FromDatetime(dt.datetime(2026, 11, 20, 6, 30, tzinfo=dt.UTC))
    return pb.Permit(
        name="permits/kz-kep-2026-000007",
        permit_number="KZ-KEP-2026-000007",
        enterprise=f"enterprises/{ENTERPRISE_BIN}",
        issue_time=issued,
        conditions=["Непрерывный мониторинг выбросов на источнике 0001 (АСМ)."],
        emission_limits=[
            pb.EmissionLimit(
                source_id="0001",
                pollutant=kz.POLLUTANT_NOX,
                limit_mg_nm3=180,
                reference_oxygen_percent=6,
                annual_tonnes=1450.5,
                daily_limit_mg_nm3=220,
            ),
            pb.EmissionLimit(
                source_id="0001",
                pollutant=kz.POLLUTANT_DUST,
                limit_mg_nm3=20,
                reference_oxygen_percent=6,
                annual_tonnes=1234567.25,
                interim_limit_mg_nm3=50,
                step_down_date=Date(year=2029, month=1, day=1),
            ),
        ],
        efficiency_programme=[
            pb.ProgrammeMilestone(
                description="Замена электрофильтра на рукавный фильтр",
                due_date=Date(year=2028, month=12, day=31),
                source_id="0001",
                pollutant=kz.POLLUTANT_DUST,
            )
        ],
    )


def facts() -> CertificateFacts:
    return CertificateFacts(
        permit=issued_permit(),
        enterprise_name="ТОО «Павлодарская ТЭЦ-2»",
        enterprise_bin=ENTERPRISE_BIN,
        facility_name="ТЭЦ-2",
        facility_address="г. Павлодар, промзона 1",
        decision_maker="Жұмабаев Ғалым",
        verification_url="http://127.0.0.1:8080/permits/kz-kep-2026-000007:verify",
    )


def committee_key(local_authority: LocalAuthority) -> bytes:
    person = Person("ЖҰМАБАЕВ ҒАЛЫМ", "770303300125", COMMITTEE_BIN)
    return local_authority.issue_pkcs12(person, PASSWORD)


async def signed_certificate(local_authority: LocalAuthority) -> bytes:
    pdf = render_certificate(facts())
    return await sign_pdf(pdf, committee_key(local_authority), PASSWORD, reason="KEP issued")


async def test_the_signed_certificate_validates_offline_as_the_committees(
    local_authority: LocalAuthority,
) -> None:
    pdf = await signed_certificate(local_authority)
    verdict = await verify_pdf(pdf, local_authority.trust_store())
    assert verdict.valid, verdict.explanation
    assert verdict.intact
    assert verdict.unmodified_after_signing
    assert verdict.signer is not None
    assert (verdict.signer.bin, verdict.signer.iin) == (COMMITTEE_BIN, "770303300125")


async def test_names_with_markup_characters_are_printed_as_they_are(tmp_path: Path) -> None:
    named = CertificateFacts(
        **{
            **facts().__dict__,
            "enterprise_name": "ТОО «Уголь <b>&amp;</b> Энергия»",
            "facility_address": "ул. Ломоносова 5/7 & 9",
        }
    )
    pdf_path = tmp_path / "permit.pdf"
    pdf_path.write_bytes(render_certificate(named))
    text = await asyncio.to_thread(
        subprocess.run,
        ["pdftotext", str(pdf_path), "-"],
        check=True,
        capture_output=True,
        text=True,
    )
    # As typed, not read as markup (bold, an entity) that would change what the permit says.
    assert "ТОО «Уголь <b>&amp;</b> Энергия»" in text.stdout
    assert "ул. Ломоносова 5/7 & 9" in text.stdout


async def test_a_certificate_changed_after_signing_no_longer_verifies(
    local_authority: LocalAuthority,
) -> None:
    pdf = await signed_certificate(local_authority)
    # A limit "edited" inside the signed bytes.
    forged = pdf.replace(b"KZ-KEP-2026-000007", b"KZ-KEP-2026-000008", 1)
    assert forged != pdf
    edited = await verify_pdf(forged, local_authority.trust_store())
    assert not edited.valid
    # Something appended after the signature: an incremental update a reader would show.
    appended = await verify_pdf(pdf + b"\n% a later change\n", local_authority.trust_store())
    assert not appended.valid
    assert not appended.unmodified_after_signing
    assert "changed after" in appended.explanation


async def test_a_certificate_signed_by_a_key_outside_the_trust_store_is_not_valid(
    local_authority: LocalAuthority, tmp_path: Path
) -> None:
    rogue = LocalAuthority.in_directory(tmp_path / "rogue")
    pdf = await sign_pdf(
        render_certificate(facts()), committee_key(rogue), PASSWORD, reason="KEP issued"
    )
    verdict = await verify_pdf(pdf, local_authority.trust_store())
    assert not verdict.valid
    assert not verdict.trusted


async def test_a_file_that_is_not_a_signed_pdf_is_not_valid(
    local_authority: LocalAuthority,
) -> None:
    assert not (await verify_pdf(b"not a pdf", local_authority.trust_store())).valid
    unsigned = await verify_pdf(render_certificate(facts()), local_authority.trust_store())
    assert not unsigned.valid


async def test_the_certificate_renders_with_its_kazakh_and_russian_text(
    local_authority: LocalAuthority, tmp_path: Path
) -> None:
    pdf_path = tmp_path / "permit.pdf"
    pdf_path.write_bytes(await signed_certificate(local_authority))
    # Fonts are embedded: a reader without DejaVu shows the same letters.
    assert pdf_path.read_bytes().count(b"/FontFile2") >= 2
    text = await asyncio.to_thread(
        subprocess.run,
        ["pdftotext", "-layout", str(pdf_path), "-"],
        check=True,
        capture_output=True,
        text=True,
    )
    for words in (
        "КЕШЕНДІ ЭКОЛОГИЯЛЫҚ РҰҚСАТ",
        "КОМПЛЕКСНОЕ ЭКОЛОГИЧЕСКОЕ РАЗРЕШЕНИЕ",
        "KZ-KEP-2026-000007",
        "Жұмабаев Ғалым",
        "Экологиялық тиімділікті арттыру бағдарламасы",
        "31.12.2028",
        "50 (01.01.2029)",
        # Tonnes a year as the permit holds them: every digit, no exponent, a decimal comma.
        "1234567,25",
        "1450,5",
        ENTERPRISE_BIN,
    ):
        assert words in text.stdout, words
    await asyncio.to_thread(
        subprocess.run,
        ["pdftoppm", "-png", "-r", "80", "-singlefile", str(pdf_path), str(tmp_path / "page")],
        check=True,
    )
    png = (tmp_path / "page.png").read_bytes()
    assert png.startswith(b"\x89PNG")


# The certificate in the register: issued with the permit, read and checked by anyone.


def _decision_signature() -> signature_pb2.Signature:
    """The decision maker's verified ЭЦП as the review service hands it to the worker."""
    return signature_pb2.Signature(
        purpose="ecopermit.kep.decision",
        signer_name="ЖҰМАБАЕВ ҒАЛЫМ",
        signer_iin="770303300125",
        signer_bin=STAND_IN_AUTHORITY_BIN,
    )


async def _issued(actors: Actors) -> pb.Permit:
    application = await actors.submit()
    await actors.transition(application, 1, pb.STAGE_DECISION)
    issue = workflow_api.IssuePermitRequest(
        application=application.name,
        conditions=["Непрерывный мониторинг выбросов (АСМ)."],
        emission_limits=[
            pb.EmissionLimit(
                source_id="stack-1",
                pollutant=kz.POLLUTANT_NOX,
                limit_mg_nm3=150,
                reference_oxygen_percent=6,
                annual_tonnes=812.25,
            )
        ],
        signed_by="dm1",
        decision_signature=_decision_signature(),
    )
    permit: pb.Permit = (await actors.workflow.IssuePermit(issue, metadata=actors.worker)).permit
    # A retried IssuePermit (the activity after a crash) returns the same certificate.
    again = (await actors.workflow.IssuePermit(issue, metadata=actors.worker)).permit
    assert again.certificate == permit.certificate
    return permit


async def _download(actors: Actors, permit: pb.Permit) -> bytes:
    """The certificate as anyone downloads it: no token at all."""
    name = f"{permit.application}/documents/{permit.certificate.sha256}"
    stream = actors.applicants.DownloadDocument(api.DownloadDocumentRequest(name=name))
    return b"".join([m.chunk async for m in stream])


async def test_an_issued_permit_carries_a_certificate_sealed_by_the_committee(
    actors: Actors, tmp_path: Path
) -> None:
    permit = await _issued(actors)
    # Signed by the person the decision's certificate names, not by a sign-in name.
    assert permit.signed_by == "ЖҰМАБАЕВ ҒАЛЫМ"
    assert permit.certificate.kind == pb.DOCUMENT_KIND_PERMIT_CERTIFICATE
    assert permit.certificate.media_type == "application/pdf"
    assert permit.certificate.file_name == f"{permit.permit_number}.pdf"
    # Anyone reads the register entry without signing in; the signer's IIN is not shown.
    public = (await actors.applicants.GetPermit(api.GetPermitRequest(name=permit.name))).permit
    assert public.certificate == permit.certificate
    assert public.decision_signature.signer_name == "ЖҰМАБАЕВ ҒАЛЫМ"
    assert public.decision_signature.signer_iin == ""
    holder = await actors.applicants.GetPermit(
        api.GetPermitRequest(name=permit.name), metadata=actors.owner
    )
    assert holder.permit.decision_signature.signer_iin == ""
    staff = await actors.applicants.GetPermit(
        api.GetPermitRequest(name=permit.name), metadata=actors.reviewer
    )
    assert staff.permit.decision_signature.signer_iin == "770303300125"

    pdf = await _download(actors, permit)
    assert hashlib.sha256(pdf).hexdigest() == permit.certificate.sha256
    assert len(pdf) == permit.certificate.size_bytes
    offline = await verify_pdf(pdf, samples.test_authority().trust_store())
    assert offline.valid, offline.explanation
    assert offline.signer is not None
    assert offline.signer.bin == STAND_IN_AUTHORITY_BIN
    pdf_path = tmp_path / "permit.pdf"
    pdf_path.write_bytes(pdf)
    rendered = await asyncio.to_thread(
        subprocess.run,
        ["pdftotext", "-layout", str(pdf_path), "-"],
        check=True,
        capture_output=True,
        text=True,
    )
    text = rendered.stdout
    for words in (
        permit.permit_number,
        "Pavlodar Power JSC",
        "CHP-2",
        "ЖҰМАБАЕВ ҒАЛЫМ",
        "812,25",
        f"/portal/permits/{permit.permit_number}/verify",
    ):
        assert words in text, words


async def test_anyone_checks_a_certificate_and_learns_when_it_was_changed(
    actors: Actors, tmp_path: Path
) -> None:
    permit = await _issued(actors)
    pdf = await _download(actors, permit)

    async def check(**subject: Any) -> api.VerifyPermitCertificateResponse:
        response: api.VerifyPermitCertificateResponse = (
            await actors.applicants.VerifyPermitCertificate(
                api.VerifyPermitCertificateRequest(**subject)
            )
        )
        return response

    register_copy = await check(permit=permit.name)
    assert register_copy.valid, register_copy.explanation
    held = await check(pdf=pdf)
    assert held.valid
    assert held.matches_register
    assert held.permit.name == permit.name
    assert held.permit.decision_signature.signer_iin == ""
    assert held.signer_bin == STAND_IN_AUTHORITY_BIN

    appended = await check(pdf=pdf + b"\n% a limit raised later\n")
    assert not appended.valid
    assert not appended.unmodified_after_signing
    assert "changed after" in appended.explanation
    # The file still claims its permit: the reader is shown the register's entry to compare.
    assert appended.permit.name == permit.name
    assert not appended.matches_register

    # Edited inside the signed bytes (the title names another permit).
    edited = pdf.replace(permit.permit_number.encode(), b"KZ-KEP-2026-999999", 1)
    assert edited != pdf
    forged = await check(pdf=edited)
    assert not forged.valid
    assert not forged.intact

    # Sealed with a key the trust store does not know: the Committee's name is not enough.
    rogue = LocalAuthority.in_directory(tmp_path / "rogue")
    sealed_elsewhere = await sign_pdf(
        render_certificate(facts()), committee_key(rogue), PASSWORD, reason="KEP issued"
    )
    untrusted = await check(pdf=sealed_elsewhere)
    assert not untrusted.valid
    assert not untrusted.trusted

    # Signed by a trusted key of someone outside the Committee.
    outsider = await sign_pdf(
        render_certificate(facts()), committee_key(samples.test_authority()), PASSWORD, reason="KEP"
    )
    not_committee = await check(pdf=outsider)
    assert not not_committee.valid
    assert "not the Committee's" in not_committee.explanation

    # Whatever the file, the answer is a verdict, never an error.
    byte_range = re.search(rb"/ByteRange \[[^\]]*\]", pdf)
    assert byte_range is not None
    bent = b"/ByteRange [0 1 2 3".ljust(len(byte_range.group(0)) - 1) + b"]"
    for broken in (
        b"%PDF-1.7 nothing here",
        pdf.replace(b"/ETSI.CAdES.detached", b"/adbe.x509.rsa_sha1"),
        pdf.replace(byte_range.group(0), bent),
        pdf[: len(pdf) // 2],
    ):
        assert not (await check(pdf=broken)).valid


async def test_no_token_opens_only_what_the_law_makes_public(actors: Actors) -> None:
    application = await actors.submit()
    # An application not yet heard in public is not found by anyone without a token; what
    # is not public by law at all asks for one.
    unheard = await rpc_error(
        actors.applicants.GetApplication(api.GetApplicationRequest(name=application.name))
    )
    assert unheard.code() is grpc.StatusCode.NOT_FOUND
    refused = await rpc_error(
        actors.applicants.GetEnterprise(api.GetEnterpriseRequest(name=application.enterprise))
    )
    assert refused.code() is grpc.StatusCode.UNAUTHENTICATED
    # Anyone reads documents published for a hearing only, and this one is not yet published.
    document = application.documents[0]
    hidden = actors.applicants.DownloadDocument(
        api.DownloadDocumentRequest(name=f"{application.name}/documents/{document.sha256}")
    )
    error = await rpc_error(hidden.read())
    assert error.code() is grpc.StatusCode.NOT_FOUND
