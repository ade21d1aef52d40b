"""An enterprise signs its submission and its answers with its employee's ЭЦП; the applicants
service takes nothing that is unsigned, signed by someone else, for another enterprise, with a
revoked, expired, untrusted or authentication-only certificate, or changed after signing."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from pathlib import Path

import grpc
import pytest

from ecopermit.applicants.v1 import applicant_service_pb2 as api
from ecopermit.applicants.v1 import applicant_service_pb2_grpc, applicant_workflow_service_pb2_grpc
from ecopermit.applicants.v1 import applicant_workflow_service_pb2 as workflow_api
from ecopermit.applicants.v1 import resources_pb2 as pb
from ecopermit.runtime.esign.local_authority import LocalAuthority, Person, stand_in_iin
from ecopermit.runtime.esign.requests import sign_request
from ecopermit.runtime.esign.signing import SigningKey
from ecopermit.runtime.esign.statements import Purpose
from ecopermit.runtime.identity import Principal, Role
from ecopermit.runtime.tokens import TokenIssuer
from tests import samples
from tests.conftest import (
    ENTERPRISE_BIN,
    OTHER_ENTERPRISE_BIN,
    Metadata,
    bearer,
    violation_reasons,
)

ALIYA = Person("aliya", stand_in_iin("aliya"), ENTERPRISE_BIN)


class Office:
    def __init__(self, channel: grpc.aio.Channel, issuer: TokenIssuer) -> None:
        self.stub = applicant_service_pb2_grpc.ApplicantServiceStub(channel)
        self.workflow = applicant_workflow_service_pb2_grpc.ApplicantWorkflowServiceStub(channel)
        self.worker: Metadata = bearer(issuer, Role.WORKER, "permit-workflow")
        self.owner: Metadata = bearer(issuer, Role.APPLICANT, "aliya", ENTERPRISE_BIN)
        self.reviewer: Metadata = bearer(issuer, Role.REVIEWER, "r1")
        self.public: Metadata = bearer(issuer, Role.PUBLIC, "citizen")

    async def refusal(self, request: api.SubmitApplicationRequest) -> list[str]:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await self.stub.SubmitApplication(request, metadata=self.owner)
        assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
        return violation_reasons(caught.value)

    async def stored(self) -> int:
        listed = await self.stub.ListApplications(
            api.ListApplicationsRequest(), metadata=self.reviewer
        )
        return len(listed.applications)


@pytest.fixture
async def office(applicants_channel: grpc.aio.Channel, issuer: TokenIssuer) -> Office:
    office = Office(applicants_channel, issuer)
    await office.stub.RegisterEnterprise(
        api.RegisterEnterpriseRequest(enterprise=samples.enterprise(ENTERPRISE_BIN)),
        metadata=office.owner,
    )
    request = samples.submit_request(ENTERPRISE_BIN)
    await samples.upload_documents(
        office.stub, ENTERPRISE_BIN, request.application.documents, office.owner
    )
    return office


def _key(
    authority: LocalAuthority,
    person: Person = ALIYA,
    **issue: object,
) -> SigningKey:
    key, certificate = authority.issue(person, **issue)  # type: ignore[arg-type]
    return SigningKey(key, certificate)


def _submission(key: SigningKey) -> api.SubmitApplicationRequest:
    return sign_request(samples.submit_request(ENTERPRISE_BIN), Purpose.SUBMISSION, key)


async def test_a_signed_submission_shows_who_signed_it_to_staff_but_not_to_the_public(
    office: Office,
) -> None:
    request = samples.signed(samples.submit_request(ENTERPRISE_BIN), Purpose.SUBMISSION, "aliya")
    submitted = (await office.stub.SubmitApplication(request, metadata=office.owner)).application
    (signature,) = submitted.signatures
    assert signature.purpose == "ecopermit.kep.submission"
    assert (signature.signer_name, signature.signer_iin) == ("aliya", ALIYA.iin)
    assert signature.signer_bin == ENTERPRISE_BIN
    assert len(signature.statement_sha256) == 64
    for_staff = await office.stub.GetApplication(
        api.GetApplicationRequest(name=submitted.name), metadata=office.reviewer
    )
    assert for_staff.application.signatures == submitted.signatures
    await office.workflow.RecordStageTransition(
        workflow_api.RecordStageTransitionRequest(
            name=submitted.name, sequence=1, stage=pb.STAGE_STATE_EXPERTISE, reason="accepted"
        ),
        metadata=office.worker,
    )
    published = await office.stub.ListApplications(
        api.ListApplicationsRequest(stage=pb.STAGE_STATE_EXPERTISE), metadata=office.public
    )
    assert [a.name for a in published.applications] == [submitted.name]
    assert not published.applications[0].signatures


Spoil = Callable[[LocalAuthority, Path], api.SubmitApplicationRequest]


def _unsigned(authority: LocalAuthority, tmp: Path) -> api.SubmitApplicationRequest:
    return samples.submit_request(ENTERPRISE_BIN)


def _by_a_colleague(authority: LocalAuthority, tmp: Path) -> api.SubmitApplicationRequest:
    return _submission(_key(authority, Person("bolat", stand_in_iin("bolat"), ENTERPRISE_BIN)))


def _for_another_enterprise(authority: LocalAuthority, tmp: Path) -> api.SubmitApplicationRequest:
    return _submission(_key(authority, Person("aliya", ALIYA.iin, OTHER_ENTERPRISE_BIN)))


def _changed_after_signing(authority: LocalAuthority, tmp: Path) -> api.SubmitApplicationRequest:
    request = _submission(_key(authority))
    request.application.emission_sources[0].emissions[0].concentration_mg_nm3 = 90
    return request


def _revoked(authority: LocalAuthority, tmp: Path) -> api.SubmitApplicationRequest:
    key = _key(authority)
    authority.revoke(key.certificate)
    return _submission(key)


def _expired(authority: LocalAuthority, tmp: Path) -> api.SubmitApplicationRequest:
    now = dt.datetime.now(dt.UTC)
    key = _key(
        authority, valid_from=now - dt.timedelta(days=400), valid_until=now - dt.timedelta(days=1)
    )
    return _submission(key)


def _untrusted(authority: LocalAuthority, tmp: Path) -> api.SubmitApplicationRequest:
    return _submission(_key(LocalAuthority.in_directory(tmp / "elsewhere")))


def _authentication_key(authority: LocalAuthority, tmp: Path) -> api.SubmitApplicationRequest:
    return _submission(_key(authority, signing=False))


def _garbage(authority: LocalAuthority, tmp: Path) -> api.SubmitApplicationRequest:
    request = samples.submit_request(ENTERPRISE_BIN)
    request.signature = b"0\x82 not a CMS"
    return request


def _answer_passed_off_as_submission(
    authority: LocalAuthority, tmp: Path
) -> api.SubmitApplicationRequest:
    request = samples.submit_request(ENTERPRISE_BIN)
    return sign_request(request, Purpose.ANSWER, _key(authority))


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [
        (_unsigned, "signature.missing"),
        (_by_a_colleague, "signature.signer"),
        (_for_another_enterprise, "signature.enterprise"),
        (_changed_after_signing, "signature.content"),
        (_revoked, "signature.revoked"),
        (_expired, "signature.expired"),
        (_untrusted, "signature.untrusted"),
        (_authentication_key, "signature.key_usage"),
        (_garbage, "signature.malformed"),
        (_answer_passed_off_as_submission, "signature.content"),
    ],
)
async def test_a_badly_signed_submission_is_refused_and_nothing_is_written(
    office: Office, tmp_path: Path, spoil: Spoil, reason: str
) -> None:
    request = spoil(samples.test_authority(), tmp_path)
    assert await office.refusal(request) == [reason]
    assert await office.stored() == 0


async def test_an_answer_is_signed_by_the_enterprise_and_kept_beside_the_submission(
    office: Office,
) -> None:
    submitted = await samples.submit(
        office.stub, samples.submit_request(ENTERPRISE_BIN), office.owner, subject="aliya"
    )
    await office.workflow.RecordStageTransition(
        workflow_api.RecordStageTransitionRequest(
            name=submitted.name, sequence=1, stage=pb.STAGE_RETURNED_FOR_REVISION, reason="x"
        ),
        metadata=office.worker,
    )
    answer = api.AmendApplicationRequest(
        name=submitted.name, request_id=str(uuid.uuid4()), response="The programme is added."
    )
    by_someone_else = samples.signed(answer, Purpose.ANSWER, "bolat", ENTERPRISE_BIN)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await office.stub.AmendApplication(by_someone_else, metadata=office.owner)
    assert violation_reasons(caught.value) == ["signature.signer"]
    signed = samples.signed(answer, Purpose.ANSWER, "aliya", ENTERPRISE_BIN)
    amended = (await office.stub.AmendApplication(signed, metadata=office.owner)).application
    assert [s.purpose for s in amended.signatures] == [
        "ecopermit.kep.submission",
        "ecopermit.kep.answer",
    ]


async def test_a_signature_cannot_be_bound_to_a_sign_in_without_an_iin(
    office: Office, issuer: TokenIssuer
) -> None:
    nameless = Principal("aliya", Role.APPLICANT, ENTERPRISE_BIN)  # no IIN claim
    metadata = (("authorization", f"Bearer {issuer.mint(nameless)}"),)
    request = samples.signed(samples.submit_request(ENTERPRISE_BIN), Purpose.SUBMISSION, "aliya")
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await office.stub.SubmitApplication(request, metadata=metadata)
    assert violation_reasons(caught.value) == ["signature.signer"]
    assert "carries no IIN" in (caught.value.details() or "")
