"""The portal in a real browser (Debian's Chromium, headless, driven by Playwright) against the
whole stack from `ecopermit up`: an enterprise submits, reviewers and a BAT expert do their
tasks, a decision maker approves, and the enterprise finds its permit; a citizen comments and
reads the register without signing in. Every page is saved as a screenshot under
test-artifacts/portal/ and checked with axe-core (no serious or critical violation), and the
steps that decide (submit, review, decision) are taken with the keyboard alone."""

from __future__ import annotations

import base64
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, async_playwright

from ecopermit.applicants.v1 import resources_pb2 as applicants_pb
from ecopermit.reviews.v1 import resources_pb2 as reviews_pb
from ecopermit.runtime.esign.local_authority import local_principal, person_of
from ecopermit.runtime.esign.signing import sign_detached
from ecopermit.runtime.identity import Role
from ecopermit.services.gateway.portal.labels import enum_label, labels
from tests.running_stack import Stack, running_stack
from tests.test_portal_languages import ENUM_NAME
from tests.waiting import until

# The whole stack as processes, over its own SQLite files: once per `make test`.
pytestmark = pytest.mark.processes

ARTIFACTS = Path(__file__).parent.parent / "test-artifacts" / "portal"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BIN = "990340000123"
AXE = Axe()
# What fails a page: WCAG failures axe-core rates as blocking or hard for some people.
BLOCKING = {"serious", "critical"}


@pytest.fixture
async def stack(stack_environment: dict[str, str]) -> AsyncIterator[Stack]:
    # A statutory day lasts 0.2 s: the 30-day consultation stays open six seconds, time
    # enough for a comment from the public.
    environment = {**stack_environment, "ECOPERMIT_STATUTORY_DAY_SECONDS": "0.2"}
    async with running_stack(environment) as running:
        yield running


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    # No skip: without the browser this test fails, and says how to get one.
    assert shutil.which(CHROMIUM), "needs Debian's chromium: apt-get install -y chromium"
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


