"""Feeds polled into the inbox, against RSS and Atom feeds on 127.0.0.1: new entries drafted once,
conditional requests, failing feeds retried later without holding up the others."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

import pytest

from bot.app import holding, poll_due_feeds
from bot.cli import main
from bot.config import Settings
from bot.content.loader import load_content, parse_article
from bot.digests.state import StateStore
from bot.ingest.feeds import Feed, FeedError, add_feed, remove_feed
from bot.ingest.fetch import Page, fetch, fetch_feed
from bot.ingest.inbox import accept
from bot.ingest.poll import poll_feeds
from tests.conftest import NOW
from tests.ingest.server import ENGLISH, FULL_METADATA, JSON_LD_ONLY, Site, article_page

INTERVAL = timedelta(minutes=30)

THIRD = article_page(
    "Rosyjscy żołnierze opuszczają Kazachstan",
    (
        "Pierwsze jednostki Organizacji Układu o Bezpieczeństwie Zbiorowym opuściły Kazachstan 13 stycznia. "
        "Według dowództwa misji wycofanie ponad dwóch tysięcy żołnierzy zakończy się w ciągu dziesięciu dni.",
        "Rosyjskie samoloty transportowe wylądowały w Ałmaty jeszcze w środę wieczorem, by zabrać sprzęt. "
        "Prezydent Tokajew podziękował sojusznikom za pomoc w przywróceniu porządku w największym mieście kraju.",
        "Komentatorzy zwracają uwagę, że misja trwała zaledwie tydzień, ale na długo zmieni układ sił w regionie. "
        "Część z nich uważa, że Moskwa zyskała w Kazachstanie wpływy, jakich nie miała od rozpadu ZSRR.",
    ),
    head='<meta property="og:site_name" content="Kurier Stepowy">'
    '<meta property="article:published_time" content="2022-01-13T18:00:00+01:00">',
    byline='<p><time datetime="2022-01-13T18:00:00+01:00">13 stycznia 2022</time></p>',
)
SHORT = article_page("Krótko", ("Tokajew przemawiał w środę.",))


def rss(site: Site, *items: tuple[str, str]) -> bytes:
    entries = "".join(
        f"<item><title>{title}</title><link>{site.url(path)}</link><guid>{site.url(path)}#guid</guid></item>"
        for title, path in items
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Kurier Stepowy: Świat</title><link>{site.url("/")}</link>
<description>Wiadomości ze świata</description><language>pl</language>{entries}</channel></rss>""".encode()


