"""Signing in the portal: a form becomes a request, the person signs its statement, and the
signed request is sent.

The exchange, in two steps, keeps the portal stateless:
1. The form is posted; the portal builds the request (uploading the files first, since the
   statement names their hashes) and shows the signing page. The page carries the unsigned
   request (base64 of its protobuf encoding) and its statement (base64, what NCALayer signs).
2. The person signs: NCALayer in the browser (`/static/ncalayer.js`, module
   `kz.gov.pki.knca.basics`, method `sign`, format `cms`, not encapsulated) puts a base64 CMS
   into the `signature` field, or they upload a detached `.cms` file made elsewhere (e.g.
   `ecopermit sign`), or, on the embedded stack only, press "sign with the local test key". The
   portal sets the signature on the request and sends it; the service verifies it.

The request travels through the browser unsigned, but nothing is trusted from it: the service
verifies the signature over the statement of exactly the request it receives, made by the
signed-in person's certificate."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from google.protobuf.message import DecodeError, Message
from starlette.datastructures import UploadFile

from ecopermit.runtime.esign.requests import REQUEST_TYPES, request_statement
from ecopermit.runtime.esign.statements import Purpose, digest
from ecopermit.runtime.esign.verification import MAX_SIGNATURE_BYTES

REQUEST_FIELD = "request"
PURPOSE_FIELD = "purpose"
SIGNATURE_FIELD = "signature"
CMS_FILE_FIELD = "cms"
LOCAL_KEY_FIELD = "local_key"


def page_context(purpose: Purpose, request: Message) -> dict[str, Any]:
    """What the signing page shows and carries for `request`."""
    content = request_statement(request, purpose)
    return {
        "purpose": purpose.value,
        "pending": base64.b64encode(request.SerializeToString()).decode(),
        "statement": base64.b64encode(content).decode(),
        "statement_text": content.decode(),
        "statement_sha256": digest(content),
    }


def pending_request(form: Any) -> tuple[Purpose, Message]:
    """The request the signing page carried, and what it is signed for; ValueError if the
    form does not carry one."""
    try:
        purpose = Purpose(str(form.get(PURPOSE_FIELD, "")))
        message = REQUEST_TYPES[purpose]()
        encoded = base64.b64decode(str(form.get(REQUEST_FIELD, "")), validate=True)
        if not encoded:
            raise ValueError("empty")
        message.ParseFromString(encoded)
    except (ValueError, binascii.Error, DecodeError):
        raise ValueError("the signing form does not carry a request to sign") from None
    return purpose, message


async def signature_from(form: Any) -> bytes | None:
    """The detached CMS the person supplied: NCALayer's base64 in the signature field, or an
    uploaded `.cms` file (DER, or base64 as NCALayer and most tools save it)."""
    typed = str(form.get(SIGNATURE_FIELD, "")).strip()
    upload = form.get(CMS_FILE_FIELD)
    if not typed and isinstance(upload, UploadFile) and upload.filename:
        content = await upload.read(MAX_SIGNATURE_BYTES + 1)
        if len(content) > MAX_SIGNATURE_BYTES:
            raise ValueError("the signature file is larger than a signature can be")
        if content[:1] == b"\x30":  # DER starts with a SEQUENCE
            return content
        typed = content.decode("ascii", errors="replace").strip()
    # A PEM file's armour lines ("-----BEGIN CMS-----") are not part of the base64.
    typed = "".join(line for line in typed.splitlines() if not line.startswith("-----"))
    if not typed:
        return None
    try:
        return base64.b64decode("".join(typed.split()), validate=True)
    except binascii.Error:
        raise ValueError("the signature is neither a CMS file nor base64") from None
