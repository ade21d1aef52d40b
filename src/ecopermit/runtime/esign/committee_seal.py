"""The Committee's seal on permit certificates: its PKCS#12 signing key, named in settings in
production, or a key of the local test authority in the embedded default."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from pyhanko.sign import signers

from ecopermit.runtime.esign.embedded import embedded_authority
from ecopermit.runtime.esign.local_authority import PEOPLE_KEY_PASSWORD, committee_seal_holder
from ecopermit.runtime.esign.pades import load_signer, sign_pdf_with
from ecopermit.runtime.settings import Settings


@dataclass(frozen=True)
class CommitteeSeal:
    signer: signers.Signer

    @classmethod
    def from_settings(cls, settings: Settings, authority_bin: str) -> CommitteeSeal:
        """The configured key, opened once: a wrong file or password stops the service at
        start rather than at its first permit."""
        if settings.committee_key_file:
            content = Path(settings.committee_key_file).read_bytes()
            password = settings.committee_key_password.get_secret_value()
        else:
            authority = embedded_authority(settings)
            if authority is None:
                raise ValueError(
                    "set ECOPERMIT_COMMITTEE_KEY_FILE and ECOPERMIT_COMMITTEE_KEY_PASSWORD to the "
                    "Committee's PKCS#12 signing key: it signs every permit certificate"
                )
            content = authority.key_file(committee_seal_holder(authority_bin)).read_bytes()
            password = PEOPLE_KEY_PASSWORD
        return cls(load_signer(content, password))

    async def seal(self, pdf: bytes, reason: str) -> bytes:
        """`pdf` signed as PAdES. Signing is CPU work (hashing the file, the RSA signature):
        in a thread of its own, so the service's event loop keeps serving."""
        return await asyncio.to_thread(asyncio.run, sign_pdf_with(pdf, self.signer, reason=reason))
