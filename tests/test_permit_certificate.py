"""The permit certificate as its holder, an inspector and a citizen meet it: a PDF in Kazakh
and Russian with the permit's limits, signed as PAdES by the Committee, that pyHanko accepts
offline, that shows every Kazakh letter when rendered, and that fails verification once
anyone changes it."""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
from pathlib import Path

from google.protobuf.timestamp_pb2 import Timestamp
from google.type.date_pb2 import Date

from ecopermit.applicants.v1 import resources_pb2 as pb
from ecopermit.runtime.esign.local_authority import LocalAuthority, Person
from ecopermit.runtime.esign.pades import sign_pdf, verify_pdf
from ecopermit.services.applicants.certificate import CertificateFacts, render_certificate
from ecopermit.type.v1 import kazakhstan_pb2 as kz
from tests.conftest import ENTERPRISE_BIN

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