def atom(site: Site, *items: tuple[str, str]) -> bytes:
    entries = "".join(
        f"<entry><title>{title}</title><id>tag:kurier.example,2022:{path}</id>"
        f'<link rel="alternate" href="{site.url(path)}"/><updated>2022-01-13T18:00:00Z</updated></entry>'
        for title, path in items
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="pl"><title>Kurier Stepowy: Azja</title>
<id>tag:kurier.example,2022:azja</id><updated>2022-01-13T18:00:00Z</updated>{entries}</feed>""".encode()


class Clock:
    """The tests' now, moved on by hand."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def pages(site: Site) -> Site:
    site.html("/swiat/protesty", FULL_METADATA)
    site.html("/azja/premier", JSON_LD_ONLY)
    site.html("/world/protests", article_page("Protests in Kazakhstan", (ENGLISH,), lang="en"))
    site.html("/azja/odwrot", THIRD)
    site.html("/krotko", SHORT)
    return site


def poll(state: StateStore, content_dir: Path, clock: Clock, due_only: bool = False) -> dict[str, Feed]:
    feeds = poll_feeds(
        state, content_dir, clock, INTERVAL, due_only=due_only, get_feed=partial(fetch_feed, timeout=0.5)
    )
    return {feed.url: feed for feed in feeds}


def inbox(content_dir: Path) -> list[str]:
    return sorted(path.stem for path in (content_dir / "inbox").glob("*.md"))


def test_a_first_poll_drafts_each_new_entry_into_the_inbox_and_a_second_drafts_nothing(
    pages: Site, content_dir: Path, data_dir: Path
) -> None:
    clock = Clock()
    state = StateStore(data_dir)
    news = pages.feed(
        "/rss",
        rss(pages, ("Protesty", "/swiat/protesty"), ("Premier", "/azja/premier"), ("Protests", "/world/protests")),
        "application/rss+xml",
        etag='"v1"',
    )
    asia = pages.feed(
        "/atom",
        atom(pages, ("Odwrót", "/azja/odwrot"), ("Krótko", "/krotko")),
        "application/atom+xml",
        modified="Thu, 13 Jan 2022 17:00:00 GMT",
    )
    add_feed(state, content_dir, news, ("protesty",), clock())
    add_feed(state, content_dir, asia, (), clock())

    first = poll(state, content_dir, clock)
    drafts = inbox(content_dir)
    assert drafts == [
        "protesty-w-kazachstanie-tysiace-zatrzymanych",
        "rosyjscy-zolnierze-opuszczaja-kazachstan",
        "tokajew-powolal-nowego-premiera",
    ]
    topic_ids = {topic.id for topic in load_content(content_dir).topics}
    loaded = {
        d: parse_article(content_dir / "inbox" / f"{d}.md", (content_dir / "inbox" / f"{d}.md").read_bytes(), topic_ids)
        for d in drafts
    }
    assert loaded["protesty-w-kazachstanie-tysiace-zatrzymanych"].topics == ("protesty",)
    accept(content_dir, "rosyjscy-zolnierze-opuszczaja-kazachstan")  # as an editor takes one in
    after = load_content(content_dir)
    assert "rosyjscy-zolnierze-opuszczaja-kazachstan" in {a.id for a in after.articles} and not after.problems
    assert str(loaded["rosyjscy-zolnierze-opuszczaja-kazachstan"].published).startswith("2022-01-13")
    assert first[news].outcome == "2 drafted" and first[news].drafts == 2
    assert first[asia].outcome == "1 drafted" and first[asia].drafts == 1
    refusals = {key: why for key, why in first[news].seen.items() if why.startswith("refused")}
    assert (
        list(refusals) == [pages.url("/world/protests#guid")]
        and "not Polish" in refusals[pages.url("/world/protests#guid")]
    )
    assert "too little text" in first[asia].seen["tag:kurier.example,2022:/krotko"]

    clock.now += INTERVAL
    asked = len(pages.requests)
    again = poll(state, content_dir, clock)
    assert inbox(content_dir) == [d for d in drafts if d != "rosyjscy-zolnierze-opuszczaja-kazachstan"]
    assert again[news].outcome == again[asia].outcome == "not modified"
    assert again[news].drafts == 2 and again[news].last_poll == "2026-11-22T09:30:00+00:00"
    assert [path for path, _ in pages.requests[asked:]] == ["/rss", "/atom"]  # no page fetched again
    assert pages.asked("/rss")[-1]["If-None-Match"] == '"v1"'
    assert pages.asked("/atom")[-1]["If-Modified-Since"] == "Thu, 13 Jan 2022 17:00:00 GMT"
    assert all(h["User-Agent"].startswith("briefing-bot/") for h in pages.asked("/rss"))


def test_a_changed_feed_drafts_only_its_new_entries(pages: Site, content_dir: Path, data_dir: Path) -> None:
    clock, state = Clock(), StateStore(data_dir)
    news = pages.feed("/rss", rss(pages, ("Protesty", "/swiat/protesty")), "application/rss+xml", etag='"v1"')
    add_feed(state, content_dir, news, (), clock())
    assert poll(state, content_dir, clock)[news].outcome == "1 drafted"
    pages.feed(
        "/rss",
        rss(pages, ("Odwrót", "/azja/odwrot"), ("Protesty", "/swiat/protesty")),
        "application/rss+xml",
        etag='"v2"',
    )
    after = poll(state, content_dir, clock)[news]
    assert after.outcome == "1 drafted" and after.drafts == 2 and after.etag == '"v2"'
    assert len(pages.asked("/swiat/protesty")) == 1
    assert poll(state, content_dir, clock)[news].outcome == "not modified"


def test_a_failing_feed_is_retried_later_and_the_others_still_poll(
    pages: Site, content_dir: Path, data_dir: Path
) -> None:
    clock, state = Clock(), StateStore(data_dir)
    good = pages.feed("/rss", rss(pages, ("Protesty", "/swiat/protesty")), "application/rss+xml")
    missing, slow, page = pages.url("/gone.xml"), pages.url("/slow"), pages.url("/swiat/protesty")
    for url in (missing, slow, page, good):
        add_feed(state, content_dir, url, (), clock())

    first = poll(state, content_dir, clock, due_only=True)
    assert first[good].outcome == "1 drafted"
    assert "answered 404" in str(first[missing].error)
    assert "timed out" in str(first[slow].error)
    assert "not an RSS or Atom feed" in str(first[page].error)
    for url in (missing, slow, page):
        assert first[url].outcome == "failed" and first[url].failures == 1
        assert first[url].retry_at == "2026-11-22T09:30:00+00:00"

    clock.now += timedelta(minutes=10)  # not yet due: only the good feed is asked for
    assert list(poll(state, content_dir, clock, due_only=True)) == [good]
    clock.now = NOW + INTERVAL
    second = poll(state, content_dir, clock, due_only=True)
    assert set(second) == {missing, slow, page, good}
    assert second[missing].failures == 2 and second[missing].retry_at == "2026-11-22T10:30:00+00:00"

    for _ in range(10):  # the wait doubles, up to a day
        clock.now += timedelta(days=1)
        last = poll(state, content_dir, clock, due_only=True)[missing]
    assert datetime.fromisoformat(str(last.retry_at)) - clock.now == timedelta(days=1)

    pages.feed("/gone.xml", atom(pages, ("Odwrót", "/azja/odwrot")), "application/atom+xml")
    clock.now += timedelta(days=1)
    back = poll(state, content_dir, clock, due_only=True)[missing]
    assert (back.outcome, back.failures, back.error, back.retry_at) == ("1 drafted", 0, None, None)


def test_removed_feeds_are_not_polled_and_feeds_survive_a_restart(
    pages: Site, content_dir: Path, data_dir: Path
) -> None:
    clock = Clock()
    news = pages.feed("/rss", rss(pages, ("Protesty", "/swiat/protesty")), "application/rss+xml", etag='"v1"')
    asia = pages.feed("/atom", atom(pages, ("Odwrót", "/azja/odwrot")), "application/atom+xml")
    state = StateStore(data_dir)
    add_feed(state, content_dir, news, ("protesty",), clock())
    add_feed(state, content_dir, asia, (), clock())
    poll(state, content_dir, clock)

    restarted = StateStore(data_dir)
    kept = {feed["url"]: Feed.from_record(feed) for feed in restarted.feeds()}
    assert list(kept) == [news, asia]
    assert kept[news].topics == ("protesty",) and kept[news].etag == '"v1"' and kept[news].drafts == 1
    remove_feed(restarted, asia)
    asked = len(pages.asked("/atom"))
    assert list(poll(StateStore(data_dir), content_dir, clock)) == [news]
    assert len(pages.asked("/atom")) == asked


def test_adding_a_feed_is_checked(content_dir: Path, data_dir: Path) -> None:
    state = StateStore(data_dir)
    with pytest.raises(FeedError, match="http:// or https://"):
        add_feed(state, content_dir, "file:///etc/passwd", (), NOW)
    with pytest.raises(FeedError, match="unknown topic 'nie-ma'"):
        add_feed(state, content_dir, "https://kurier.example/rss", ("nie-ma",), NOW)
    add_feed(state, content_dir, "https://kurier.example/rss", (), NOW)
    with pytest.raises(FeedError, match="already polled"):
        add_feed(state, content_dir, "https://kurier.example/rss", (), NOW)
    with pytest.raises(FeedError, match="no such feed"):
        remove_feed(state, "https://kurier.example/atom")


def feeds(content_dir: Path, data_dir: Path, clock: Clock, *args: str) -> int:
    return main(["feeds", *args, "--content", str(content_dir), "--data", str(data_dir)], clock=clock)


def test_the_feeds_commands_end_to_end(
    pages: Site, content_dir: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = Clock()
    news = pages.feed("/rss", rss(pages, ("Protesty", "/swiat/protesty")), "application/rss+xml", etag='"v1"')
    missing = pages.url("/gone.xml")
    assert feeds(content_dir, data_dir, clock, "list") == 0
    assert capsys.readouterr().out.startswith("no feeds in ")
    assert feeds(content_dir, data_dir, clock, "add", news, "--topics", "protesty,csto") == 0
    assert feeds(content_dir, data_dir, clock, "add", missing) == 0
    assert feeds(content_dir, data_dir, clock, "add", missing) == 1
    assert "already polled" in capsys.readouterr().err
    assert feeds(content_dir, data_dir, clock, "list") == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{news}  topics=protesty,csto  last poll=never  drafts=0",
        f"{missing}  topics=none  last poll=never  drafts=0",
    ]

    assert feeds(content_dir, data_dir, clock, "poll") == 1  # a feed failed
    out = capsys.readouterr().out
    assert f"{news}  1 drafted\n" in out and f"{missing}  failed: {missing}: the server answered 404" in out
    assert inbox(content_dir) == ["protesty-w-kazachstanie-tysiace-zatrzymanych"]
    assert feeds(content_dir, data_dir, clock, "list") == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{news}  topics=protesty,csto  last poll=2026-11-22 09:00 UTC (1 drafted)  drafts=1",
        f"{missing}  topics=none  last poll=2026-11-22 09:00 UTC (failed)  drafts=0  FAILING (1× in a row): "
        f"{missing}: the server answered 404 Not Found; next retry 2026-11-22 09:30 UTC",
    ]

    assert feeds(content_dir, data_dir, clock, "remove", missing) == 0
    assert feeds(content_dir, data_dir, clock, "remove", missing) == 1
    assert "no such feed" in capsys.readouterr().err
    asked = len(pages.asked("/gone.xml"))
    assert feeds(content_dir, data_dir, clock, "poll") == 0
    assert capsys.readouterr().out == f"{news}  not modified\n"
    assert len(pages.asked("/gone.xml")) == asked


