"""A certification authority of our own for the embedded default, the demo and the tests,
shaped like NCA RK's: a root whose certificate is the trust store, people's certificates with
the IIN in serialNumber and the BIN in an organizational unit, signing keys (non-repudiation)
apart from authentication keys, a CRL distribution point and a CRL it reissues on revocation.

Nothing it issues is trusted outside a data directory that names it as the trust store;
production's trust store holds NCA RK's certificates instead."""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from ecopermit.runtime.esign.verification import TrustStore

_KEY_BITS = 2048
_ROOT_NAME = "ecopermit local test authority (not NCA RK)"
# Certificates name a distribution point, as NCA RK's do; revocation is then checked against
# the CRL the trust store holds, which pyhanko-certvalidator matches to this point.
CRL_URL = "http://127.0.0.1/ecopermit-local-authority.crl"


@dataclass(frozen=True)
class Person:
    """Who a certificate is for: an employee of an enterprise (a BIN) or of the Committee."""

    common_name: str
    iin: str
    bin: str | None = None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _private_write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(content)


class LocalAuthority:
    """Kept in `directory`: its key (mode 0600), the revoked serial numbers; it writes its
    certificate into `trust_dir` and its CRL into `crl_dir`, where the verifier reads them."""

    def __init__(self, directory: Path, trust_dir: Path, crl_dir: Path) -> None:
        self.directory = directory
        self.trust_dir = trust_dir
        self.crl_dir = crl_dir
        key_file = directory / "root-key.pem"
        if key_file.exists():
            key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
            assert isinstance(key, rsa.RSAPrivateKey)
            self._key = key
            self.certificate = x509.load_pem_x509_certificate(
                (trust_dir / "local-authority.pem").read_bytes()
            )
        else:
            self._key = rsa.generate_private_key(public_exponent=65537, key_size=_KEY_BITS)
            self.certificate = self._root_certificate()
            _private_write(
                key_file,
                self._key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                ),
            )
            trust_dir.mkdir(parents=True, exist_ok=True)
            (trust_dir / "local-authority.pem").write_bytes(
                self.certificate.public_bytes(serialization.Encoding.PEM)
            )
            self._write_crl()

    @classmethod
    def in_directory(cls, root: Path) -> LocalAuthority:
        """The authority kept under `root`: its own files in authority/, the trust store in
        trust/ and crl/."""
        return cls(root / "authority", root / "trust", root / "crl")

    def trust_store(self) -> TrustStore:
        """The trust store it writes, as a verifier reads it."""
        return TrustStore.read(self.trust_dir, self.crl_dir)

    def _root_certificate(self) -> x509.Certificate:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, _ROOT_NAME)])
        now = _now()
        return (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self._key.public_key()), critical=False
            )
            .sign(self._key, hashes.SHA256())
        )

    def issue(
        self,
        person: Person,
        *,
        signing: bool = True,
        valid_from: dt.datetime | None = None,
        valid_until: dt.datetime | None = None,
    ) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
        """A key and certificate for `person`: for signing (non-repudiation), or, with
        `signing=False`, for authentication only, as NCA RK's AUTH keys are."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=_KEY_BITS)
        attributes = [
            x509.NameAttribute(NameOID.COMMON_NAME, person.common_name),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{person.iin}"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
        ]
        if person.bin is not None:
            attributes.append(
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"BIN{person.bin}")
            )
        now = _now()
        usage = (
            _key_usage(digital_signature=True, content_commitment=True)
            if signing
            else _key_usage(digital_signature=True, key_encipherment=True)
        )
        certificate = (
            x509.CertificateBuilder()
            .subject_name(x509.Name(attributes))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(valid_from or now - dt.timedelta(hours=1))
            .not_valid_after(valid_until or now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(usage, critical=True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self._key.public_key()),
                critical=False,
            )
            .add_extension(
                x509.CRLDistributionPoints(
                    [
                        x509.DistributionPoint(
                            full_name=[x509.UniformResourceIdentifier(CRL_URL)],
                            relative_name=None,
                            reasons=None,
                            crl_issuer=None,
                        )
                    ]
                ),
                critical=False,
            )
            .sign(self._key, hashes.SHA256())
        )
        return key, certificate

    def issue_pkcs12(self, person: Person, password: str, *, signing: bool = True) -> bytes:
        """The key file a person signs with (`ecopermit sign --key`), as NCA RK hands out."""
        key, certificate = self.issue(person, signing=signing)
        return pkcs12_of(key, certificate, password, friendly_name=person.common_name)

    def revoke(self, certificate: x509.Certificate) -> None:
        revoked = self._revoked()
        revoked[str(certificate.serial_number)] = _now().isoformat()
        (self.directory / "revoked.json").write_text(json.dumps(revoked, indent=2))
        self._write_crl()

    def _revoked(self) -> dict[str, str]:
        path = self.directory / "revoked.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def _write_crl(self) -> None:
        now = _now()
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.certificate.subject)
            .last_update(now - dt.timedelta(minutes=5))
            .next_update(now + dt.timedelta(days=30))
            .add_extension(x509.CRLNumber(int(now.timestamp() * 1000)), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self._key.public_key()),
                critical=False,
            )
        )
        for serial, when in self._revoked().items():
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(int(serial))
                .revocation_date(dt.datetime.fromisoformat(when))
                .build()
            )
        self.crl_dir.mkdir(parents=True, exist_ok=True)
        (self.crl_dir / "local-authority.crl").write_bytes(
            builder.sign(self._key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
        )


def pkcs12_of(
    key: rsa.RSAPrivateKey, certificate: x509.Certificate, password: str, friendly_name: str
) -> bytes:
    return pkcs12.serialize_key_and_certificates(
        friendly_name.encode(),
        key,
        certificate,
        None,
        serialization.BestAvailableEncryption(password.encode()),
    )


def _key_usage(**asserted: bool) -> x509.KeyUsage:
    names = (
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
        "encipher_only",
        "decipher_only",
    )
    return x509.KeyUsage(**{name: asserted.get(name, False) for name in names})
