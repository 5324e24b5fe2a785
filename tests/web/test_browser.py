"""The web pages as a person sees them: the real server on 127.0.0.1 and a headless Chromium
(Debian's ``chromium``, driven by Playwright) at a desktop's and a phone's width.

Chromium is not optional: without it these tests fail, saying how to install it (``.ci/run``
installs it). ``BRIEFING_SCREENSHOTS=1`` also saves the home and timeline pages at both widths in
``bench/screenshots/``, for people to look at.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, ConsoleMessage, Error, Page, async_playwright

from bot.briefings.service import Briefing
from bot.web.health import PlatformStates
from bot.web.metrics import PrometheusMetrics
from bot.web.server import bound_port, start_web
from tests.conftest import REPO, fixed_clock

CHROMIUM = Path(os.environ.get("BRIEFING_CHROMIUM", "/usr/bin/chromium"))
#: No network of its own, no first-run chores: the browser only loads the pages under test.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTHS = {"desktop": 1280, "phone": 390}
SCREENSHOTS = REPO / "bench" / "screenshots"
#: 6 January 2027 in Warsaw: a day with anniversaries in the bundled content.
TODAY = datetime(2027, 1, 6, 9, 0, tzinfo=UTC)
DATE = re.compile(r"\d{4}")  # every shown date has its year


@dataclass
class Browser:
    """A page at one width, the site's address, and what the page said in its console."""

    page: Page
    url: str
    briefing: Briefing
    width: int
    errors: list[str] = field(default_factory=list)
    missing: set[str] = field(default_factory=set)  # pages asked for as missing: their 404 is no error

    async def open(self, path: str, status: int = 200) -> Page:
        if status == 404:
            self.missing.add(self.url + path)
        response = await self.page.goto(self.url + path)
        assert response is not None and response.status == status, path
        return self.page

    def console(self, message: ConsoleMessage) -> None:
        expected = message.location.get("url") in self.missing and "status of 404" in message.text
        if message.type == "error" and not expected:
            self.errors.append(f"{self.page.url}: {message.text}")


@pytest.fixture(params=list(WIDTHS))
async def browser(request: pytest.FixtureRequest, bundled: Briefing, tmp_path: Path) -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's chromium (apt-get install -y chromium; "
            ".ci/run installs it), or BRIEFING_CHROMIUM=/path/to/chromium"
        )
    briefing = dataclasses.replace(bundled, clock=fixed_clock(TODAY))
    runner = await start_web(briefing, PlatformStates(), PrometheusMetrics(), "127.0.0.1", 0)
    width = WIDTHS[request.param]
    try:
        async with async_playwright() as playwright:
            context: BrowserContext = await playwright.chromium.launch_persistent_context(
                tmp_path / "profile",  # a fresh user-data-dir
                executable_path=CHROMIUM,
                headless=True,
                args=ARGS,
                viewport={"width": width, "height": 844 if width < 800 else 900},
                device_scale_factor=1,
            )
            try:
                page = await context.new_page()
                found = Browser(page, f"http://127.0.0.1:{bound_port(runner)}", briefing, width)
                page.on("console", found.console)
                page.on("pageerror", lambda error: found.errors.append(f"{page.url}: {error}"))
                yield found
            finally:
                await context.close()
    finally:
        await runner.cleanup()


def pages(briefing: Briefing) -> list[str]:
    knowledge = briefing.knowledge
    event = max(knowledge.events, key=lambda e: len(e.facts))
    fact = next(f for f in knowledge.facts if f.printed)
    topic = next(iter(knowledge.topics))
    return [
        "/",
        "/?lang=en",
        "/timeline",
        f"/timeline?topic={topic}&lang=en",
        f"/topic/{topic}",
        f"/event/{event.id}",
        f"/fact/{fact.id}?lang=ru",
    ]


