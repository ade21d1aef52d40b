"""The buf.validate rules of the contract as JSON Schema, so /openapi.json says what the services
refuse: a client generating requests from the document sends what the services accept.

JSON Schema cannot say everything a rule can (CEL expressions, byte lengths); every rule is also
written out as `x-buf-validate` beside the keywords, and CEL rules as `x-cel`, so nothing a
service enforces is missing from the document, only some of it is prose rather than keywords.
"""

from __future__ import annotations

import math
import re
from typing import Any

from google.api import field_behavior_pb2
from google.protobuf import text_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor

from ecopermit._vendor.buf.validate import validate_pb2

_NUMBER_RULES = (
    "float",
    "double",
    "int32",
    "uint32",
    "sint32",
    "fixed32",
    "sfixed32",
)
# proto3 JSON writes 64-bit integers as strings: their bounds stay in x-buf-validate.
_INT64_RULES = ("int64", "uint64", "sint64", "fixed64", "sfixed64")
# RE2 writes a code point as \x{2028}; ECMA 262 (and Python) as \u2028.
_RE2_CODE_POINT = re.compile(r"\\x\{([0-9A-Fa-f]{1,4})\}")


# The generated extension descriptors are untyped in protobuf's stubs.
_FIELD_RULES: Any = validate_pb2.field
_MESSAGE_RULES: Any = validate_pb2.message
_ONEOF_RULES: Any = validate_pb2.oneof


def rules_of(field: FieldDescriptor) -> validate_pb2.FieldRules | None:
    options = field.GetOptions()
    if not options.HasExtension(_FIELD_RULES):
        return None
    rules: validate_pb2.FieldRules = options.Extensions[_FIELD_RULES]
    return rules


def ecma_pattern(re2: str) -> str:
    """An RE2 pattern as JSON Schema's dialect; the contract uses the syntax both share."""
    return _RE2_CODE_POINT.sub(lambda m: "\\u" + m.group(1).rjust(4, "0"), re2)


def _behaviors(field: FieldDescriptor) -> set[int]:
    return set(field.GetOptions().Extensions[field_behavior_pb2.field_behavior])


def is_output_only(field: FieldDescriptor) -> bool:
    return field_behavior_pb2.OUTPUT_ONLY in _behaviors(field)


def must_be_sent(field: FieldDescriptor) -> bool:
    """Whether a request without the field is refused: the field is required, or its rules
    refuse the zero value that an absent proto3 field reads as."""
    if field_behavior_pb2.REQUIRED in _behaviors(field):
        return True
    rules = rules_of(field)
    if rules is None:
        return False
    if rules.required:
        return True
    if rules.ignore in (validate_pb2.IGNORE_IF_ZERO_VALUE, validate_pb2.IGNORE_ALWAYS):
        return False
    if field.is_repeated:
        return rules.HasField("repeated") and rules.repeated.min_items > 0
    if field.has_presence:  # absent is not zero: rules apply only to a value that is sent
        return False
    kind = rules.WhichOneof("type")
    if kind == "string":
        return not _string_accepts_empty(rules.string)
    if kind == "enum":
        return not _accepts_zero(rules.enum)
    if kind in _NUMBER_RULES or kind in _INT64_RULES:
        return not _accepts_zero(getattr(rules, kind))
    if kind == "bytes":
        return rules.bytes.min_len > 0 or rules.bytes.len > 0
    return False


def _string_accepts_empty(rules: validate_pb2.StringRules) -> bool:
    if rules.HasField("const"):
        return rules.const == ""
    if rules.WhichOneof("well_known") is not None:
        return False
    if rules.len or rules.min_len or rules.len_bytes or rules.min_bytes:
        return False
    if rules.prefix or rules.suffix or rules.contains:
        return False
    if rules.HasField("pattern") and not re.search(ecma_pattern(rules.pattern), ""):
        return False
    allowed = list(getattr(rules, "in"))
    return not allowed or "" in allowed


def _accepts_zero(rules: Any) -> bool:
    if rules.HasField("const"):
        return bool(rules.const == 0)
    allowed = list(getattr(rules, "in"))
    if allowed and 0 not in allowed:
        return False
    if 0 in rules.not_in:
        return False
    bounds = rules.DESCRIPTOR.fields_by_name
    below = ("gt" in bounds and rules.HasField("gt") and rules.gt >= 0) or (
        "gte" in bounds and rules.HasField("gte") and rules.gte > 0
    )
    above = ("lt" in bounds and rules.HasField("lt") and rules.lt <= 0) or (
        "lte" in bounds and rules.HasField("lte") and rules.lte < 0
    )
    return not (below or above)


