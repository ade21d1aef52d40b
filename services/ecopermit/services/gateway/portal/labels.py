"""The portal's words: message catalogues in Kazakh (the state language), Russian and English,
and the language a person chose.

The catalogues are gettext .po files under `locale/<lang>/LC_MESSAGES/portal.po`, read with
Babel: the page labels by key (msgctxt "label") and every value of the contract's enums that a
page shows (msgctxt: the enum's full name, msgid: the value's name). Translators edit the .po
files; tests/test_portal_languages.py fails when a language lacks a key or a value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from starlette.requests import Request

LANGUAGES = ("kk", "ru", "en")
_DEFAULT = "ru"
LABEL = "label"
REASON = "reason"
_LOCALE = Path(__file__).parent / "locale"
# Kazakhstan keeps one time, UTC+5, since 1 March 2024; Asia/Almaty is its zone.
ASTANA_TIME = ZoneInfo("Asia/Almaty")


@cache
def catalogue(lang: str) -> dict[tuple[str, str], str]:
    """Every translated message of a language, by (context, id)."""
    with (_LOCALE / lang / "LC_MESSAGES" / "portal.po").open("rb") as po:
        read = read_po(po, locale=lang, domain="portal")
    return {
        (message.context or "", str(message.id)): str(message.string)
        for message in read
        if message.id and message.string
    }


def language(request: Request) -> str:
    """The language asked for (?lang=), remembered (cookie), or the browser's first choice."""
    chosen = request.query_params.get("lang") or request.cookies.get("lang")
    if chosen in LANGUAGES:
        return chosen
    accepted = request.headers.get("accept-language", "").lower()
    for part in accepted.split(","):
        tag = part.split(";")[0].strip()[:2]
        if tag in LANGUAGES:
            return tag
    return _DEFAULT


@cache  # every page and every time on it asks; the catalogue does not change while serving
def labels(lang: str) -> dict[str, str]:
    return {key: text for (context, key), text in catalogue(lang).items() if context == LABEL}


def enum_label(lang: str, enum: Any, value: int) -> str:
    """An enum value as a person reads it; "" for none (0). A value missing from the
    catalogue shows its name, which the catalogue test does not let through."""
    if not value:
        return ""
    try:
        name = str(enum.Name(value))
    except ValueError:
        return str(value)
    return catalogue(lang).get((enum.DESCRIPTOR.full_name, name), name)


def reason_text(
    lang: str, key: str, values: Mapping[str, str], english: str, enums: Mapping[str, Any]
) -> str:
    """Why an application moved, in the language: the catalogue's template (msgctxt "reason")
    with its values, each enum value name in them (by its prefix in `enums`) named the
    language's way; the English text where the key is unknown or the template does not fit."""
    template = catalogue(lang).get((REASON, key)) if key else None
    if not template:
        return english

    def named(found: re.Match[str]) -> str:
        enum = next((e for prefix, e in enums.items() if found[0].startswith(prefix)), None)
        return enum_label(lang, enum, enum.Value(found[0])) if enum else found[0]

    try:
        return template.format(**{k: _ENUM_NAME.sub(named, v) for k, v in values.items()})
    except (KeyError, IndexError, ValueError):
        return english


_ENUM_NAME = re.compile(r"\b[A-Z][A-Z0-9]+(?:_[A-Z0-9]+)+\b")


def local_time(lang: str, moment: datetime) -> str:
    """A moment in Astana time, written the language's way, with the zone said."""
    local = moment.astimezone(ASTANA_TIME)
    written = format_datetime(local, "yyyy-MM-dd HH:mm", locale=lang)
    return f"{written} ({labels(lang)['time_zone']})"


def day(lang: str, when: date) -> str:
    """A calendar date (a prescription's due day, a limit's step-down), the language's way."""
    return format_date(when, "long", locale=lang)


def number(lang: str, value: float, digits: int | None = None) -> str:
    """A figure with the language's separators (1 234,5 in Kazakh and Russian, 1,234.5 in
    English), to a fixed number of decimals where given."""
    pattern = None if digits is None else "#,##0." + "0" * digits if digits else "#,##0"
    return format_decimal(value, format=pattern, locale=lang)


def file_size(lang: str, size_bytes: int) -> str:
    """A file's size in the largest unit that keeps it at or above 1, with the unit's name."""
    units = labels(lang)["file_size_units"].split()
    size, unit = float(size_bytes), 0
    while size >= 1024 and unit < len(units) - 1:
        size, unit = size / 1024, unit + 1
    return f"{number(lang, size, 0 if unit == 0 else 1)} {units[unit]}"
