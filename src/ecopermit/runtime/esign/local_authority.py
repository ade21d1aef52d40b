"""A certification authority of our own for the embedded default, the demo and the tests,
shaped like NCA RK's: a root whose certificate is the trust store, people's certificates with
the IIN in serialNumber and the BIN in an organizational unit, signing keys (non-repudiation)
apart from authentication keys, a CRL distribution point and a CRL it reissues on revocation.

Nothing it issues is trusted outside a data directory that names it as the trust store;
production's trust store holds NCA RK's certificates instead."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from ecopermit.domain.business_id import check_digit
from ecopermit.domain.roles import STAFF_ROLES
from ecopermit.runtime.esign.requests import SignedRequest, sign_request
from ecopermit.runtime.esign.signing import SigningKey, load_signing_key
from ecopermit.runtime.esign.statements import Purpose
from ecopermit.runtime.esign.verification import TrustStore
from ecopermit.runtime.identity import Principal, Role

_KEY_BITS = 2048
_ROOT_NAME = "ecopermit local test authority (not NCA RK)"
# Certificates name a distribution point, as NCA RK's do; revocation is then checked against
# the CRL the trust store holds, which pyhanko-certvalidator matches to this point.
CRL_URL = "http://127.0.0.1/ecopermit-local-authority.crl"
# The BIN the local authority writes into staff certificates, standing in for the Committee's
# (production sets ECOPERMIT_AUTHORITY_BIN). A valid-looking number, not the Committee's.
STAND_IN_AUTHORITY_BIN = "000140000012"
# The password of the people's key files it keeps: test keys, trusted nowhere else.
PEOPLE_KEY_PASSWORD = "ecopermit-local"  # noqa: S105 - a test key's, by design


def stand_in_iin(subject: str) -> str:
    """A valid-looking IIN for a demo or test person, the same for the same sign-in name:
    born 1 January 1980 (800101), century-and-sex digit 3, serial from the name's hash."""
    serial = int(hashlib.sha256(subject.encode()).hexdigest(), 16)
    while True:
        first_eleven = f"8001013{serial % 10_000:04d}"
        digit = check_digit(first_eleven)
        if digit is not None:
            return f"{first_eleven}{digit}"
        serial += 1


@dataclass(frozen=True)
class Person:
    """Who a certificate is for: an employee of an enterprise (a BIN) or of the Committee."""

    common_name: str
    iin: str
    bin: str | None = None


def committee_seal_holder(authority_bin: str) -> Person:
    """Whom the local authority certifies the Committee's seal on permit certificates as: the
    Committee (a stand-in BIN in the embedded default), with a stand-in IIN for the official
    the key is issued to, as NCA RK names one in an organisation's certificate."""
    return Person(
        "КЭРК МЭПР РК, тестовый ключ",  # the Committee, abbreviated: 64 bytes at most
        stand_in_iin("committee-seal"),
        authority_bin,
    )


def local_principal(
    subject: str, role: Role, enterprise_bin: str | None = None, region: str | None = None
) -> Principal:
    """A demo or test person as the embedded default's dev sign-in vouches for them: the
    sign-in name with its stand-in IIN, an applicant's enterprise, an official's region."""
    return Principal(
        subject=subject,
        role=role,
        enterprise_bin=enterprise_bin if role is Role.APPLICANT else None,
        iin=stand_in_iin(subject),
        region=region if role in STAFF_ROLES else None,
    )


def person_of(principal: Principal) -> Person:
    """Whom the local authority certifies a principal as: an applicant as its enterprise's
    employee, staff as the (stand-in) Committee's."""
    if principal.iin is None:
        raise ValueError(f"{principal.subject} has no IIN to be certified under")
    organisation = (
        principal.enterprise_bin if principal.role is Role.APPLICANT else STAND_IN_AUTHORITY_BIN
    )
    return Person(principal.subject, principal.iin, organisation)


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

    _key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    def __init__(self, directory: Path, trust_dir: Path, crl_dir: Path) -> None:
        self.directory = directory
        self.trust_dir = trust_dir
        self.crl_dir = crl_dir
        self._keys: dict[Person, SigningKey] = {}
        # The services of `ecopermit up` start together; one creates the authority, the
        # others wait for it and read the same one.
        with self._locked():
            self._open_or_create()

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _open_or_create(self) -> None:
        key_file = self.directory / "root-key.pem"
        if key_file.exists():
            key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
            assert isinstance(key, rsa.RSAPrivateKey)
            self._key = key
            self.certificate = x509.load_pem_x509_certificate(
                (self.trust_dir / "local-authority.pem").read_bytes()
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
            self.trust_dir.mkdir(parents=True, exist_ok=True)
            (self.trust_dir / "local-authority.pem").write_bytes(
                self.certificate.public_bytes(serialization.Encoding.PEM)
            )
            self._write_crl()

    @classmethod
    def in_directory(cls, root: Path) -> LocalAuthority:
        """The authority kept under `root`: its own files in authority/, the trust store in
        trust/ and crl/."""
        return cls(root / "authority", root / "trust", root / "crl")

    @classmethod
    def existing(cls, root: Path) -> LocalAuthority | None:
        """The authority kept under `root` if there is one; never creates one (a trust store
        of real authorities must not gain a test root)."""
        if not (root / "authority" / "root-key.pem").exists():
            return None
        return cls.in_directory(root)

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

    def key_file(self, person: Person) -> Path:
        """The person's PKCS#12 signing key file (password PEOPLE_KEY_PASSWORD), issued once and
        kept (people/, mode 0600), so the demo's and the tests' people sign with the same
        certificate every time."""
        path = self.directory / "people" / f"{person.iin}-{person.bin or 'private'}.p12"
        with self._locked():
            if not path.exists():
                _private_write(path, self.issue_pkcs12(person, PEOPLE_KEY_PASSWORD))
        return path

    def signing_key(self, person: Person) -> SigningKey:
        if person not in self._keys:
            content = self.key_file(person).read_bytes()
            self._keys[person] = load_signing_key(content, PEOPLE_KEY_PASSWORD)
        return self._keys[person]

    def sign(self, request: SignedRequest, purpose: Purpose, signer: Principal) -> SignedRequest:
        """`request` signed for `purpose` with the key of the person `signer` signs in as."""
        return sign_request(request, purpose, self.signing_key(person_of(signer)))

    def revoke(self, certificate: x509.Certificate) -> None:
        with self._locked():
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
