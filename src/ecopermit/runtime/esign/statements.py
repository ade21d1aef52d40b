"""What a person signs: a canonical statement of the request, as bytes.

The statement is RFC 8785 (JSON Canonicalization Scheme) over the request's fields in the
proto3 JSON mapping, with what the signature is for. The same message always gives the same
bytes, whoever computes them (the server, `ecopermit sign`, the portal before NCALayer), and the
documents are in it by SHA-256 and size, so the signature covers their bytes too.
"""

from __future__ import annotations

import enum
import hashlib
from typing import Any

import rfc8785
from google.protobuf import json_format
from google.protobuf.message import Message

STATEMENT_VERSION = 1


class Purpose(enum.StrEnum):
    """What a signature is for: one statement never passes for another."""

    SUBMISSION = "ecopermit.kep.submission"
    ANSWER = "ecopermit.kep.answer"
    DECISION = "ecopermit.kep.decision"


def statement(purpose: Purpose, **parts: Message | str) -> bytes:
    """The canonical bytes of `parts` (messages in their JSON mapping, names as strings)."""
    body: dict[str, Any] = {"purpose": purpose.value, "version": STATEMENT_VERSION}
    for name, part in parts.items():
        body[name] = (
            part
            if isinstance(part, str)
            else json_format.MessageToDict(part, preserving_proto_field_name=True)
        )
    return rfc8785.dumps(body)


def digest(content: bytes) -> str:
    """The statement's SHA-256, hex: what a signer is shown and a verifier compares."""
    return hashlib.sha256(content).hexdigest()
