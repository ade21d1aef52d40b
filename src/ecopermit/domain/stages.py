"""The stages of an application as people and traces name them, and which ones are decisions."""

from __future__ import annotations

from ecopermit.applicants.v1 import resources_pb2 as pb

# Where an application's procedure ends: nothing moves it on from here.
DECIDED_STAGES = frozenset({pb.STAGE_APPROVED, pb.STAGE_REFUSED, pb.STAGE_WITHDRAWN})


def stage_name(stage: int) -> str:
    """ "public_consultation" for STAGE_PUBLIC_CONSULTATION: the name in spans, metrics, logs."""
    return pb.Stage.Name(stage).removeprefix("STAGE_").lower()
