"""Domain exceptions. The core raises these; the gRPC edge maps each to one status code once."""

from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    """A refusal the caller can understand and act on. Its message is shown to the caller."""


class NotFoundError(DomainError):
    """The resource does not exist, or the caller may not know that it does."""


class AlreadyExistsError(DomainError):
    pass


class PermissionDeniedError(DomainError):
    pass


class FailedPreconditionError(DomainError):
    """The request is valid but the resource is in the wrong state (wrong stage, task done)."""


class RateLimitedError(DomainError):
    pass


@dataclass(frozen=True)
class FieldViolation:
    """One invalid field: its path in the request (e.g. "enterprise.bin") and what is wrong."""

    field: str
    description: str
    reason: str = ""


class InvalidArgumentError(DomainError):
    """Bad input, with every offending field; nothing has been written."""

    def __init__(self, violations: list[FieldViolation]) -> None:
        super().__init__("; ".join(f"{v.field}: {v.description}" for v in violations))
        self.violations = violations