class Person:
    """One person at their own browser, in their own language: their own cookies, their own
    token."""

    def __init__(self, page: Page, base: str, name: str, lang: str) -> None:
        self.page = page
        self.base = base
        self.name = name
        self.lang = lang
        self.shots = 0

    def says(self, key: str) -> str:
        """A label as this person's pages show it."""
        return labels(self.lang)[key]

    def names(self, enum: Any, value: str) -> str:
        """An enum value as this person's pages show it."""
        return enum_label(self.lang, enum, enum.Value(value))

    async def shot(self, what: str) -> None:
        """A screenshot of the page as it stands, and axe-core's check of it."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.shots += 1
        path = ARTIFACTS / f"{self.lang}-{self.name}-{self.shots:02d}-{what}.png"
        await self.page.screenshot(path=str(path), full_page=True)
        found = (await AXE.run(self.page)).response["violations"]
        blocking = [
            f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in found
            if v["impact"] in BLOCKING
        ]
        assert blocking == [], f"{self.page.url}: {blocking}"
        # No page shows a value by its name in the contract.
        assert ENUM_NAME.findall(await self.page.inner_text("main")) == [], self.page.url

    async def press(self, selector: str) -> None:
        """Tab to the element, as someone without a mouse would, and press Enter on it."""
        await self.tab_to(selector)
        await self.page.keyboard.press("Enter")

    async def tab_to(self, selector: str) -> None:
        """Tab through the page until the element has the focus; fails if Tab never gets there."""
        for _ in range(400):
            await self.page.keyboard.press("Tab")
            if await self.page.evaluate(
                "selector => document.activeElement && document.activeElement.matches(selector)",
                selector,
            ):
                return
        raise AssertionError(f"{selector} cannot be reached with the Tab key on {self.page.url}")

    async def choose(self, selector: str, label: str) -> None:
        """Picks a select's option by keyboard: focus it with Tab, then type the option's words."""
        await self.tab_to(selector)
        await self.page.keyboard.type(label)
        chosen = await self.page.evaluate(
            "selector => { const s = document.querySelector(selector);"
            " return s.options[s.selectedIndex].text; }",
            selector,
        )
        assert chosen == label, f"typing {label!r} chose {chosen!r}"

    async def sign_in(self, role: str, bin_: str = "", region: str = "") -> None:
        await self.page.goto(f"{self.base}/portal/sign-in?lang={self.lang}")
        await self.page.select_option("select[name=role]", role)
        await self.page.fill("input[name=subject]", self.name)
        if bin_:
            await self.page.fill("input[name=bin]", bin_)
        if region:
            await self.page.select_option("select[name=region]", region)
        await self.shot("sign-in")
        await self.page.click("form[action='/portal/sign-in'] button[type=submit]")

    async def work(self, kind: str, outcome: str, comments: str = "") -> None:
        """From the inbox: the task of this kind, claimed from the role's queue or given by the
        head of department, completed with the outcome (a TaskOutcome name), by keyboard."""
        waiting = f"#waiting button[data-kind='{kind}']"
        given = f"#mine a[data-kind='{kind}']"

        async def look() -> tuple[str | None, object]:
            await self.page.goto(f"{self.base}/portal/inbox")
            for selector in (given, waiting):
                if await self.page.locator(selector).count():
                    return selector, None
            return None, await self.page.inner_text("main")

        found = await until(look, f"a {kind} task in {self.name}'s inbox", every_seconds=0.2)
        await self.shot(f"inbox-{kind}")
        await self.press(found)
        await self.page.wait_for_selector("select[name=outcome]")
        # The task page shows what it is about: the application's documents, to open.
        assert await self.page.locator("#dossier a.open-document").count() >= 1
        await self.choose("select[name=outcome]", self.names(reviews_pb.TaskOutcome, outcome))
        if comments:
            await self.tab_to("textarea[name=comments]")
            await self.page.keyboard.type(comments)
        for reason in await self.page.locator("input[name^=disposition_reason]").all():
            await reason.fill("Taken into the permit conditions.")
        await self.shot(f"task-{kind}")
        await self.press("form[action$='/complete'] button[type=submit]")
        if kind == "TASK_KIND_DECISION":  # a decision is signed with the decision maker's ЭЦП
            await self.page.wait_for_selector("#sign-form")
            await self.shot("sign-decision")
            await self.press("#sign-local")
        await self.page.wait_for_url(f"{self.base}/portal/inbox")

    async def tour(self, pages: list[str], lang: str) -> None:
        """The person's pages again in the other language, each shot and checked."""
        self.lang = lang
        for number, address in enumerate(pages):
            glue = "&" if "?" in address else "?"
            await self.page.goto(f"{self.base}{address}{glue}lang={lang}")
            await self.shot(f"tour-{number}")


async def until_stage(person: Person, url: str, stage: str) -> None:
    """Until the page shows the stage (a Stage name), as long as the stage keeps moving."""
    wanted = person.names(applicants_pb.Stage, stage)

    async def look() -> tuple[bool | None, object]:
        await person.page.goto(url)
        shown = (await person.page.inner_text("#stage")).strip()
        return (True if shown == wanted else None), shown

    await until(look, f"{url} to show the stage {wanted!r}", every_seconds=0.2)


