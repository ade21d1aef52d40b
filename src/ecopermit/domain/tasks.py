"""Human tasks: one table says, for each kind, who does it and how it may end.

A kind defined here is complete: its short code (in task ids), the role that works it, the
outcomes it accepts, whether it is a four-eyes decision and what its completion records. A test
checks that every TaskKind of the contract has its row.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from ecopermit.domain.errors import FieldViolation, InvalidArgumentError
from ecopermit.domain.roles import Role
from ecopermit.reviews.v1 import resources_pb2 as pb


@dataclass(frozen=True)
class TaskKindSpec:
    # Three letters in task ids ("{application}-{code}-{n}"), which stay within 64 characters.
    # Never change one: running workflows find their open tasks by these ids.
    code: str
    role: Role
    outcomes: frozenset[int]
    # Four eyes: whoever completed another task of the application may not take it.
    four_eyes: bool = False
    # Its completion gives every public comment (hearing question) its disposition and answer.
    disposes_of_comments: bool = False
    # Its completion confirms or overrides each verdict of the automatic BAT assessment.
    reviews_bat: bool = False
    # It is the authority's decision on the permit: its completion carries the decision
    # maker's ЭЦП, as the permit or refusal is signed (docs/domain.md, roles: the signing duty is
    # from the Committee's practice; the article requiring it was not read).
    signed_decision: bool = False


def _outcomes(*outcomes: int) -> frozenset[int]:
    return frozenset(outcomes)


_VIEWS = _outcomes(pb.TASK_OUTCOME_NO_OBJECTIONS, pb.TASK_OUTCOME_OBJECTIONS)
_DECISION = _outcomes(pb.TASK_OUTCOME_APPROVE, pb.TASK_OUTCOME_REFUSE)

TASK_KINDS: dict[int, TaskKindSpec] = {
    pb.TASK_KIND_COMPLETENESS: TaskKindSpec(
        "cmp",
        Role.REVIEWER,
        _outcomes(pb.TASK_OUTCOME_COMPLETE, pb.TASK_OUTCOME_INCOMPLETE),
    ),
    pb.TASK_KIND_TECHNICAL_AIR: TaskKindSpec("air", Role.REVIEWER, _VIEWS),
    pb.TASK_KIND_TECHNICAL_WATER: TaskKindSpec("wat", Role.REVIEWER, _VIEWS),
    pb.TASK_KIND_TECHNICAL_WASTE: TaskKindSpec("wst", Role.REVIEWER, _VIEWS),
    pb.TASK_KIND_STATE_EXPERTISE: TaskKindSpec(
        "see",
        Role.REVIEWER,
        _outcomes(pb.TASK_OUTCOME_POSITIVE_CONCLUSION, pb.TASK_OUTCOME_NEGATIVE_CONCLUSION),
    ),
    pb.TASK_KIND_BAT_REVIEW: TaskKindSpec(
        "bat",
        Role.BAT_EXPERT,
        _outcomes(pb.TASK_OUTCOME_BAT_CONFIRMED, pb.TASK_OUTCOME_BAT_OVERRIDDEN),
        reviews_bat=True,
    ),
    pb.TASK_KIND_COMMENT_DISPOSITION: TaskKindSpec(
        "cdp",
        Role.REVIEWER,
        _outcomes(pb.TASK_OUTCOME_ACKNOWLEDGED),
        disposes_of_comments=True,
    ),
    pb.TASK_KIND_DECISION: TaskKindSpec(
        "dec", Role.DECISION_MAKER, _DECISION, four_eyes=True, signed_decision=True
    ),
    # After a hearing on a preliminary refusal, the decision is made again.
    pb.TASK_KIND_REFUSAL_HEARING: TaskKindSpec(
        "hrg", Role.DECISION_MAKER, _DECISION, four_eyes=True, signed_decision=True
    ),
    # The head of department signs as a decision maker.
    pb.TASK_KIND_ESCALATION: TaskKindSpec(
        "esc", Role.DECISION_MAKER, _outcomes(pb.TASK_OUTCOME_ACKNOWLEDGED)
    ),
    pb.TASK_KIND_HEARING_PROTOCOL: TaskKindSpec(
        "hpr",
        Role.REVIEWER,
        _outcomes(pb.TASK_OUTCOME_ACKNOWLEDGED),
        disposes_of_comments=True,
    ),
    pb.TASK_KIND_REMARKS: TaskKindSpec(
        "rmk",
        Role.REVIEWER,
        _outcomes(pb.TASK_OUTCOME_REMARKS_SENT, pb.TASK_OUTCOME_DRAFT_PERMIT_SENT),
    ),
    # Resolved by a decision maker: not by the reviewer whose remarks are disputed.
    pb.TASK_KIND_DISAGREEMENT: TaskKindSpec(
        "dis",
        Role.DECISION_MAKER,
        _outcomes(pb.TASK_OUTCOME_REMARKS_UPHELD, pb.TASK_OUTCOME_REMARKS_WITHDRAWN),
    ),
    pb.TASK_KIND_TRANSBOUNDARY: TaskKindSpec(
        "tbc", Role.REVIEWER, _outcomes(pb.TASK_OUTCOME_ACKNOWLEDGED)
    ),
}

# Outcomes that must say why: a return, objections, a negative conclusion, remarks, a refusal.
_REASONED_OUTCOMES = frozenset(
    {
        pb.TASK_OUTCOME_INCOMPLETE,
        pb.TASK_OUTCOME_OBJECTIONS,
        pb.TASK_OUTCOME_NEGATIVE_CONCLUSION,
        pb.TASK_OUTCOME_REFUSE,
        pb.TASK_OUTCOME_REMARKS_SENT,
        pb.TASK_OUTCOME_REMARKS_UPHELD,
    }
)


def spec(kind: int) -> TaskKindSpec:
    return TASK_KINDS[kind]


def accepted_outcomes(kind: int, narrowed: Collection[int] = ()) -> frozenset[int]:
    """What a task of this kind may end with: the kind's outcomes, narrowed by the workflow."""
    outcomes = TASK_KINDS[kind].outcomes
    return outcomes & frozenset(narrowed) if narrowed else outcomes


def check_outcome(
    kind: int,
    outcome: int,
    comments: str,
    findings: int,
    *,
    narrowed: Collection[int] = (),
    refusal_grounds: Collection[int] = (),
) -> None:
    """Raises InvalidArgumentError unless the outcome fits the task and carries its reasons.

    A refusal names its grounds from the closed list of EC Art. 117(2), whatever rules of
    procedure the application runs under: the statute's list binds every refusal. `narrowed`
    is what the workflow allowed when it opened the task.
    """
    allowed = accepted_outcomes(kind, narrowed)
    if outcome not in allowed:
        names = sorted(pb.TaskOutcome.Name(o) for o in allowed)
        raise InvalidArgumentError(
            [
                FieldViolation(
                    "outcome",
                    f"this {pb.TaskKind.Name(kind)} task ends with one of {', '.join(names)}",
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
    if outcome == pb.TASK_OUTCOME_REFUSE and not refusal_grounds:
        raise InvalidArgumentError(
            [
                FieldViolation(
                    "refusal_grounds",
                    "a refusal names at least one ground from the closed list of EC Art. 117(2)",
                    "refusal_grounds.required",
                )
            ]
        )
    if refusal_grounds and outcome != pb.TASK_OUTCOME_REFUSE:
        raise InvalidArgumentError(
            [
                FieldViolation(
                    "refusal_grounds",
                    "only a refusal names refusal grounds",
                    "refusal_grounds.only_refusal",
                )
            ]
        )