def test_feeds_that_change_the_state_wait_for_a_running_bot(content_dir: Path, data_dir: Path) -> None:
    with holding(data_dir):
        assert feeds(content_dir, data_dir, Clock(), "add", "https://kurier.example/rss") == 2
        assert feeds(content_dir, data_dir, Clock(), "list") == 0


async def test_the_running_bots_poll_leaves_the_event_loop_free(pages: Site, content_dir: Path, data_dir: Path) -> None:
    clock, state = Clock(), StateStore(data_dir)
    news = pages.feed("/rss", rss(pages, ("Protesty", "/swiat/protesty")), "application/rss+xml")
    slow = pages.url("/slow")
    add_feed(state, content_dir, slow, (), clock())
    add_feed(state, content_dir, news, (), clock())
    settings = Settings(content=content_dir, data=data_dir)
    job = asyncio.create_task(poll_due_feeds(settings, state, clock=clock))
    ticks = 0
    while not pages.asked("/slow") or ticks < 5:  # the loop runs while the poll waits on /slow
        await asyncio.sleep(0.01)
        ticks += 1
    assert not job.done()
    pages.released.set()  # /slow gives up without an answer
    await job
    polled = {feed["url"]: Feed.from_record(feed) for feed in state.feeds()}
    assert polled[slow].failures == 1 and polled[news].outcome == "1 drafted"


