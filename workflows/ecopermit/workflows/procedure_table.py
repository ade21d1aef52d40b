"""The rules of procedure as the table people read: each stage, its term and the term's source.

The README's procedure table is this module's markdown for the version in force, and a test
holds the two together, so the table cannot drift from the data the workflow runs on.
"""

from __future__ import annotations

from dataclasses import dataclass

from ecopermit.workflows.briefs import ground_name
from ecopermit.workflows.statutory_rules import StatutoryRules, Term


@dataclass(frozen=True)
class Row:
    stage: str
    who: str
    term: str
    source: str
    confidence: str


def _days(term: Term) -> str:
    return f"{term.days} {term.unit} day{'s' if term.days != 1 else ''}"


def procedure_rows(rules: StatutoryRules) -> list[Row]:
    """The statute's sequence in order, each stage with its term from the rules."""
    terms = rules.terms

    def row(stage: str, who: str, term: Term, when: str = "") -> Row:
        return Row(stage, who, f"{_days(term)}{when}", term.source, term.confidence)

    if rules.hearing_form == "open_meeting":
        hearing = row(
            "public hearing inside the expertise: open meeting",
            "public",
            terms.open_meeting_notice,
            " after the documents are posted",
        )
    else:
        hearing = row(
            "public hearing inside the expertise: public discussion",
            "public",
            terms.public_discussion,
        )
    grounds = ", ".join(ground_name(g.ground) for g in rules.refusal_grounds)
    return [
        Row(
            "registration",
            "—",
            f"the day of arrival within {rules.working_hours}, else the next working day",
            rules.registration.source,
            rules.registration.confidence,
        ),
        row(
            "completeness: accepted, or not accepted with reasons",
            "reviewer",
            terms.completeness,
            " from registration",
        ),
        Row(
            "not accepted: a resubmission is registered again",
            "applicant",
            "no term; a new completeness check follows",
            terms.completeness.source,
            terms.completeness.confidence,
        ),
        row(
            "state environmental expertise: air, water, waste, BAT review, conclusion",
            "reviewers, BAT expert",
            terms.state_expertise,
        ),
        hearing,
        row(
            "hearing protocol: every question answered, the protocol published",
            "reviewer",
            terms.hearing_protocol,
        ),
        Row(
            "transboundary consultation, when declared",
            "reviewer, Ministry of Foreign Affairs",
            "the term is suspended; the reviewer's follow-up falls due after "
            f"{_days(terms.transboundary_follow_up)}, then goes to the head of department",
            rules.transboundary.source,
            rules.transboundary.confidence,
        ),
        row("remarks or the draft permit to the applicant", "reviewer", terms.remarks),
        Row(
            "the applicant's answer or disagreement", "applicant", "no term", "EC Art. 117(1)", "✔"
        ),
        row("disagreement resolved", "decision maker", terms.disagreement),
        row(
            "decision, four eyes",
            "decision maker",
            terms.decision,
            " from the answer or the resolution",
        ),
        row(
            "preliminary refusal: notice, objection, hearing",
            "applicant, another decision maker",
            terms.objection,
            " to object; the hearing due by the decision's deadline",
        ),
        Row(
            f"refused on grounds from the closed list ({grounds}), or approved with a permit",
            "—",
            "—",
            "EC Art. 117(2): the opening read, the items not",
            "?",
        ),
    ]


def markdown(rules: StatutoryRules) -> str:
    lines = [
        "| # | stage | who acts | term | source | tag |",
        "|---|---|---|---|---|---|",
    ]
    for number, row in enumerate(procedure_rows(rules), start=1):
        cells = (str(number), row.stage, row.who, row.term, row.source, row.confidence)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
