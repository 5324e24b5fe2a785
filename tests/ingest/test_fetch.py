"""The fetcher's limits, against a server on 127.0.0.1 that misbehaves."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest

from bot.ingest.add import add
from bot.ingest.drafts import Refused
from bot.ingest.fetch import FetchError, fetch, user_agent
from tests.ingest.server import FULL_METADATA, Site


def test_a_slow_answer_times_out(site: Site) -> None:
    with pytest.raises(FetchError, match=r"/slow: timed out after 0.3 s$"):
        fetch(site.url("/slow"), timeout=0.3)


def test_a_body_larger_than_the_limit_is_not_read(site: Site) -> None:
    with pytest.raises(FetchError, match="larger than 1 MB; not read"):
        fetch(site.url("/endless"), max_bytes=1_000_000)


def test_an_announced_size_over_the_limit_is_refused_at_once(site: Site) -> None:
    site.pages["/big"] = (200, {"Content-Type": "text/html", "Content-Length": "9000000"}, b"")
    with pytest.raises(FetchError, match=r"larger than 5 MB \(9,000,000 bytes\)"):
        fetch(site.url("/big"))


def test_too_many_redirects(site: Site) -> None:
    for hop in range(8):
        site.pages[f"/hop{hop}"] = (302, {"Location": f"/hop{hop + 1}"}, b"")
    with pytest.raises(FetchError, match="more than 5 redirects"):
        fetch(site.url("/hop0"))


def test_a_page_and_where_it_came_from(site: Site) -> None:
    site.html("/a", FULL_METADATA)
    site.pages["/b"] = (302, {"Location": "/a"}, b"")
    page = fetch(site.url("/b"))
    assert (page.body, page.url, page.is_html) == (FULL_METADATA, site.url("/a"), True)
    assert site.user_agents == [user_agent(), user_agent()]


def test_a_timeout_through_add_writes_nothing(site: Site, content_dir: Path) -> None:
    before = sorted(content_dir.rglob("*"))
    with pytest.raises(FetchError):
        add(site.url("/slow"), content_dir, fetcher=partial(fetch, timeout=0.3))
    assert sorted(content_dir.rglob("*")) == before


def test_a_refused_id_writes_nothing(site: Site, content_dir: Path) -> None:
    from bot.ingest.drafts import Wishes

    before = sorted(content_dir.rglob("*"))
    with pytest.raises(Refused, match="--id '../x'"):
        add(site.html("/a", FULL_METADATA), content_dir, Wishes(id="../x"))
    assert sorted(content_dir.rglob("*")) == before
