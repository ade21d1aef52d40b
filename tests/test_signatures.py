"""Qualified e-signatures as the people who sign meet them: an enterprise's officer signs the
statement of a submission with the signing key of an NCA RK-shaped certificate (a local test
authority), and the server accepts it only when it is that person's, for that enterprise,
over exactly that statement, from a trusted, valid, unrevoked signing certificate."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest
from asn1crypto import cms
from cryptography.hazmat.primitives import serialization

from ecopermit.applicants.v1 import resources_pb2 as pb
from ecopermit.runtime.esign.local_authority import LocalAuthority, Person, pkcs12_of
from ecopermit.runtime.esign.signing import (
    KeyFileError,
    SigningKey,
    load_signing_key,
    sign_detached,
)
from ecopermit.runtime.esign.statements import Purpose, statement
from ecopermit.runtime.esign.verification import (
    Expectation,
    RevocationMode,
    SignatureRefusedError,
    SignatureVerifier,
    TrustStore,
)
from tests.conftest import ENTERPRISE_BIN, OTHER_ENTERPRISE_BIN
from tests.samples import application

ALIYA = Person("АЛИЕВА АЛИЯ", "880101400125", ENTERPRISE_BIN)
ALIYA_EXPECTED = Expectation(iin=ALIYA.iin, bin=ENTERPRISE_BIN)


def verifier_of(local_authority: LocalAuthority, **options: object) -> SignatureVerifier:
    return SignatureVerifier(local_authority.trust_store(), **options)  # type: ignore[arg-type]


def signing_key(
    local_authority: LocalAuthority, person: Person = ALIYA, **issue: object
) -> SigningKey:
    key, certificate = local_authority.issue(person, **issue)  # type: ignore[arg-type]
    return SigningKey(key, certificate)


def submission_statement(name: str = "Проект ТЭЦ-2") -> bytes:
    submitted = application(ENTERPRISE_BIN)
    submitted.facility.display_name = name
    return statement(Purpose.SUBMISSION, application=submitted)


async def refusal(
    local_authority: LocalAuthority,
    content: bytes,
    signature: bytes,
    expect: Expectation = ALIYA_EXPECTED,
    **options: object,
) -> SignatureRefusedError:
    with pytest.raises(SignatureRefusedError) as refused:
        await verifier_of(local_authority, **options).verify(content, signature, expect)
    return refused.value


async def test_an_officer_signs_a_submission_and_the_server_knows_who_and_when(
    local_authority: LocalAuthority,
) -> None:
    content = submission_statement()
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    signature = sign_detached(content, signing_key(local_authority))

    verified = await verifier_of(local_authority).verify(content, signature, ALIYA_EXPECTED)

    assert (verified.signer.iin, verified.signer.bin) == (ALIYA.iin, ENTERPRISE_BIN)
    assert verified.signer.common_name == ALIYA.common_name
    assert before - dt.timedelta(seconds=1) <= verified.signed_at <= dt.datetime.now(dt.UTC)
    assert verified.key_algorithm == "rsa"
    # The signature is detached: it carries a digest of the statement, not the statement.
    assert content not in signature


async def test_a_request_changed_after_signing_is_refused(local_authority: LocalAuthority) -> None:
    signature = sign_detached(submission_statement(), signing_key(local_authority))
    refused = await refusal(local_authority, submission_statement("Проект ТЭЦ-3"), signature)
    assert refused.reason == "signature.content"


async def test_a_submission_signature_does_not_pass_as_an_answer(
    local_authority: LocalAuthority,
) -> None:
    submitted = application(ENTERPRISE_BIN)
    signature = sign_detached(
        statement(Purpose.SUBMISSION, application=submitted), signing_key(local_authority)
    )
    as_answer = statement(Purpose.ANSWER, application=submitted)
    assert (await refusal(local_authority, as_answer, signature)).reason == "signature.content"


async def test_a_signature_made_with_another_key_than_the_certificate_is_refused(
    local_authority: LocalAuthority,
) -> None:
    real = signing_key(local_authority)
    impostor = signing_key(local_authority, Person("ИМПОСТОР", "900101300126", ENTERPRISE_BIN))
    forged = sign_detached(
        submission_statement(), SigningKey(impostor.private_key, real.certificate)
    )
    refused = await refusal(local_authority, submission_statement(), forged)
    assert refused.reason == "signature.invalid"


async def test_an_expired_certificate_is_refused(local_authority: LocalAuthority) -> None:
    now = dt.datetime.now(dt.UTC)
    expired = signing_key(
        local_authority,
        valid_from=now - dt.timedelta(days=400),
        valid_until=now - dt.timedelta(days=1),
    )
    refused = await refusal(
        local_authority, submission_statement(), sign_detached(submission_statement(), expired)
    )
    assert refused.reason == "signature.expired"


async def test_a_revoked_certificate_is_refused_from_the_local_crl(
    local_authority: LocalAuthority,
) -> None:
    key = signing_key(local_authority, Person("УТЕРЯН КЛЮЧ", "850505300128", ENTERPRISE_BIN))
    content = submission_statement()
    signature = sign_detached(content, key)
    await verifier_of(local_authority).verify(content, signature, Expectation(None, ENTERPRISE_BIN))

    local_authority.revoke(key.certificate)  # the officer reported the key lost

    refused = await refusal(local_authority, content, signature, Expectation(None, ENTERPRISE_BIN))
    assert refused.reason == "signature.revoked"


async def test_without_a_crl_revocation_cannot_be_established_and_nothing_is_accepted(
    local_authority: LocalAuthority, tmp_path: Path
) -> None:
    content = submission_statement()
    signature = sign_detached(content, signing_key(local_authority))
    no_crls = TrustStore.read(local_authority.trust_dir, tmp_path / "no-crls")
    with pytest.raises(SignatureRefusedError) as refused:
        await SignatureVerifier(no_crls, revocation_mode=RevocationMode.REQUIRE).verify(
            content, signature, ALIYA_EXPECTED
        )
    assert refused.value.reason == "signature.untrusted"
    assert "revocation" in refused.value.description


async def test_an_authentication_key_cannot_sign(local_authority: LocalAuthority) -> None:
    auth_key = signing_key(local_authority, signing=False)
    signature = sign_detached(submission_statement(), auth_key)
    refused = await refusal(local_authority, submission_statement(), signature)
    assert refused.reason == "signature.key_usage"
    assert "AUTH" in refused.description


async def test_another_enterprises_employee_cannot_sign_for_this_one(
    local_authority: LocalAuthority,
) -> None:
    elsewhere = signing_key(local_authority, Person("АЛИЕВА АЛИЯ", ALIYA.iin, OTHER_ENTERPRISE_BIN))
    signature = sign_detached(submission_statement(), elsewhere)
    assert (await refusal(local_authority, submission_statement(), signature)).reason == (
        "signature.enterprise"
    )


async def test_a_colleagues_key_does_not_sign_for_the_signed_in_officer(
    local_authority: LocalAuthority,
) -> None:
    colleague = signing_key(
        local_authority, Person("СЕРИКОВ БОЛАТ", "790202300124", ENTERPRISE_BIN)
    )
    signature = sign_detached(submission_statement(), colleague)
    assert (await refusal(local_authority, submission_statement(), signature)).reason == (
        "signature.signer"
    )


async def test_a_certificate_from_an_authority_not_in_the_trust_store_is_refused(
    local_authority: LocalAuthority, tmp_path: Path
) -> None:
    rogue = LocalAuthority.in_directory(tmp_path / "rogue")
    key, certificate = rogue.issue(ALIYA)
    signature = sign_detached(submission_statement(), SigningKey(key, certificate))
    assert (await refusal(local_authority, submission_statement(), signature)).reason == (
        "signature.untrusted"
    )


async def test_a_signature_made_long_ago_must_be_made_again(
    local_authority: LocalAuthority,
) -> None:
    content = submission_statement()
    signature = sign_detached(content, signing_key(local_authority))
    tomorrow_evening = dt.datetime.now(dt.UTC) + dt.timedelta(hours=30)
    with pytest.raises(SignatureRefusedError) as refused:
        await verifier_of(local_authority).verify(
            content, signature, ALIYA_EXPECTED, now=tomorrow_evening
        )
    assert refused.value.reason == "signature.time"


@pytest.mark.parametrize("signature", [b"", b"not a signature", b"\x30\x03\x02\x01\x01"])
async def test_bytes_that_are_not_a_cms_signature_are_refused(
    local_authority: LocalAuthority, signature: bytes
) -> None:
    assert (await refusal(local_authority, submission_statement(), signature)).reason == (
        "signature.malformed"
    )


async def test_a_gost_signature_is_refused_by_name_not_mistaken_for_a_bad_one(
    local_authority: LocalAuthority,
) -> None:
    content = submission_statement()
    signature = cms.ContentInfo.load(sign_detached(content, signing_key(local_authority)))
    # The signer's certificate as a GOST 34.310 key would appear in it (Kazakh arc 1.2.398).
    certificate = signature["content"]["certificates"][0].chosen
    certificate["tbs_certificate"]["subject_public_key_info"]["algorithm"]["algorithm"] = (
        "1.2.398.3.10.1.1.1.1"
    )
    refused = await refusal(local_authority, content, signature.dump(force=True))
    assert refused.reason == "signature.algorithm"
    assert "GOST" in refused.description


async def test_refusals_log_no_name_or_iin(
    local_authority: LocalAuthority, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    expired = signing_key(
        local_authority,
        valid_until=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1),
        valid_from=dt.datetime.now(dt.UTC) - dt.timedelta(days=2),
    )
    await refusal(
        local_authority, submission_statement(), sign_detached(submission_statement(), expired)
    )
    await refusal(
        local_authority,
        submission_statement(),
        sign_detached(submission_statement(), signing_key(local_authority, signing=False)),
    )
    assert ALIYA.iin not in caplog.text
    assert "АЛИЕВА" not in caplog.text


def test_the_statement_is_the_same_bytes_whoever_builds_it() -> None:
    first = application(ENTERPRISE_BIN)
    # The same application built field by field in the reverse order.
    second = pb.Application()
    for field, value in reversed(first.ListFields()):
        if field.message_type is None:
            setattr(second, field.name, value)
        elif field.is_repeated:
            getattr(second, field.name).extend(value)
        else:
            getattr(second, field.name).CopyFrom(value)
    assert second.SerializeToString(deterministic=True) == first.SerializeToString(
        deterministic=True
    )
    assert statement(Purpose.SUBMISSION, application=first) == statement(
        Purpose.SUBMISSION, application=second
    )
    text = statement(Purpose.SUBMISSION, application=first).decode()
    assert text.startswith('{"application":')
    assert '"purpose":"ecopermit.kep.submission"' in text
    # The documents are in it by hash, so the signature covers their bytes.
    assert all(d.sha256 in text for d in first.documents)


def test_a_key_file_opens_only_with_its_password(local_authority: LocalAuthority) -> None:
    key, certificate = local_authority.issue(ALIYA)
    key_file = pkcs12_of(key, certificate, "correct horse", friendly_name="aliya")
    opened = load_signing_key(key_file, "correct horse")
    assert opened.certificate == certificate
    assert opened.private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ) == key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(KeyFileError):
        load_signing_key(key_file, "wrong")
    with pytest.raises(KeyFileError):
        load_signing_key(b"not a key file", None)
