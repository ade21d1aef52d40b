"""The portal's words: message catalogues in Kazakh (the state language), Russian and English,
and the language a person chose.

The catalogues are gettext .po files under `locale/<lang>/LC_MESSAGES/portal.po`, read with
Babel: the page labels by key (msgctxt "label") and every value of the contract's enums that a
page shows (msgctxt: the enum's full name, msgid: the value's name). Translators edit the .po
files; tests/test_portal_languages.py fails when a language lacks a key or a value.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.messages.pofile import read_po
from starlette.requests import Request

LANGUAGES = ("kk", "ru", "en")
_DEFAULT = "ru"
LABEL = "label"
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


def local_time(lang: str, moment: datetime) -> str:
    """A moment in Astana time, written the language's way, with the zone said."""
    local = moment.astimezone(ASTANA_TIME)
    written = format_datetime(local, "yyyy-MM-dd HH:mm", locale=lang)
    return f"{written} ({labels(lang)['time_zone']})"