def test_an_entry_whose_page_fails_is_tried_three_times_then_given_up(
    pages: Site, content_dir: Path, data_dir: Path
) -> None:
    clock, state = Clock(), StateStore(data_dir)
    news = pages.feed(
        "/rss",
        rss(pages, ("Zniknął", "/usuniety"), ("Zepsuty", "/zepsuty"), ("Protesty", "/swiat/protesty")),
        "application/rss+xml",
        etag='"v1"',
    )
    add_feed(state, content_dir, news, (), clock())

    def get_page(url: str) -> Page:
        if url.endswith("/zepsuty"):
            raise RuntimeError("a bug in a library")
        return fetch(url)

    def poll_once() -> Feed:
        clock.now += INTERVAL
        return poll_feeds(state, content_dir, clock, INTERVAL, get_page=get_page)[0]

    first = poll_once()
    assert first.outcome == "1 drafted" and first.etag is None  # asked for in full while entries wait
    assert first.pending == {pages.url("/usuniety#guid"): 1, pages.url("/zepsuty#guid"): 1}
    poll_once()
    third = poll_once()
    assert third.pending == {} and third.etag == '"v1"'
    assert third.seen[pages.url("/usuniety#guid")].startswith("given up after 3 tries: ")
    assert "answered 404" in third.seen[pages.url("/usuniety#guid")]
    assert "could not be drafted (RuntimeError)" in third.seen[pages.url("/zepsuty#guid")]
    asked = len(pages.asked("/usuniety"))
    assert poll_once().outcome == "not modified" and len(pages.asked("/usuniety")) == asked == 3


async def test_only_the_leading_process_polls(pages: Site, content_dir: Path, data_dir: Path) -> None:
    """Several processes on one state store: each polling would draft the same new entries."""
    clock, state = Clock(), StateStore(data_dir)
    news = pages.feed("/rss", rss(pages, ("Protesty", "/swiat/protesty")), "application/rss+xml")
    add_feed(state, content_dir, news, (), clock())
    settings = Settings(content=content_dir, data=data_dir)
    await poll_due_feeds(settings, state, clock=clock, leading=lambda: False)
    assert not pages.asked("/rss") and Feed.from_record(state.feeds()[0]).outcome is None
    await poll_due_feeds(settings, state, clock=clock, leading=lambda: True)
    assert Feed.from_record(state.feeds()[0]).outcome == "1 drafted"
