"""A verified signature as a service keeps it: the exact statement signed and the CMS, so it
can be verified again by anyone later, with who signed and when. Each service's table (the
applicants' submissions and answers, the reviews' decisions) has these columns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import LargeBinary, Text
from sqlmodel import Field, SQLModel

from ecopermit.runtime.database import UtcDateTime
from ecopermit.runtime.esign.checks import SignedStatement
from ecopermit.type.v1 import signature_pb2


class SignatureEvidence(SQLModel):
    purpose: str = Field(max_length=64)
    statement: str = Field(sa_type=Text)
    statement_sha256: str = Field(max_length=64)
    cms: bytes = Field(sa_type=LargeBinary)
    signer_name: str = Field(max_length=300)
    signer_iin: str = Field(max_length=12)
    signer_bin: str = Field(default="", max_length=12)
    certificate_serial: str = Field(max_length=64)
    sign_time: datetime = Field(sa_type=UtcDateTime)


def evidence_of(signed: SignedStatement) -> dict[str, Any]:
    """The SignatureEvidence columns of a verified signature."""
    signer = signed.verified.signer
    return {
        "purpose": signed.purpose.value,
        "statement": signed.statement.decode(),
        "statement_sha256": signed.verified.statement_sha256,
        "cms": signed.cms,
        "signer_name": signer.common_name,
        "signer_iin": signer.iin or "",
        "signer_bin": signer.bin or "",
        "certificate_serial": f"{signer.serial_number:x}",
        "sign_time": signed.verified.signed_at,
    }


def signature_message(evidence: SignatureEvidence) -> signature_pb2.Signature:
    message = signature_pb2.Signature(
        purpose=evidence.purpose,
        signer_name=evidence.signer_name,
        signer_iin=evidence.signer_iin,
        signer_bin=evidence.signer_bin,
        statement_sha256=evidence.statement_sha256,
        certificate_serial=evidence.certificate_serial,
    )
    message.sign_time.FromDatetime(evidence.sign_time)
    return message
