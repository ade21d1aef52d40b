"""Workflow payloads encrypted before they leave our processes, so Temporal's histories, its
database and its UI hold no BIN (an individual entrepreneur's is the person's IIN), no name and
no address in clear.

AES-256-GCM with a fresh nonce per payload; the key id travels in the payload's metadata, so
keys rotate by adding a new current key and keeping the old ones for decrypting what they
wrote. A payload written before encryption was turned on (no encryption metadata) decodes as
it is, so running workflows and recorded histories keep replaying. Ops read histories through
`ecopermit codec-server`, which the Temporal UI and CLI call to decode.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
_NONCE_BYTES = 12


class PayloadKeyError(ValueError):
    """A payload that cannot be decrypted with the keys at hand: say which key it needs."""


class EncryptionCodec(PayloadCodec):
    def __init__(self, keys: Mapping[str, bytes], current: str) -> None:
        if current not in keys:
            raise ValueError(f"the current payload key {current!r} is not among the keys")
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self._current = current

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(payload) for payload in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(payload) for payload in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        nonce = os.urandom(_NONCE_BYTES)
        key_id = self._current.encode()
        # The key id is authenticated too: a payload cannot be relabelled to another key.
        sealed = self._ciphers[self._current].encrypt(nonce, payload.SerializeToString(), key_id)
        return Payload(metadata={"encoding": ENCODING, KEY_ID: key_id}, data=nonce + sealed)

    def decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload  # written before payloads were encrypted
        key_id = payload.metadata.get(KEY_ID, b"").decode()
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise PayloadKeyError(
                f"payload encrypted with key {key_id!r}, which is not configured "
                "(ECOPERMIT_PAYLOAD_KEYS keeps old keys for decrypting)"
            )
        nonce, sealed = payload.data[:_NONCE_BYTES], payload.data[_NONCE_BYTES:]
        try:
            plain = cipher.decrypt(nonce, sealed, key_id.encode())
        except InvalidTag:
            raise PayloadKeyError(f"payload under key {key_id!r} was altered") from None
        return Payload.FromString(plain)
