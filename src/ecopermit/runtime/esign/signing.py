"""Making a detached CMS (PKCS#7) signature with a PKCS#12 key, as NCALayer does in a browser:
SHA-256, the signer's certificate included, signingTime and messageDigest signed attributes."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12


class KeyFileError(ValueError):
    """The PKCS#12 file cannot be opened, or holds no signing key and certificate."""


@dataclass(frozen=True)
class SigningKey:
    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    certificate: x509.Certificate


def load_signing_key(pkcs12_bytes: bytes, password: str | None) -> SigningKey:
    try:
        key, certificate, _ = pkcs12.load_key_and_certificates(
            pkcs12_bytes, password.encode() if password is not None else None
        )
    except ValueError as error:
        raise KeyFileError(f"cannot open the key file: {error}") from None
    if certificate is None or not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise KeyFileError("the key file holds no RSA or EC key with its certificate")
    return SigningKey(key, certificate)


def sign_detached(content: bytes, key: SigningKey) -> bytes:
    """The DER of a CMS SignedData over `content`, which it does not contain."""
    return (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(content)
        .add_signer(key.certificate, key.private_key, hashes.SHA256())
        .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature])
    )