def constrain(schema: dict[str, Any], field: FieldDescriptor) -> dict[str, Any]:
    """The field's schema with its rules as keywords (and as x-buf-validate for a reader)."""
    rules = rules_of(field)
    if rules is None:
        return _read_only(schema, field)
    constrained = dict(schema)
    if field.is_repeated and rules.HasField("repeated"):
        repeated = rules.repeated
        if repeated.min_items:
            constrained["minItems"] = repeated.min_items
        if repeated.HasField("max_items"):
            constrained["maxItems"] = repeated.max_items
        if repeated.unique:
            constrained["uniqueItems"] = True
        if "items" in constrained and repeated.HasField("items"):
            constrained["items"] = _scalar(dict(constrained["items"]), repeated.items, field)
    elif not field.is_repeated:
        constrained = _scalar(constrained, rules, field)
    if rules.cel:
        constrained["x-cel"] = [_cel(rule) for rule in rules.cel]
    constrained["x-buf-validate"] = text_format.MessageToString(rules, as_one_line=True)
    return _read_only(constrained, field)


def _read_only(schema: dict[str, Any], field: FieldDescriptor) -> dict[str, Any]:
    return {**schema, "readOnly": True} if is_output_only(field) else schema


def _cel(rule: validate_pb2.Rule) -> dict[str, str]:
    return {"id": rule.id, "message": rule.message, "expression": rule.expression}


def field_cel(field: FieldDescriptor) -> list[dict[str, str]]:
    rules = rules_of(field)
    return [_cel(rule) for rule in rules.cel] if rules is not None else []


def message_cel(descriptor: Descriptor) -> list[dict[str, str]]:
    options = descriptor.GetOptions()
    if not options.HasExtension(_MESSAGE_RULES):
        return []
    rules: validate_pb2.MessageRules = options.Extensions[_MESSAGE_RULES]
    return [_cel(rule) for rule in rules.cel]


def oneof_is_required(oneof: Any) -> bool:
    options = oneof.GetOptions()
    return options.HasExtension(_ONEOF_RULES) and bool(options.Extensions[_ONEOF_RULES].required)


def _scalar(
    schema: dict[str, Any], rules: validate_pb2.FieldRules, field: FieldDescriptor
) -> dict[str, Any]:
    kind = rules.WhichOneof("type")
    if kind == "string":
        return _string(schema, rules.string)
    if kind == "bytes":
        return _bytes(schema, rules.bytes)
    if kind == "enum":
        return _enum(schema, rules.enum, field)
    if kind in _NUMBER_RULES or (kind in _INT64_RULES and schema.get("type") == "integer"):
        return _number(schema, getattr(rules, kind))
    if kind in _INT64_RULES:
        return _int64_string(schema, getattr(rules, kind))
    return schema


def _int64_string(schema: dict[str, Any], rules: Any) -> dict[str, Any]:
    """A 64-bit integer's bounds as the pattern of its decimal string (non-negative ranges)."""
    low = rules.gt + 1 if rules.HasField("gt") else rules.gte if rules.HasField("gte") else 0
    high = 2**63 - 1
    if rules.HasField("lt"):
        high = rules.lt - 1
    elif rules.HasField("lte"):
        high = rules.lte
    if 0 <= low <= high:
        schema["pattern"] = decimal_range_pattern(low, high)
    return schema


def _string(schema: dict[str, Any], rules: validate_pb2.StringRules) -> dict[str, Any]:
    patterns = []
    if rules.HasField("const"):
        schema["const"] = rules.const
    if rules.len:
        schema["minLength"] = schema["maxLength"] = rules.len
    if rules.min_len:
        schema["minLength"] = rules.min_len
    if rules.HasField("max_len"):
        schema["maxLength"] = rules.max_len
    if rules.HasField("pattern"):
        patterns.append(ecma_pattern(rules.pattern))
    if rules.prefix:
        patterns.append("^" + re.escape(rules.prefix))
    if rules.suffix:
        patterns.append(re.escape(rules.suffix) + "$")
    if rules.contains:
        patterns.append(re.escape(rules.contains))
    if rules.uuid:
        schema["format"] = "uuid"
        patterns.append("^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")
    allowed = list(getattr(rules, "in"))
    if allowed:
        schema["enum"] = allowed
    if rules.not_in:
        schema["not"] = {"enum": list(rules.not_in)}
    if patterns:
        schema["pattern"] = patterns[0]
        if patterns[1:]:
            schema["allOf"] = [{"pattern": p} for p in patterns[1:]]
    return schema


