"""Who is calling: the roles of ecopermit and the authenticated principal of a request."""

from __future__ import annotations

import enum
from dataclasses import dataclass

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

    @classmethod
    def from_proto(cls, value: int) -> Role:
        """The role of an ecopermit.auth.v1.Role enum value."""
        name = access_pb2.Role.Name(value)
        return cls(name.removeprefix("ROLE_").lower())

    def to_proto(self) -> int:
        """The ecopermit.auth.v1.Role enum value of this role."""
        return int(access_pb2.Role.Value(f"ROLE_{self.value.upper()}"))


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of one request, as its verified bearer token says."""

    subject: str
    role: Role
    # The enterprise an applicant acts for; None for every other role.
    enterprise_bin: str | None = None
    # The person's IIN, as the identity provider vouches for it (eGov IDP, or the embedded
    # default's dev sign-in); what a signature's certificate must name. None for systems.
    iin: str | None = None

    def sees_enterprise(self, enterprise_bin: str) -> bool:
        """An applicant sees only its own enterprise's records; staff roles see every one."""
        return self.role is not Role.APPLICANT or self.enterprise_bin == enterprise_bin


# Whoever calls, without a token, a method the law makes public (the register of permits,
# certificate verification): the public, with no name.
ANONYMOUS = Principal(subject="anonymous", role=Role.PUBLIC)
