"""The stages of an application as people and traces name them, and which ones are decisions."""

from __future__ import annotations

from ecopermit.applicants.v1 import resources_pb2 as pb

# Where an application's procedure ends: nothing moves it on from here.
DECIDED_STAGES = frozenset({pb.STAGE_APPROVED, pb.STAGE_REFUSED, pb.STAGE_WITHDRAWN})

# Where the procedure waits for the applicant, who answers with AmendApplication: a return
# (kep-2026.1), a resubmission after "not accepted", an answer to remarks, or an objection to a
# preliminary refusal (kep-2026.2).
AWAITING_APPLICANT_STAGES = frozenset(
    {
        pb.STAGE_RETURNED_FOR_REVISION,
        pb.STAGE_NOT_ACCEPTED,
        pb.STAGE_APPLICANT_ANSWER,
        pb.STAGE_PRELIMINARY_DECISION,
    }
)

# The stages a public hearing is opened in, its documents posted for everyone: the state
# expertise (kep-2026.2, Order 286) and the public consultation (kep-2026.1). The dossier as it
# stood on entering one of them is public from then on.
HEARING_STAGES = frozenset({pb.STAGE_STATE_EXPERTISE, pb.STAGE_PUBLIC_CONSULTATION})


def stage_name(stage: int) -> str:
    """ "public_consultation" for STAGE_PUBLIC_CONSULTATION: the name in spans, metrics, logs."""
    return pb.Stage.Name(stage).removeprefix("STAGE_").lower()
