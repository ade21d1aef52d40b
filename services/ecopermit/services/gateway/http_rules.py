"""The HTTP bindings of every RPC, read from the google.api.http annotations in the contract.

No route is written by hand: a new RPC with an annotation is served over HTTP/JSON as soon as its
generated code is in the package.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from urllib.parse import unquote

from google.api import annotations_pb2, http_pb2
from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor

from ecopermit.applicants.v1 import applicant_service_pb2
from ecopermit.inspections.v1 import inspection_service_pb2
from ecopermit.reviews.v1 import review_service_pb2
from ecopermit.runtime.settings import ServiceName

# Which process serves each gRPC service offered over HTTP. The worker-only services
# (ApplicantWorkflowService, ReviewWorkflowService) have no HTTP binding: gRPC only.
SERVICE_OWNERS: dict[str, ServiceName] = {
    "ecopermit.applicants.v1.ApplicantService": ServiceName.APPLICANTS,
    "ecopermit.reviews.v1.ReviewService": ServiceName.REVIEWS,
    "ecopermit.inspections.v1.InspectionService": ServiceName.INSPECTIONS,
}
_FILES = (applicant_service_pb2, review_service_pb2, inspection_service_pb2)
# {field.path=pattern} or {field}; a pattern segment "*" is one path segment.
_VARIABLE = re.compile(r"\{([a-z_][a-z0-9_.]*)(?:=([^}]*))?\}")


@dataclass(frozen=True)
class PathVariable:
    field_path: str  # e.g. "name" or "bat_assessment.name"
    group: str  # the regex group that captures it


@dataclass(frozen=True)
class HttpBinding:
    """One RPC as HTTP: verb, path template, what the body maps to."""

    http_method: str
    template: str
    body: str  # "*", a field name, or "" (no body: the rest comes from the query)
    method: MethodDescriptor
    pattern: re.Pattern[str]
    variables: tuple[PathVariable, ...]

    @property
    def service(self) -> ServiceDescriptor:
        return self.method.containing_service

    @property
    def grpc_path(self) -> str:
        return f"/{self.service.full_name}/{self.method.name}"

    @property
    def owner(self) -> ServiceName:
        return SERVICE_OWNERS[self.service.full_name]


def compile_template(template: str) -> tuple[re.Pattern[str], tuple[PathVariable, ...]]:
    """The regex of a path template, and which group fills which request field."""
    regex = ""
    variables = []
    position = 0
    for index, match in enumerate(_VARIABLE.finditer(template)):
        regex += re.escape(template[position : match.start()])
        group = f"v{index}"
        segments = (match.group(2) or "*").split("/")
        # One segment never spans a "/", nor the ":verb" that may follow it.
        parts = ["[^/:]+" if s == "*" else ".+" if s == "**" else re.escape(s) for s in segments]
        regex += f"(?P<{group}>{'/'.join(parts)})"
        variables.append(PathVariable(match.group(1), group))
        position = match.end()
    regex += re.escape(template[position:])
    return re.compile(f"^{regex}$"), tuple(variables)


def _binding(method: MethodDescriptor) -> HttpBinding | None:
    options = method.GetOptions()
    if not options.HasExtension(annotations_pb2.http):
        return None
    rule: http_pb2.HttpRule = options.Extensions[annotations_pb2.http]
    verb = rule.WhichOneof("pattern")
    if verb is None or verb == "custom":
        return None
    template = getattr(rule, verb)
    pattern, variables = compile_template(template)
    return HttpBinding(verb.upper(), template, rule.body, method, pattern, variables)


@cache
def all_bindings() -> tuple[HttpBinding, ...]:
    found = []
    for module in _FILES:
        for service in module.DESCRIPTOR.services_by_name.values():
            for method in service.methods:
                binding = _binding(method)
                if binding is not None:
                    found.append(binding)
    return tuple(found)


def match(http_method: str, raw_path: str) -> tuple[HttpBinding, dict[str, str]] | None:
    """The binding for a request and its path variables, by field path, decoded.

    The path is matched as sent, percent-encoded: an encoded "/" (%2F) stays inside its segment
    and reaches the service as part of the value, where the field's rule refuses it, instead
    of splitting the path and reaching another RPC."""
    for binding in all_bindings():
        if binding.http_method != http_method:
            continue
        matched = binding.pattern.match(raw_path)
        if matched:
            return binding, {
                v.field_path: unquote(matched.group(v.group)) for v in binding.variables
            }
    return None


def methods_at(raw_path: str) -> list[str]:
    """The HTTP methods some RPC is bound to at this path (for 405's Allow header)."""
    return sorted({b.http_method for b in all_bindings() if b.pattern.match(raw_path)})
