"""Signed requests: what a person signs is the request itself without its signature field.

One rule for every signed RPC (SubmitApplication, AmendApplication, a decision's CompleteTask):
the server, `ecopermit sign` and the portal all compute the statement this way, so none of
them keeps its own list of what is covered."""

from __future__ import annotations

from typing import TypeVar

from google.protobuf.message import Message

from ecopermit.applicants.v1 import applicant_service_pb2 as applicants_api
from ecopermit.reviews.v1 import review_service_pb2 as reviews_api
from ecopermit.runtime.esign.signing import SigningKey, sign_detached
from ecopermit.runtime.esign.statements import Purpose, statement

SIGNATURE_FIELD = "signature"

SignedRequest = TypeVar("SignedRequest", bound=Message)

# The contract's signed requests, by what they are signed for.
REQUEST_TYPES: dict[Purpose, type[Message]] = {
    Purpose.SUBMISSION: applicants_api.SubmitApplicationRequest,
    Purpose.ANSWER: applicants_api.AmendApplicationRequest,
    Purpose.DECISION: reviews_api.CompleteTaskRequest,
}


def request_statement(request: Message, purpose: Purpose) -> bytes:
    """The canonical statement of `request` with its signature field cleared."""
    unsigned = type(request)()
    unsigned.CopyFrom(request)
    unsigned.ClearField(SIGNATURE_FIELD)
    return statement(purpose, request=unsigned)


def sign_request(request: SignedRequest, purpose: Purpose, key: SigningKey) -> SignedRequest:
    """`request` with its signature field set to a detached CMS over its statement."""
    setattr(request, SIGNATURE_FIELD, sign_detached(request_statement(request, purpose), key))
    return request
