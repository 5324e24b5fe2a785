"""The HTML pages and ``/timeline.json`` as a client sees them: the real server on 127.0.0.1, aiohttp's
client, and the HTML read with the standard library's parser."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path

import aiohttp
import pytest

from bot.briefings.service import Briefing
from bot.export.selection import select
from bot.web.health import PlatformStates
from bot.web.metrics import PrometheusMetrics
from bot.web.server import bound_port, start_web
from tests.conftest import WARSAW


class Page(HTMLParser):
    """What a reader of a page meets: its language, headings, links and text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.lang: str | None = None
        self.viewport = False
        self.headings: list[str] = []
        self.links: list[tuple[str, str]] = []  # (href, text)
        self.scripts = 0
        self.text: list[str] = []
        self._heading: list[str] | None = None
        self._link: tuple[str, list[str]] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "html":
            self.lang = found.get("lang")
        elif tag == "meta" and found.get("name") == "viewport":
            self.viewport = True
        elif tag in ("h1", "h2"):
            self._heading = []
        elif tag == "a":
            self._link = (found.get("href") or "", [])
        elif tag == "script":
            self.scripts += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2") and self._heading is not None:
            self.headings.append("".join(self._heading).strip())
            self._heading = None
        elif tag == "a" and self._link is not None:
            self.links.append((self._link[0], " ".join("".join(self._link[1]).split())))
            self._link = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._heading is not None:
            self._heading.append(data)
        if self._link is not None:
            self._link[1].append(data)

    def hrefs(self) -> set[str]:
        return {href for href, _ in self.links}


class Site:
    def __init__(self, url: str, session: aiohttp.ClientSession, briefing: Briefing) -> None:
        self.url, self.session, self.briefing = url, session, briefing

    async def get(self, path: str) -> tuple[int, str, str]:
        async with self.session.get(self.url + path) as response:
            return response.status, response.content_type, await response.text()

    async def page(self, path: str, status: int = 200) -> Page:
        got, content_type, text = await self.get(path)
        assert (got, content_type) == (status, "text/html"), text
        return Page(text)


async def running(briefing: Briefing) -> AsyncIterator[Site]:
    runner = await start_web(briefing, PlatformStates(), PrometheusMetrics(), "127.0.0.1", 0)
    try:
        async with aiohttp.ClientSession() as session:
            yield Site(f"http://127.0.0.1:{bound_port(runner)}", session, briefing)
    finally:
        await runner.cleanup()


@pytest.fixture
async def site(bundled: Briefing) -> AsyncIterator[Site]:
    async for found in running(bundled):
        yield found


async def test_home_lists_the_topics_and_the_latest_events_in_polish(site: Site) -> None:
    page = await site.page("/")
    assert page.lang == "pl" and page.viewport and page.scripts == 0
    assert "Tematy" in page.headings
    links = dict(page.links)
    for topic in site.briefing.knowledge.topics.values():
        assert links[f"/topic/{topic.id}"] == topic.title
    latest = site.briefing.knowledge.events[-1]
    assert links[f"/event/{latest.id}"] == " ".join(latest.headline.split())


async def test_english_and_russian_use_the_catalogue_words_and_keep_the_language_in_links(site: Site) -> None:
    page = await site.page("/?lang=en")
    assert page.lang == "en" and "Topics" in page.headings
    assert all(href.endswith("lang=en") for href in page.hrefs() if href.startswith("/"))
    page = await site.page("/timeline?lang=ru")
    assert page.lang == "ru" and page.headings[0] == "Хронология"
    assert (await site.page("/?lang=xx")).lang == "pl"


async def test_a_topic_shows_its_summary_period_and_every_event_with_a_link(site: Site) -> None:
    knowledge = site.briefing.knowledge
    for topic in knowledge.topics.values():
        page = await site.page(f"/topic/{topic.id}")
        assert page.headings[0] == topic.title
        text = " ".join(" ".join(page.text).split())
        assert " ".join(topic.summary.split()) in text and "Okres:" in text
        wanted = {f"/event/{e.id}" for e in knowledge.events if topic.id in e.topics}
        assert wanted and wanted <= page.hrefs()