def _bytes(schema: dict[str, Any], rules: validate_pb2.BytesRules) -> dict[str, Any]:
    # Lengths count bytes; base64 writes 3 bytes as 4 characters.
    if rules.HasField("max_len"):
        schema["maxLength"] = 4 * math.ceil(rules.max_len / 3)
    if rules.min_len:
        schema["minLength"] = math.ceil(rules.min_len * 4 / 3)  # unpadded
    return schema


def _enum(
    schema: dict[str, Any], rules: validate_pb2.EnumRules, field: FieldDescriptor
) -> dict[str, Any]:
    assert field.enum_type is not None
    values = field.enum_type.values
    allowed = set(getattr(rules, "in")) or {v.number for v in values}
    if rules.HasField("const"):
        allowed = {rules.const}
    allowed -= set(rules.not_in)
    schema["enum"] = [v.name for v in values if v.number in allowed]
    return schema


def _number(schema: dict[str, Any], rules: Any) -> dict[str, Any]:
    for bound, keyword in (
        ("gt", "exclusiveMinimum"),
        ("gte", "minimum"),
        ("lt", "exclusiveMaximum"),
        ("lte", "maximum"),
        ("const", "const"),
    ):
        if rules.HasField(bound):
            schema[keyword] = getattr(rules, bound)
    allowed = list(getattr(rules, "in"))
    if allowed:
        schema["enum"] = allowed
    if rules.not_in:
        schema["not"] = {"enum": list(rules.not_in)}
    return schema


def path_segment_patterns(template_pattern: str, field: FieldDescriptor | None) -> list[str]:
    """Each `*` segment's pattern for a path variable bound by template_pattern (e.g.
    "applications/*/documents/*"), read from the field's own pattern rule where that rule is
    written segment by segment ("^applications/[A-Za-z0-9-]{1,64}/documents/[0-9a-f]{64}$")."""
    segments = template_pattern.split("/")
    fallback = ["^[^/]+$" for s in segments if s == "*"]
    rules = rules_of(field) if field is not None else None
    if rules is None or not rules.HasField("string") or not rules.string.HasField("pattern"):
        return fallback
    body = ecma_pattern(rules.string.pattern)
    if not (body.startswith("^") and body.endswith("$")):
        return fallback
    parts = body[1:-1].split("/")
    if len(parts) != len(segments):
        return fallback
    found = []
    for segment, part in zip(segments, parts, strict=True):
        if segment == "*":
            found.append(f"^{part}$")
        elif re.escape(segment) != part and segment != part:
            return fallback
    return found


def decimal_range_pattern(low: int, high: int) -> str:
    """A pattern matching the decimal integers low..high (0 <= low <= high) written without
    leading zeros: proto3 JSON carries 64-bit integers as strings, where JSON Schema's
    minimum and maximum do not reach."""
    alternatives = []
    digits = len(str(low))
    while low <= high:
        # One run per number of digits, so that no alternative admits a leading zero.
        run_end = min(high, 10**digits - 1)
        alternatives += _same_length_patterns(low, run_end)
        low, digits = run_end + 1, digits + 1
    return "^(" + "|".join(alternatives) + ")$"


def _same_length_patterns(low: int, high: int) -> list[str]:
    """low..high, of one length, as blocks "prefix, one digit from a range, any k digits"."""
    found = []
    most_free = 10 ** (len(str(low)) - 1)  # the leading digit is never free
    while low <= high:
        step = 1
        while step < most_free and low % (step * 10) == 0 and low + step * 10 - 1 <= high:
            step *= 10
        count = min((high - low + 1) // step, 10 - (low // step) % 10)
        end = low + count * step - 1
        first, last = str(low), str(end)
        free = len(str(step)) - 1  # trailing digits that take any value
        at = len(first) - free - 1
        digit = first[at] if first[at] == last[at] else f"[{first[at]}-{last[at]}]"
        found.append(first[:at] + digit + (f"[0-9]{{{free}}}" if free else ""))
        low = end + 1
    return found
