"""The HTML pages and ``/timeline.json`` as a client sees them: the real server on 127.0.0.1, aiohttp's
client, and the HTML read with the standard library's parser."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import make_mocked_request

from bot.briefings.service import Briefing
from bot.export.png import MAX_EVENTS
from bot.export.selection import Selection, select
from bot.web.health import PlatformStates
from bot.web.metrics import PrometheusMetrics
from bot.web.pages import chart
from bot.web.server import bound_port, start_web
from tests.conftest import WARSAW, fixed_clock


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


def section(html: str, ident: str) -> Page:
    """The part of a page in ``<section id=ident>``."""
    start = html.index(f'<section id="{ident}">')
    return Page(html[start : html.index("</section>", start)])


async def test_the_home_page_lists_todays_anniversaries_from_the_briefings_clock(bundled: Briefing) -> None:
    knowledge = bundled.knowledge
    wanted = {
        f"/event/{e.id}"
        for e in knowledge.events
        if e.value.precision == "day" and (e.value.start.month, e.value.start.day) == (1, 6)
    }
    assert len(wanted) >= 2
    on_the_sixth = dataclasses.replace(bundled, clock=fixed_clock(datetime(2027, 1, 5, 23, 30, tzinfo=UTC)))
    async for site in running(on_the_sixth):  # 00:30 on 6 January in Warsaw
        status, _, html = await site.get("/")
        assert status == 200
        found = section(html, "on-this-day")
        assert found.headings == ["Tego dnia: 6 stycznia"]
        assert found.hrefs() == wanted
        assert "5 lat temu" in "".join(found.text)
        _, _, html = await site.get("/?lang=en")
        assert "5 years ago" in "".join(section(html, "on-this-day").text)


async def test_a_day_without_anniversaries_names_the_nearest_one(site: Site) -> None:
    _, _, html = await site.get("/")  # 22 November 2026
    found = section(html, "on-this-day")
    text = " ".join(" ".join(found.text).split())
    assert not found.links and "22 listopada" in text and "Najbliższy dzień z rocznicami: 2 stycznia." in text


async def test_a_fact_shows_its_quote_date_article_outlet_link_event_and_errata(site: Site) -> None:
    knowledge = site.briefing.knowledge
    fact = next(f for f in knowledge.facts if f.printed and "06.01.2021" in f.printed)
    article = knowledge.articles[fact.article]
    assert article.url
    page = await site.page(f"/fact/{fact.id}?lang=en")
    text = " ".join("".join(page.text).split())
    assert page.headings[0] == f"Fact {fact.id}"
    assert " ".join(fact.quote.split()) in text and "06.01.2021" in text
    assert "6 January 2022 (precision: a day)" in text
    assert f"{article.title} (id: {article.id})" in text and article.outlet in text
    assert (article.url, article.url) in page.links
    assert "Errata" in page.headings
    assert "as printed: „06.01.2021 r.”; correction: „06.01.2022 r.”. Podpalenia w Ałmaty" in text
    assert "05.01.2021" not in text  # the article's other erratum concerns another fact
    event = knowledge.event_of(fact)
    assert f"/event/{event.id}?lang=en" in page.hrefs()
    assert {f"/topic/{t}?lang=en" for t in fact.topics} <= page.hrefs()


async def test_a_fact_of_a_month_says_so_and_has_no_errata(site: Site) -> None:
    fact = next(f for f in site.briefing.knowledge.facts if f.value.precision == "month" and f.mention)
    page = await site.page(f"/fact/{fact.id}")
    text = " ".join("".join(page.text).split())
    assert "styczeń 2022 (dokładność: miesiąc)" in text and f"odczytano z: „{fact.mention}”" in text
    assert "Errata" not in page.headings


async def test_an_event_links_each_of_its_facts(site: Site) -> None:
    event = max(site.briefing.knowledge.events, key=lambda e: len(e.facts))
    page = await site.page(f"/event/{event.id}")
    links = dict(page.links)
    for fact in event.facts:
        assert links[f"/fact/{fact.id}"] == f"Fakt {fact.id}"


def png_size(data: bytes) -> tuple[int, int]:
    """A PNG's width and height, from its IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


class Images(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[dict[str, str | None]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.found.append(dict(attrs))


async def test_the_timeline_shows_its_picture_for_the_same_filters(site: Site) -> None:
    topic = next(iter(site.briefing.knowledge.topics.values()))
    _, _, html = await site.get(f"/timeline?topic={topic.id}&from=2022-01-01&lang=en")
    (image,) = Images(html).found
    assert image["src"] == f"/timeline.png?from=2022-01-01&topic={topic.id}&lang=en"  # an English picture
    assert topic.title in (image["alt"] or "") and "Timeline chart" in (image["alt"] or "")
    async with site.session.get(site.url + (image["src"] or "")) as response:
        assert (response.status, response.content_type) == (200, "image/png")
        assert png_size(await response.read()) == (int(image["width"] or 0), int(image["height"] or 0))


async def test_an_empty_selection_has_no_picture(site: Site) -> None:
    _, _, html = await site.get("/timeline?from=2030-01-01")
    assert Images(html).found == [] and "Brak wydarzeń." in html
    page = await site.page("/timeline.png?from=2030-01-01", status=404)
    assert "no events to draw" in " ".join(page.text)
    await site.page("/timeline.png?from=yesterday", status=400)


def test_a_selection_too_large_for_one_picture_offers_none_and_says_why(bundled: Briefing) -> None:
    events = bundled.knowledge.events * (MAX_EVENTS // len(bundled.knowledge.events) + 1)
    large = Selection(bundled.knowledge, events, ())
    assert chart(make_mocked_request("GET", "/timeline"), large, {}) == {"too_large": True}
    fitting = Selection(bundled.knowledge, events[:MAX_EVENTS], ())
    assert chart(make_mocked_request("GET", "/timeline"), fitting, {})["src"] == "/timeline.png"  # type: ignore[index]


async def test_an_unknown_path_is_the_html_404_page_in_the_requests_language(site: Site) -> None:
    page = await site.page("/admin/x?lang=en", status=404)
    assert page.lang == "en" and page.headings == ["Not found"]
    assert "There is no such page: /admin/x" in " ".join(page.text)
    page = await site.page("/topic/csto/more", status=404)
    assert page.lang == "pl" and page.headings == ["Nie znaleziono"]


async def test_a_query_of_too_many_parameters_is_a_400_page(site: Site) -> None:
    query = "&".join(f"p{n}=1" for n in range(9))
    page = await site.page(f"/timeline?{query}&lang=en", status=400)
    assert page.headings == ["Bad request"] and "the pages take from, to, topic and lang" in " ".join(page.text)
