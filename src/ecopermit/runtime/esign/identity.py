"""Who a certificate names, read the way NCA RK writes it: the person's IIN in the subject's
serialNumber as "IIN" + 12 digits and, in a certificate for an organisation's employee, the
organisation's BIN in an organizationalUnitName as "BIN" + 12 digits."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from asn1crypto import x509

_IIN_PREFIX = "IIN"
_BIN_PREFIX = "BIN"


@dataclass(frozen=True)
class SignerIdentity:
    iin: str | None
    bin: str | None  # None for a private person's certificate
    common_name: str
    certificate_sha256: str
    serial_number: int


def _twelve_digits(value: str, prefix: str) -> str | None:
    number = value.removeprefix(prefix)
    if value.startswith(prefix) and len(number) == 12 and number.isascii() and number.isdigit():
        return number
    return None


def identity_of(certificate: x509.Certificate) -> SignerIdentity:
    subject = certificate.subject.native
    serial = subject.get("serial_number", "")
    units = subject.get("organizational_unit_name", [])
    units = [units] if isinstance(units, str) else list(units)
    bins = [b for unit in units if (b := _twelve_digits(unit, _BIN_PREFIX))]
    return SignerIdentity(
        iin=_twelve_digits(serial, _IIN_PREFIX) if isinstance(serial, str) else None,
        bin=bins[0] if bins else None,
        common_name=str(subject.get("common_name", "")),
        certificate_sha256=hashlib.sha256(certificate.dump()).hexdigest(),
        serial_number=int(certificate.serial_number),
    )
