"""Domain exceptions. The core raises these; the gRPC edge maps each to one status code once."""

from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    """A refusal the caller can understand and act on. Its message is shown to the caller.

    `reason` is for callers that act on the refusal rather than show it (the permit workflow):
    an UPPER_SNAKE_CASE constant sent as google.rpc.ErrorInfo, one of the REASON_* below.
    """

    def __init__(self, message: str = "", *, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason


# The machine-readable reasons (google.rpc.ErrorInfo.reason, domain ERROR_DOMAIN) that callers
# act on. One home, so that the service raising and the workflow reading cannot drift apart.
ERROR_DOMAIN = "ecopermit.kz"
REASON_APPLICATION_WITHDRAWN = "APPLICATION_WITHDRAWN"
REASON_PERMIT_NUMBER_CONTENDED = "PERMIT_NUMBER_CONTENDED"
REASON_REQUEST_ID_REUSED = "REQUEST_ID_REUSED"


class NotFoundError(DomainError):
    """The resource does not exist, or the caller may not know that it does."""


class AlreadyExistsError(DomainError):
    pass


def request_id_reused(request_id: str, what: str) -> AlreadyExistsError:
    """A request_id sent again with another body (AIP-155): refused, never answered with what
    the first body made. `what` names what the first one made ("application", "comment")."""
    return AlreadyExistsError(
        f"request_id {request_id} was already used for another {what}; send a new request_id "
        f"for a new {what}, or the same request again to learn its result",
        reason=REASON_REQUEST_ID_REUSED,
    )


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
