"""PAdES: the permit certificate signed inside the PDF with the Committee's key, and checked
the way anyone can check it offline (pyHanko), including whether the file changed after it
was signed."""

from __future__ import annotations

import io
from dataclasses import dataclass

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.settings import KeyUsageConstraints

from ecopermit.runtime.esign.identity import SignerIdentity, identity_of
from ecopermit.runtime.esign.verification import RevocationMode, TrustStore

FIELD_NAME = "CommitteeSignature"


def load_signer(pkcs12: bytes, password: str) -> signers.SimpleSigner:
    """The signer of a PKCS#12 key file, opened once by a long-lived signer (the key file's
    own key derivation need not run for every signature)."""
    signer: signers.SimpleSigner | None = signers.SimpleSigner.load_pkcs12_data(
        pkcs12, passphrase=password.encode(), other_certs=()
    )
    if signer is None:
        raise ValueError("the key file cannot be opened")
    return signer


async def sign_pdf(pdf: bytes, pkcs12: bytes, password: str, *, reason: str) -> bytes:
    """`pdf` with a PAdES baseline signature (an incremental update: the bytes before stay)."""
    return await sign_pdf_with(pdf, load_signer(pkcs12, password), reason=reason)


async def sign_pdf_with(pdf: bytes, signer: signers.Signer, *, reason: str) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    fields.append_signature_field(writer, fields.SigFieldSpec(FIELD_NAME))
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        reason=reason,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    output = io.BytesIO()
    await signers.PdfSigner(metadata, signer).async_sign_pdf(writer, output=output)
    return output.getvalue()


@dataclass(frozen=True)
class PdfVerdict:
    """What a reader of the certificate needs to know: is it the Committee's, and untouched."""

    valid: bool
    intact: bool  # the signed bytes are unchanged
    unmodified_after_signing: bool  # nothing was appended after the signature
    trusted: bool
    signer: SignerIdentity | None
    explanation: str
    # The document's title as the file states it; vouched for only when the verdict is valid.
    title: str = ""


async def verify_pdf(
    pdf: bytes,
    trust: TrustStore,
    *,
    revocation_mode: RevocationMode = RevocationMode.REQUIRE,
    fetch_revocation: bool = False,
) -> PdfVerdict:
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # any unreadable file is simply not a valid certificate
        return PdfVerdict(False, False, False, False, None, "the file is not a readable PDF")
    title = _title(reader)
    if len(signatures) != 1:
        return PdfVerdict(
            False, False, False, False, None, "the PDF carries no single signature", title
        )
    (embedded,) = signatures
    try:
        status = await async_validate_pdf_signature(
            embedded,
            signer_validation_context=trust.validation_context(
                revocation_mode, fetch_revocation=fetch_revocation
            ),
            key_usage_settings=KeyUsageConstraints(key_usage={"non_repudiation"}),
        )
        signer = identity_of(status.signing_cert) if status.signing_cert is not None else None
    except Exception:  # a timestamp, an old sub-filter, a broken byte range: not a certificate
        return PdfVerdict(
            False, False, False, False, None, "the signature cannot be validated", title
        )
    # Anything after the signature's byte range is a change made after signing, whatever it is.
    untouched = embedded.coverage is not None and embedded.coverage.name == "ENTIRE_FILE"
    valid = bool(status.bottom_line) and untouched
    if not status.intact:
        explanation = "the signed content was changed after signing"
    elif not untouched:
        explanation = "the file was changed after it was signed"
    elif not status.trusted:
        explanation = "the signature is not by a certificate the trust store accepts"
    elif not status.bottom_line:
        explanation = "the signature does not verify"
    else:
        explanation = "signed and unchanged since"
    return PdfVerdict(
        valid=valid,
        intact=bool(status.intact),
        unmodified_after_signing=untouched,
        trusted=bool(status.trusted),
        signer=signer,
        explanation=explanation,
        title=title,
    )


def _title(reader: PdfFileReader) -> str:
    """The /Title of the document information, "" if the file gives none that can be read."""
    try:
        return str(reader.trailer["/Info"]["/Title"])[:200]
    except Exception:  # no information dictionary, or a broken one: no title
        return ""
