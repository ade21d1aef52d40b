"""Who is calling: the authenticated principal of a request, in one of ecopermit's roles."""

from __future__ import annotations

from dataclasses import dataclass

from ecopermit.domain.roles import Role

__all__ = ["ANONYMOUS", "Principal", "Role"]


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
    # The region a territorial department's official works in (an ecopermit.type.v1.Region
    # name, e.g. "REGION_PAVLODAR"); None for the Committee's central staff and everyone else.
    region: str | None = None

    def sees_enterprise(self, enterprise_bin: str) -> bool:
        """An applicant sees only its own enterprise's records; staff roles see every one."""
        return self.role is not Role.APPLICANT or self.enterprise_bin == enterprise_bin


# Whoever calls, without a token, a method the law makes public (the register of permits,
# certificate verification): the public, with no name.
ANONYMOUS = Principal(subject="anonymous", role=Role.PUBLIC)
