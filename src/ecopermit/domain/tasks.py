"""Human tasks: who may do each kind, which outcomes each kind accepts, what each outcome needs."""

from __future__ import annotations

from ecopermit.domain.errors import FieldViolation, InvalidArgumentError
from ecopermit.reviews.v1 import resources_pb2 as pb
from ecopermit.runtime.identity import Role

REQUIRED_ROLE: dict[int, Role] = {
    pb.TASK_KIND_COMPLETENESS: Role.REVIEWER,
    pb.TASK_KIND_TECHNICAL_AIR: Role.REVIEWER,
    pb.TASK_KIND_TECHNICAL_WATER: Role.REVIEWER,
    pb.TASK_KIND_TECHNICAL_WASTE: Role.REVIEWER,
    pb.TASK_KIND_STATE_EXPERTISE: Role.REVIEWER,
    pb.TASK_KIND_BAT_REVIEW: Role.BAT_EXPERT,
    pb.TASK_KIND_COMMENT_DISPOSITION: Role.REVIEWER,
    pb.TASK_KIND_DECISION: Role.DECISION_MAKER,
    pb.TASK_KIND_REFUSAL_HEARING: Role.DECISION_MAKER,
    # The head of department signs as a decision maker.
    pb.TASK_KIND_ESCALATION: Role.DECISION_MAKER,
}

ALLOWED_OUTCOMES: dict[int, frozenset[int]] = {
    pb.TASK_KIND_COMPLETENESS: frozenset({pb.TASK_OUTCOME_COMPLETE, pb.TASK_OUTCOME_INCOMPLETE}),
    pb.TASK_KIND_TECHNICAL_AIR: frozenset(
        {pb.TASK_OUTCOME_NO_OBJECTIONS, pb.TASK_OUTCOME_OBJECTIONS}
    ),
    pb.TASK_KIND_TECHNICAL_WATER: frozenset(
        {pb.TASK_OUTCOME_NO_OBJECTIONS, pb.TASK_OUTCOME_OBJECTIONS}
    ),
    pb.TASK_KIND_TECHNICAL_WASTE: frozenset(
        {pb.TASK_OUTCOME_NO_OBJECTIONS, pb.TASK_OUTCOME_OBJECTIONS}
    ),
    pb.TASK_KIND_STATE_EXPERTISE: frozenset(
        {pb.TASK_OUTCOME_POSITIVE_CONCLUSION, pb.TASK_OUTCOME_NEGATIVE_CONCLUSION}
    ),
    pb.TASK_KIND_BAT_REVIEW: frozenset(
        {pb.TASK_OUTCOME_BAT_CONFIRMED, pb.TASK_OUTCOME_BAT_OVERRIDDEN}
    ),
    pb.TASK_KIND_COMMENT_DISPOSITION: frozenset({pb.TASK_OUTCOME_ACKNOWLEDGED}),
    pb.TASK_KIND_DECISION: frozenset({pb.TASK_OUTCOME_APPROVE, pb.TASK_OUTCOME_REFUSE}),
    pb.TASK_KIND_REFUSAL_HEARING: frozenset({pb.TASK_OUTCOME_APPROVE, pb.TASK_OUTCOME_REFUSE}),
    pb.TASK_KIND_ESCALATION: frozenset({pb.TASK_OUTCOME_ACKNOWLEDGED}),
}

# Outcomes that must say why: a return, objections, a negative conclusion, a refusal.
_REASONED_OUTCOMES = frozenset(
    {
        pb.TASK_OUTCOME_INCOMPLETE,
        pb.TASK_OUTCOME_OBJECTIONS,
        pb.TASK_OUTCOME_NEGATIVE_CONCLUSION,
        pb.TASK_OUTCOME_REFUSE,
    }
)

# Decisions are four-eyes: whoever completed another task of the application may not take them.
FOUR_EYES_KINDS = frozenset({pb.TASK_KIND_DECISION, pb.TASK_KIND_REFUSAL_HEARING})


def check_outcome(kind: int, outcome: int, comments: str, findings: int) -> None:
    """Raises InvalidArgumentError unless the outcome fits the kind and carries its reasons."""
    if outcome not in ALLOWED_OUTCOMES[kind]:
        allowed = sorted(pb.TaskOutcome.Name(o) for o in ALLOWED_OUTCOMES[kind])
        raise InvalidArgumentError(
            [
                FieldViolation(
                    "outcome",
                    f"a {pb.TaskKind.Name(kind)} task ends with one of {', '.join(allowed)}",
                    "outcome.kind",
                )
            ]
        )
    if outcome in _REASONED_OUTCOMES and not (comments.strip() or findings):
        raise InvalidArgumentError(
            [
                FieldViolation(
                    "comments",
                    f"{pb.TaskOutcome.Name(outcome)} needs the reasons in comments or findings",
                    "outcome.reasons",
                )
            ]
        )