async def test_an_application_goes_from_the_enterprise_to_its_permit_through_the_pages(
    stack: Stack, browser: Browser, tmp_path: Path
) -> None:
    base = f"http://{stack.address('GATEWAY')}"

    async def person(name: str, lang: str) -> Person:
        return Person(await (await browser.new_context()).new_page(), base, name, lang)

    # Kazakh, the state language, for the enterprise; the officials in Russian.
    enterprise = await person("aliya", "kk")
    await enterprise.page.goto(base)
    assert "Кешенді экологиялық" in await enterprise.page.inner_text("h1")  # Kazakh welcome
    await enterprise.sign_in("applicant", BIN)
    await enterprise.page.fill("input[name=display_name]", "Pavlodar Power JSC")
    await enterprise.page.select_option("select[name=region]", "REGION_PAVLODAR")
    await enterprise.page.select_option("select[name=sector]", "SECTOR_COAL_POWER_AND_HEAT")
    await enterprise.shot("register")
    await enterprise.page.click("form[action='/portal/enterprise'] button[type=submit]")

    await enterprise.page.click("a[href='/portal/applications/new']")
    page = enterprise.page
    await page.fill("input[name=facility_name]", "CHP-2")
    await page.fill("input[name=facility_address]", "Pavlodar, Industrial zone 1")
    await page.select_option("select[name=region]", "REGION_PAVLODAR")
    await page.select_option("select[name=sector]", "SECTOR_COAL_POWER_AND_HEAT")
    await page.fill("input[name=thermal_input]", "420")
    # Within the BAT-AELs for an existing pulverised-coal boiler: no programme, no inspection.
    for row, (pollutant, value) in enumerate((("POLLUTANT_NOX", "140"), ("POLLUTANT_DUST", "8"))):
        await page.fill(f"input[name=source_id_{row}]", "stack-1")
        await page.fill(f"input[name=source_type_{row}]", "lcp_coal_pc_existing")
        await page.select_option(f"select[name=pollutant_{row}]", pollutant)
        await page.fill(f"input[name=concentration_{row}]", value)
        await page.fill(f"input[name=oxygen_{row}]", "6")
        await page.fill(f"input[name=tonnes_{row}]", "1200")
    for kind in (
        "PROJECT_DOCUMENTATION",
        "DRAFT_EMISSION_STANDARDS",
        "WASTE_PROGRAMME",
        "PRODUCTION_CONTROL_PROGRAMME",
        "BAT_GAP_ANALYSIS",
    ):
        document = tmp_path / f"{kind.lower()}.pdf"
        document.write_bytes(b"%PDF-1.4 " + kind.encode() * 50)
        await page.set_input_files(f"input[name=document_DOCUMENT_KIND_{kind}]", str(document))
    await enterprise.shot("new-application")
    await enterprise.press("#submit-application")
    # The signing page: what is signed, by its digest; the embedded stack's test key signs.
    await page.wait_for_selector("#sign-form")
    assert len((await page.inner_text("#statement-sha256")).strip()) == 64
    await enterprise.shot("sign-submission")
    await enterprise.press("#sign-local")
    await page.wait_for_selector("#stage")
    application_url = page.url
    await enterprise.shot("submitted")

    reviewer = await person("reviewer-1", "ru")
    await reviewer.sign_in("reviewer")
    await reviewer.work("TASK_KIND_COMPLETENESS", "TASK_OUTCOME_COMPLETE")

    # The state environmental expertise, and the public hearing held during it.
    await until_stage(enterprise, application_url, "STAGE_STATE_EXPERTISE")
    await enterprise.shot("expertise")
    # A citizen, without signing in, finds the hearing and asks a question.
    citizen = await person("citizen-1", "kk")
    await citizen.page.goto(f"{base}/portal/hearings?lang=kk")
    await citizen.shot("hearings")
    await citizen.page.click("#consultations a")
    await citizen.page.fill("input[name=author]", "Ecoforum Pavlodar")
    await citizen.page.fill("input[name=contact]", "ecoforum@example.kz")
    await citizen.page.fill("textarea[name=text]", "Will the ASM data be public?")
    await citizen.shot("question")
    await citizen.page.click("#comment-form button[type=submit]")
    await citizen.page.wait_for_selector("#thanks")
    # The head of the Pavlodar department gives the water review to reviewer-1 by name.
    department = await person("head-pavlodar", "kk")
    await department.sign_in("head_of_department", region="REGION_PAVLODAR")
    water = "#unassigned tr:has(button[data-kind='TASK_KIND_TECHNICAL_WATER'])"

    async def water_review_waits() -> tuple[bool | None, object]:
        await department.page.goto(f"{base}/portal/department")
        return (True if await department.page.locator(water).count() else None), None

    await until(water_review_waits, "the water review in the department's queue")
    await department.page.fill(f"{water} input[name=assignee]", "reviewer-1")
    await department.shot("assign")
    await department.page.click(f"{water} button[data-kind='TASK_KIND_TECHNICAL_WATER']")
    assert "reviewer-1" in await department.page.inner_text("#held")
    await department.shot("assigned")
    for kind in (
        "TASK_KIND_TECHNICAL_AIR",
        "TASK_KIND_TECHNICAL_WATER",
        "TASK_KIND_TECHNICAL_WASTE",
    ):
        await reviewer.work(kind, "TASK_OUTCOME_NO_OBJECTIONS")
    expert = await person("expert-1", "kk")
    await expert.sign_in("bat_expert")
    await expert.work("TASK_KIND_BAT_REVIEW", "TASK_OUTCOME_BAT_CONFIRMED")
    # After the open meeting, every question is answered and the protocol published.
    await reviewer.work("TASK_KIND_HEARING_PROTOCOL", "TASK_OUTCOME_ACKNOWLEDGED")
    await reviewer.work("TASK_KIND_STATE_EXPERTISE", "TASK_OUTCOME_POSITIVE_CONCLUSION")
    await reviewer.work(
        "TASK_KIND_REMARKS", "TASK_OUTCOME_REMARKS_SENT", "Give the stack height in the drawings."
    )

    # What is asked of the enterprise, and its answer.
    await until_stage(enterprise, application_url, "STAGE_APPLICANT_ANSWER")
    expected = await enterprise.page.inner_text("#expected")
    assert expected == enterprise.says("answer_remarks")
    asked = await enterprise.page.inner_text(".asked")
    assert "Give the stack height in the drawings." in asked
    assert "Өтініш берушіге ескертулер жіберілді" in asked  # the reason, in Kazakh
    await enterprise.shot("remarks")
    await enterprise.page.fill("textarea[name=response]", "The stack height is on sheet 3.")
    await enterprise.page.click("#answer button[type=submit]")
    # Signed elsewhere (NCALayer, or `ecopermit sign`): a detached .cms over the statement the
    # page shows, uploaded.
    await enterprise.page.wait_for_selector("#sign-form")
    statement = base64.b64decode(await enterprise.page.input_value("#statement"))
    key = stack.authority.signing_key(person_of(local_principal("aliya", Role.APPLICANT, BIN)))
    cms = tmp_path / "answer.cms"
    cms.write_bytes(sign_detached(statement, key))
    await enterprise.page.set_input_files("input[name=cms]", str(cms))
    await enterprise.shot("sign-answer")
    await enterprise.page.click("#send-signed")
    await until_stage(enterprise, application_url, "STAGE_DECISION")

    head = await person("head-1", "ru")
    await head.sign_in("decision_maker")
    await head.work(
        "TASK_KIND_DECISION",
        "TASK_OUTCOME_APPROVE",
        "BAT met; the hearing's question is a condition.",
    )

    await until_stage(enterprise, application_url, "STAGE_APPROVED")
    await enterprise.shot("approved")
    await enterprise.page.click("#permit")
    number = (await enterprise.page.inner_text("#permit-number")).strip()
    assert number.startswith("KZ-KEP-")
    assert "head-1" in await enterprise.page.inner_text("main")
    await enterprise.shot("permit")
    # The public register shows the permit; ops follow its traces.
    await citizen.page.goto(f"{base}/portal/register")
    assert number in await citizen.page.inner_text("#register")
    await citizen.shot("register")
    ops = await person("ops-1", "ru")
    await ops.sign_in("ops")
    approved = ops.names(applicants_pb.Stage, "STAGE_APPROVED")
    assert approved in await ops.page.inner_text("#by-stage")
    await ops.page.locator("#traces a[href^='/portal/ops/traces/']").first.click()
    assert "trace " in await ops.page.inner_text("h1")
    await ops.shot("trace")

    # Every role's pages in the other language too.
    application = application_url.removeprefix(base)
    await enterprise.tour(["/portal/enterprise", application, "/portal/applications/new"], "ru")
    await reviewer.tour(["/portal/inbox", application], "kk")
    await expert.tour(["/portal/inbox"], "ru")
    await department.tour(["/portal/department"], "ru")
    await head.tour(["/portal/inbox"], "kk")
    await citizen.tour(["/portal/hearings", "/portal/register"], "ru")
    await ops.tour(["/portal/ops"], "kk")
    shots = sorted(path.name for path in ARTIFACTS.glob("*.png"))
    for name in ("aliya", "reviewer-1", "head-pavlodar", "citizen-1", "ops-1"):
        for lang in ("kk", "ru"):
            assert any(shot.startswith(f"{lang}-{name}-") for shot in shots), (lang, name)