async def test_every_page_has_its_language_a_heading_no_errors_and_no_sideways_scroll(browser: Browser) -> None:
    problems = []
    for path in [*pages(browser.briefing), "/nosuch?lang=en"]:
        page = await browser.open(path, 404 if path.startswith("/nosuch") else 200)
        wanted = re.search(r"lang=(\w+)", path)
        lang = await page.evaluate("document.documentElement.lang")
        if lang != (wanted.group(1) if wanted else "pl"):
            problems.append(f"{path}: lang={lang!r}")
        heading = page.locator("h1")
        if await heading.count() != 1 or not await heading.is_visible() or not (await heading.inner_text()).strip():
            problems.append(f"{path}: no visible h1")
        scroll, inner = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if scroll > inner:
            problems.append(f"{path}: {scroll} px wide in a {inner} px window")
        title = await page.title()
        if not title.endswith("· briefing-bot"):
            problems.append(f"{path}: title {title!r}")
    assert problems == []
    assert browser.errors == []


async def test_the_timeline_shows_each_event_with_its_date_and_sources_under_its_picture(browser: Browser) -> None:
    knowledge = browser.briefing.knowledge
    page = await browser.open("/timeline")
    items = page.locator("main ol > li")
    assert await items.count() == len(knowledge.events)
    for index, event in enumerate(knowledge.events):
        item = items.nth(index)
        when = item.locator("time")
        assert await when.is_visible() and DATE.search(await when.inner_text())
        assert await item.get_by_role("link", name=" ".join(event.headline.split())).is_visible()
        text = await item.inner_text()
        assert "Źródła:" in text
        for article_id in event.articles:
            article = knowledge.articles[article_id]
            source = item.get_by_text(article.title, exact=False).first
            assert await source.is_visible(), (event.id, article.title)
            if article.url:
                assert await item.locator(f'a[href="{article.url}"]').first.is_visible()
    image = page.locator("figure.chart img")
    await image.scroll_into_view_if_needed()
    natural, shown = await image.evaluate("img => [img.naturalWidth, img.getBoundingClientRect().width]")
    assert natural == 1080 and 0 < shown <= browser.width
    assert "liczba wydarzeń: " + str(len(knowledge.events)) in (await image.get_attribute("alt") or "")
    box = await image.bounding_box()
    first = await items.first.bounding_box()
    assert box is not None and first is not None and box["y"] + box["height"] <= first["y"]  # the picture above
    assert browser.errors == []
    if os.environ.get("BRIEFING_SCREENSHOTS") == "1":
        await save(browser, "timeline")


async def test_a_selection_without_events_shows_no_picture(browser: Browser) -> None:
    page = await browser.open("/timeline?from=2030-01-01&lang=en")
    assert await page.locator("img").count() == 0
    assert await page.get_by_text("No events.").is_visible()
    assert browser.errors == []


async def test_the_home_page_shows_todays_anniversaries_with_their_dates(browser: Browser) -> None:
    page = await browser.open("/?lang=en")
    section = page.locator("#on-this-day")
    assert await section.get_by_role("heading", name="On this day: 6 January").is_visible()
    items = section.locator("li")
    assert await items.count() >= 2
    for index in range(await items.count()):
        text = await items.nth(index).inner_text()
        assert "6 January 2022 · 5 years ago:" in text
        assert await items.nth(index).get_by_role("link").is_visible()
    latest = page.locator("main > ol > li")
    assert await latest.count() == 10
    assert browser.errors == []
    if os.environ.get("BRIEFING_SCREENSHOTS") == "1":
        await browser.open("/")
        await save(browser, "home")


async def test_a_fact_links_to_its_source_and_event(browser: Browser) -> None:
    knowledge = browser.briefing.knowledge
    fact = next(f for f in knowledge.facts if f.printed)
    article = knowledge.articles[fact.article]
    page = await browser.open(f"/fact/{fact.id}?lang=en")
    assert await page.get_by_role("link", name=article.url or "").is_visible()
    await page.get_by_role("link", name=" ".join(knowledge.event_of(fact).headline.split())).click()
    await page.wait_for_url(re.compile(r"/event/"))
    assert await page.get_by_role("link", name=f"Fact {fact.id}").is_visible()
    assert browser.errors == []


async def save(browser: Browser, name: str) -> None:
    """A screenshot of the whole page for bench/screenshots/ (BRIEFING_SCREENSHOTS=1)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    kind = next(kind for kind, width in WIDTHS.items() if width == browser.width)
    try:
        await browser.page.screenshot(path=SCREENSHOTS / f"{name}-{kind}.png", full_page=True)
    except Error as error:  # pragma: no cover - a screenshot is for people, not a test's verdict
        pytest.fail(f"could not save the {name} screenshot: {error}")
