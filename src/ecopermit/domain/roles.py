"""The roles of ecopermit (docs/design.md, "Roles"): who may act, as tokens and the contract's
access rules name them."""

from __future__ import annotations

import enum

from ecopermit.auth.v1 import access_pb2


class Role(enum.StrEnum):
    """The roles of docs/design.md; the values are what tokens carry."""

    APPLICANT = "applicant"
    REVIEWER = "reviewer"
    BAT_EXPERT = "bat_expert"
    INSPECTOR = "inspector"
    DECISION_MAKER = "decision_maker"
    OPS = "ops"
    PUBLIC = "public"
    WORKER = "worker"
    HEAD_OF_DEPARTMENT = "head_of_department"

    @classmethod
    def from_proto(cls, value: int) -> Role:
        """The role of an ecopermit.auth.v1.Role enum value."""
        name = access_pb2.Role.Name(value)
        return cls(name.removeprefix("ROLE_").lower())

    def to_proto(self) -> int:
        """The ecopermit.auth.v1.Role enum value of this role."""
        return int(access_pb2.Role.Value(f"ROLE_{self.value.upper()}"))


# The Committee's people who work an application's tasks, and whom a region may confine to a
# territorial department's work.
STAFF_ROLES = frozenset(
    {Role.REVIEWER, Role.BAT_EXPERT, Role.DECISION_MAKER, Role.HEAD_OF_DEPARTMENT, Role.INSPECTOR}
)
