"""What a reviewer's completion must hold, apart from any database: a BAT expert who departs
from the automatic verdict writes why and says so in the outcome, and every public comment has a
disposition before the hearing's record is closed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, TypeVar

from ecopermit.domain.errors import FieldViolation

# Internal target, no statute read for it: a reason is a sentence, not a word.
OVERRIDE_REASON_MIN = 10


class VerdictReview(Protocol):
    @property
    def source_id(self) -> str: ...
    @property
    def pollutant(self) -> int: ...
    @property
    def verdict(self) -> int: ...
    @property
    def reason(self) -> str: ...


class Disposition(Protocol):
    @property
    def public_comment(self) -> str: ...  # "applications/{application}/publicComments/{id}"
    @property
    def disposition(self) -> int: ...


Entry = TypeVar("Entry", bound=Disposition)


def bat_review_violations(
    assessed: Mapping[tuple[str, int], int],
    reviews: Sequence[VerdictReview],
    outcome_is_override: bool,
) -> list[FieldViolation]:
    """What is wrong with an expert's reviews of the assessed verdicts, by (source, pollutant):
    a review of nothing assessed, an override without a written reason, and an outcome that
    does not say BAT_OVERRIDDEN exactly when a verdict was overridden."""
    violations: list[FieldViolation] = []
    overridden = False
    for index, review in enumerate(reviews):
        path = f"bat_reviews[{index}]"
        verdict = assessed.get((review.source_id, review.pollutant))
        if verdict is None:
            violations.append(
                FieldViolation(path, "no assessed value for this source and pollutant")
            )
            continue
        if review.verdict != verdict:
            overridden = True
            if len(review.reason.strip()) < OVERRIDE_REASON_MIN:
                violations.append(
                    FieldViolation(
                        f"{path}.reason",
                        f"an override needs a written reason ({OVERRIDE_REASON_MIN} characters "
                        "or more)",
                        "bat_review.reason",
                    )
                )
    if overridden != outcome_is_override:
        violations.append(
            FieldViolation(
                "outcome",
                "BAT_OVERRIDDEN exactly when a reviewed verdict differs from the assessment",
            )
        )
    return violations


def disposition_violations(
    application_id: str, decided: Mapping[str, int], entries: Sequence[Entry]
) -> tuple[list[FieldViolation], dict[str, Entry]]:
    """The entries by comment id, and what is wrong: an entry for a comment not on this
    application, or comments left without a disposition (decided: each comment's disposition
    so far, 0 for none)."""
    violations: list[FieldViolation] = []
    chosen: dict[str, Entry] = {}
    for index, entry in enumerate(entries):
        parent, _, comment_id = entry.public_comment.rpartition("/publicComments/")
        if comment_id not in decided or parent != f"applications/{application_id}":
            violations.append(
                FieldViolation(f"comment_dispositions[{index}]", "no such comment here")
            )
            continue
        chosen[comment_id] = entry
    undecided = [c for c, disposition in decided.items() if not disposition and c not in chosen]
    if undecided:
        violations.append(
            FieldViolation(
                "comment_dispositions",
                f"{len(undecided)} public comment(s) still need a disposition",
                "comment_disposition.complete",
            )
        )
    return violations, chosen
