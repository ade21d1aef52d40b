"""Why an application moved, for people: a message key with its values, which the portal says in
Kazakh, Russian or English from its catalogue (msgctxt "reason"), and the English text the record
and the API keep. One template per key, here; tests/test_portal_languages.py checks that every
catalogue has every key with the same placeholders.

Values that name the contract's enum values (task kinds, refusal grounds, document kinds) carry
the names, comma-separated, so each language names them its own way; the English text writes
them short ("technical_air")."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ENGLISH = {
    "registered_complete": (
        "registered on {registered}; completeness check (EC Art. 115(2)). Automatic checklist:"
        " every required document is present."
    ),
    "registered_missing": (
        "registered on {registered}; completeness check (EC Art. 115(2)). Automatic checklist:"
        " missing {missing}."
    ),
    "not_accepted": "not accepted for review (EC Art. 115(2)): {reasons}",
    "expertise_open_meeting": (
        "state environmental expertise: {parts}; public hearing: documents posted, open meeting"
        " on {day}"
    ),
    "expertise_public_discussion": (
        "state environmental expertise: {parts}; public hearing: public discussion until {day}"
    ),
    "protocol_published": "hearing protocol published: {count} question(s) answered",
    "transboundary": ("transboundary consultation: the review term is suspended (EC Art. 116(2))"),
    "remarks": "the authority prepares its remarks or the draft permit",
    "draft_permit_sent": "the draft permit is sent to the applicant",
    "remarks_sent": "remarks sent to the applicant: {remarks}",
    "disagreement": "the applicant disagrees with the remarks: {response}",
    "decision": "decision within five working days of the applicant's answer (EC Art. 117(1))",
    "refused": "refused on the grounds {grounds} (EC Art. 117(2)): {reasons}",
    "preliminary_refusal": (
        "preliminary decision: refusal on the grounds {grounds}: {reasons}. The applicant may"
        " object until {objections_by} and is heard before the final act (APPC Art. 73)."
    ),
    "refusal_hearing": "hearing on the preliminary refusal (grounds {grounds})",
    "approved": "permit {permit} issued",
}

# An enum value's name in the contract, as values carry them.
_ENUM_NAME = re.compile(r"\b(?:TASK_KIND|REFUSAL_GROUND|DOCUMENT_KIND)_([A-Z0-9_]+)\b")


@dataclass(frozen=True)
class Reason:
    key: str
    values: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.key not in ENGLISH:
            raise KeyError(f"no reason {self.key!r}")

    @property
    def text(self) -> str:
        """The reason in English, enum values written short."""
        plain = {k: _ENUM_NAME.sub(lambda m: m[1].lower(), v) for k, v in self.values.items()}
        return ENGLISH[self.key].format(**plain)


def names(values: list[str]) -> str:
    """Enum value names as a reason's value carries them."""
    return ", ".join(values)