async def test_an_event_shows_its_quotes_with_article_outlet_and_link(site: Site) -> None:
    knowledge = site.briefing.knowledge
    event = max(knowledge.events, key=lambda e: len(e.articles))
    status, _, html = await site.get(f"/event/{event.id}")
    assert status == 200
    page = Page(html)
    text = " ".join(" ".join(page.text).split())
    for fact in event.facts:
        assert " ".join(fact.quote.split()) in text
        article = knowledge.articles[fact.article]
        if article.url:
            assert (article.url, " ".join(article.title.split())) in page.links


async def test_the_timeline_lists_events_with_their_sources_and_filters(site: Site) -> None:
    knowledge = site.briefing.knowledge
    page = await site.page("/timeline")
    assert {f"/event/{e.id}" for e in knowledge.events} <= page.hrefs()
    urls = {a.url for a in knowledge.articles.values() if a.url}
    assert urls and urls <= page.hrefs()
    topic = next(iter(knowledge.topics.values()))
    page = await site.page(f"/timeline?topic={topic.id}")
    shown = {href for href in page.hrefs() if href.startswith("/event/")}
    assert shown == {f"/event/{e.id}" for e in knowledge.events if topic.id in e.topics}
    day = next(e for e in knowledge.events if e.value.precision == "day").value.start
    page = await site.page(f"/timeline?from={day}&to={day}")
    narrowed = {href for href in page.hrefs() if href.startswith("/event/")}
    assert narrowed == {f"/event/{e.id}" for e in select(knowledge, None, day, day).events}
    assert 0 < len(narrowed) < len(knowledge.events)


@pytest.mark.parametrize("query", ["from=yesterday", "to=2022-13-01", "topic=nosuch", "from=2023-01-02&to=2023-01-01"])
async def test_a_bad_filter_is_a_400_page_saying_what_is_accepted(site: Site, query: str) -> None:
    for path in ("/timeline", "/timeline.json"):
        page = await site.page(f"{path}?{query}", status=400)
        text = " ".join(page.text)
        assert "YYYY-MM-DD" in text or "RRRR-MM-DD" in text
        assert all(topic in text for topic in site.briefing.knowledge.topics)


@pytest.mark.parametrize("path", ["/topic/nosuch", "/event/nosuch"])
async def test_an_unknown_id_is_a_404_page(site: Site, path: str) -> None:
    page = await site.page(path, status=404)
    assert page.lang == "pl" and page.headings == ["Nie znaleziono"]


async def test_timeline_json_is_timelinejs_for_the_same_filters(site: Site) -> None:
    knowledge = site.briefing.knowledge
    status, content_type, text = await site.get("/timeline.json")
    assert (status, content_type) == (200, "application/json")
    assert [slide["unique_id"] for slide in json.loads(text)["events"]] == [e.id for e in knowledge.events]
    topic = next(iter(knowledge.topics.values()))
    _, _, text = await site.get(f"/timeline.json?topic={topic.id}")
    wanted = [e.id for e in knowledge.events if topic.id in e.topics]
    assert [slide["unique_id"] for slide in json.loads(text)["events"]] == wanted


async def test_content_is_escaped(content_dir: Path, tmp_path: Path) -> None:
    article = content_dir / "articles" / "kazachstan-blizej-nato.md"
    source = article.read_text(encoding="utf-8")
    hostile = '<script>alert("x")</script> & co'
    article.write_text(re.sub(r'^title = ".*"$', f"title = '{hostile}'", source, count=1, flags=re.M), encoding="utf-8")
    briefing = Briefing.load(content_dir, tmp_path / "data", WARSAW)
    async for site in running(briefing):
        event = next(e for e in briefing.knowledge.events if "kazachstan-blizej-nato" in e.articles)
        for path in ("/timeline", f"/event/{event.id}"):
            status, _, html = await site.get(path)
            assert status == 200
            assert "<script>" not in html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co" in html
            assert Page(html).scripts == 0
