"""The embedded default's signatures: the local test authority its services trust and its
people's keys come from. Production has none: it trusts NCA RK and people bring their keys."""

from __future__ import annotations

from ecopermit.runtime.esign.local_authority import LocalAuthority
from ecopermit.runtime.settings import Settings


def embedded_authority(settings: Settings) -> LocalAuthority | None:
    """The local authority of an embedded stack: made on first use under <data_dir>/esign when
    no trust store is configured, or the one whose trust store is configured (a test run's);
    None outside the embedded default, or when the configured trust store is not one's."""
    if not settings.is_embedded:
        return None
    if not settings.signature_trust_dir:
        return LocalAuthority.in_directory(settings.esign_path())
    return LocalAuthority.existing(settings.signature_trust_path().parent)
