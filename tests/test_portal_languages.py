"""The portal in the person's language: Kazakh (the state language), Russian and English from
message catalogues, with every label and every value a page shows translated, times in Astana
time with the zone said, and the choice remembered."""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime
from html.parser import HTMLParser

import httpx
import pytest

from ecopermit.services.gateway.portal.labels import (
    LABEL,
    LANGUAGES,
    REASON,
    catalogue,
    labels,
    local_time,
    reason_text,
)
from ecopermit.services.gateway.portal.routes import _REASON_ENUMS, SHOWN_ENUMS
from ecopermit.workflows import stage_reasons
from tests.test_gateway import gateway
from tests.test_portal import (
    registered_with_an_application_form,
    signed_with_the_local_key,
)

__all__ = ["gateway"]  # the fixture, served here too

# An enum value's name as the contract spells it: what a person must never read.
ENUM_NAME = re.compile(r"\b[A-Z][A-Z0-9]+(?:_[A-Z0-9]+){1,}\b")


class _Text(HTMLParser):
    """The text a person reads: element content, not tags or attribute values."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(page: str) -> str:
    reader = _Text()
    reader.feed(page)
    return " ".join(reader.parts)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_has_every_label_and_every_value_a_page_shows(lang: str) -> None:
    every_label = set().union(*(labels(other) for other in LANGUAGES))
    assert set(labels(lang)) == every_label
    missing = [
        f"{enum.DESCRIPTOR.full_name}.{value.name}"
        for enum in SHOWN_ENUMS.values()
        for value in enum.DESCRIPTOR.values
        if value.number and (enum.DESCRIPTOR.full_name, value.name) not in catalogue(lang)
    ]
    assert missing == []
    assert all(text.strip() for (context, _), text in catalogue(lang).items() if context == LABEL)


def test_a_time_reads_in_astana_time_with_the_zone_said() -> None:
    # 13:00 UTC is 18:00 in Astana (UTC+5 since March 2024).
    moment = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
    assert local_time("ru", moment) == "2026-03-02 18:00 (время Астаны)"
    assert local_time("kk", moment) == "2026-03-02 18:00 (Астана уақыты)"
    assert local_time("en", moment) == "2026-03-02 18:00 (Astana time)"


async def test_an_enterprise_reads_its_pages_in_kazakh_and_the_choice_is_remembered(
    gateway: httpx.AsyncClient,
) -> None:
    form = await registered_with_an_application_form(gateway)
    new = await gateway.get("/portal/applications/new", params={"lang": "kk"})
    text = visible_text(new.text)
    assert 'lang="kk"' in new.text
    assert "Павлодар облысы" in text  # a region, in Kazakh
    assert "азот оксидтері (NOx)" in text  # a pollutant
    assert ENUM_NAME.findall(text) == []
    # Chosen once, remembered: the next page comes in Kazakh without asking again.
    submitted = await signed_with_the_local_key(
        gateway, await gateway.post("/portal/applications", data=form)
    )
    page = await gateway.get(submitted.headers["location"])
    text = visible_text(page.text)
    assert "Кезең" in text  # "Stage"
    assert "берілді" in text  # submitted
    assert "(Астана уақыты)" in text
    assert ENUM_NAME.findall(text) == []
    for lang, stage in (("ru", "подано"), ("en", "submitted")):
        other = await gateway.get(submitted.headers["location"], params={"lang": lang})
        assert stage in visible_text(other.text)
        assert ENUM_NAME.findall(visible_text(other.text)) == []


async def test_a_browser_asking_for_kazakh_gets_kazakh(gateway: httpx.AsyncClient) -> None:
    home = await gateway.get("/", headers={"accept-language": "kk-KZ,kk;q=0.9,ru;q=0.8"})
    assert 'lang="kk"' in home.text
    assert "Кіру" in visible_text(home.text)  # "Sign in"


async def test_a_refusal_is_said_in_the_persons_language_with_the_services_words_marked_english(
    gateway: httpx.AsyncClient,
) -> None:
    from tests.test_portal import csrf_of, sign_in

    await sign_in(gateway, "reviewer", "rustam")
    wrong_page = await gateway.get("/portal/enterprise", params={"lang": "kk"})
    assert wrong_page.status_code == 403
    assert "Бұл бет сіздің рөліңізге арналмаған" in visible_text(wrong_page.text)
    # A task that does not exist: the service says so in English; the page says it in Kazakh.
    csrf = await csrf_of(gateway, "/portal/inbox")
    missing = await gateway.post("/portal/tasks/t-nothing/claim", data={"csrf_token": csrf})
    assert missing.status_code == 404
    assert "Табылмады" in visible_text(missing.text)
    assert re.search(r'<p class="govuk-body error" lang="en">[^<]*tasks/t-nothing', missing.text)
    in_english = await gateway.get("/portal/enterprise", params={"lang": "en"})
    assert "This page is not for your role" in visible_text(in_english.text)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_says_every_reason_the_workflow_gives_with_its_values(lang: str) -> None:
    def placeholders(template: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}

    for key, english in stage_reasons.ENGLISH.items():
        said = catalogue(lang).get((REASON, key))
        assert said, key
        assert placeholders(said) == placeholders(english), key


def test_a_reason_names_grounds_and_task_kinds_the_languages_way() -> None:
    refused = stage_reasons.Reason(
        "refused",
        {
            "grounds": stage_reasons.names(["REFUSAL_GROUND_NEGATIVE_STATE_EXPERTISE"]),
            "reasons": "x",
        },
    )
    assert "negative_state_expertise" in refused.text  # the record's English keeps it short
    said = reason_text("ru", refused.key, refused.values, refused.text, _REASON_ENUMS)
    ground = catalogue("ru")[
        ("ecopermit.reviews.v1.RefusalGround", "REFUSAL_GROUND_NEGATIVE_STATE_EXPERTISE")
    ]
    assert said.startswith("Отказано по основаниям: " + ground)
    # An unknown key, or one recorded before keys were kept, reads as the English text.
    assert reason_text("kk", "", {}, "registered on 2026-03-02", _REASON_ENUMS) == (
        "registered on 2026-03-02"
    )
