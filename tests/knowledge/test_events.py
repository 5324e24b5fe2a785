"""Events: facts of several sources merged into one happening, conservatively, with headlines.

The corpus is the bundled content with the articles written for the events gold
(tests/gold/events/articles/): PAP's paragraph on the protests' outbreak in three of them, the
CSTO contingent's arrival worded four ways, and two other happenings of 6 January that must
stay apart. The expected events are annotated by hand in tests/gold/events.toml.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from bench.events import corpus, gold_groups, pairs, score
from bot.briefings.service import Briefing
from bot.extraction.facts import Fact
from bot.knowledge.events import HEADLINE_LIMIT, build_events, compare, explain, headline
from bot.language.dates import DateValue, day
from tests.conftest import REPO, WARSAW, fixed_clock


@pytest.fixture(scope="module")
def grown(tmp_path_factory: pytest.TempPathFactory) -> Briefing:
    folder = tmp_path_factory.mktemp("grown")
    from tests.conftest import NOW

    return Briefing.load(corpus(folder), folder / "data", WARSAW, "pl", fixed_clock(NOW))


def _fact(
    text: str, when: DateValue, article: str = "a", topics: tuple[str, ...] = ("t",), mention: str | None = None
) -> Fact:
    return Fact(f"{abs(hash((text, article))):010x}"[:10], when, text, text, article, topics, "extracted", 1, mention)


# --- merging ---------------------------------------------------------------------------------------


def test_the_gold_events_are_found_and_nothing_else_is_merged(grown: Briefing) -> None:
    knowledge = grown.knowledge
    gold, apart = gold_groups(knowledge.facts)
    result = score(knowledge.events, gold)
    assert result.found_pairs == result.true_pairs  # precision and recall of merges both 1
    assert not any(pairs([ids]) & result.found_pairs for ids in apart)


def test_a_paragraph_in_several_articles_is_one_line_citing_each(grown: Briefing) -> None:
    reply = grown.ask("/timeline 2022-01")
    outbreak = [line for card in reply.cards for line in card.lines if "Protesty w Kazachstanie wybuchły" in line.text]
    assert len(outbreak) == 1
    numbers = grown.knowledge.article_numbers
    expected = {numbers[a] for a in ("pap-protesty-a", "pap-protesty-b", "kontyngent-b", "odmowa-udzialu-w-wojnie")}
    assert set(outbreak[0].sources) == expected and outbreak[0].label == "2 stycznia 2022"


def test_two_happenings_of_one_day_stay_two_lines(grown: Briefing) -> None:
    reply = grown.ask("/onthisday 01-06")
    texts = [line.text for card in reply.cards for line in card.lines]
    assert sum("białoruski" in t for t in texts) == 1
    assert sum("2-tysięczny kontyngent" in t for t in texts) == 1
    assert sum("zwrócił się do ODKB" in t for t in texts) == 1


def test_facts_of_different_dates_precisions_or_topics_never_merge() -> None:
    text = "Do Kazachstanu przybył kontyngent ODKB złożony z rosyjskich żołnierzy."
    jan6, jan7 = day(date(2022, 1, 6)), day(date(2022, 1, 7))
    january = DateValue(date(2022, 1, 1), "month")
    assert compare(_fact(text, jan6), _fact(text, jan6, "b")).merged
    assert not compare(_fact(text, jan6), _fact(text, jan7, "b")).merged
    assert not compare(_fact(text, jan6), _fact(text, january, "b")).merged
    assert not compare(_fact(text, jan6, topics=("csto",)), _fact(text, jan6, "b", ("wojna",))).merged


def test_a_chain_of_near_matches_does_not_sweep_two_happenings_together() -> None:
    """Each fact joins an event only when it matches every fact already in it."""
    jan6 = day(date(2022, 1, 6))
    arrival = _fact("Do Kazachstanu przybył kontyngent ODKB złożony z rosyjskich żołnierzy i oficerów.", jan6, "a")
    both = _fact("Do Kazachstanu przybył kontyngent ODKB, a w Ałmaty rosyjscy żołnierze przejęli lotnisko.", jan6, "b")
    airport = _fact("W Ałmaty rosyjscy żołnierze przejęli lotnisko i wieżę kontroli lotów.", jan6, "c")
    assert compare(arrival, both).merged and compare(both, airport).merged
    assert not compare(arrival, airport).merged
    events = build_events([arrival, both, airport])
    assert sorted(len(e.facts) for e in events) == [1, 2]


def test_events_explain_says_which_facts_were_merged_and_why(grown: Briefing) -> None:
    lines = explain(grown.knowledge.events)
    merged = [e for e in grown.knowledge.events if len(e.facts) > 1]
    assert sum(not line.startswith(" ") for line in lines) == len(merged)
    joined = [line for line in lines if "joined:" in line]
    assert len(joined) == sum(len(e.facts) - 1 for e in merged)
    assert any("the same sentence" in line for line in joined)
    assert any("the same action ~arrive" in line for line in joined)


# --- headlines -------------------------------------------------------------------------------------


def test_a_headline_drops_the_date_and_a_reporting_opening() -> None:
    fact = _fact(
        "Jak przypomniał dziennik, 6 stycznia Rosja wysłała do Kazachstanu ponad 2 tys. żołnierzy.",
        day(date(2022, 1, 6)),
        mention="6 stycznia",
    )
    assert headline(fact) == "Rosja wysłała do Kazachstanu ponad 2 tys. żołnierzy."


def test_a_long_sentence_gives_the_clause_that_holds_the_date() -> None:
    text = (
        "Prezydent, który wcześniej zapowiadał twardą odpowiedź na zamieszki w wielu miastach kraju, "
        "podkreślał wielokrotnie rolę sojuszników i mówił o zagrożeniu z zewnątrz, a 6 stycznia do "
        "Ałmaty przybyli pierwsi żołnierze rosyjscy, co potwierdziło ministerstwo obrony w Moskwie "
        "w specjalnym komunikacie wydanym wieczorem."
    )
    result = headline(_fact(text, day(date(2022, 1, 6)), mention="6 stycznia"))
    assert result.startswith("Do Ałmaty przybyli pierwsi żołnierze rosyjscy")
    assert "zapowiadał" not in result and len(result) <= HEADLINE_LIMIT


def test_a_headline_is_cut_at_a_word_within_the_limit() -> None:
    text = "W Kazachstanie " + " ".join(["protestujący domagali się obniżenia cen paliw"] * 8) + "."
    result = headline(_fact(text, day(date(2022, 1, 6))))
    assert len(result) <= HEADLINE_LIMIT and result.endswith("…")
    assert text.startswith(result[:-1])
    assert text[len(result) - 1] == " "  # the cut falls between words


@pytest.mark.parametrize(
    "request_text", ["/timeline", "/timeline 2022-01", "/csto", "/onthisday 01-06", "/search Kazachstan"]
)
def test_no_listed_line_runs_past_the_headline_limit(grown: Briefing, request_text: str) -> None:
    for card in grown.ask(request_text).cards:
        for line in card.lines:
            headline_only = line.text.split(" (")[0]
            assert len(headline_only) <= HEADLINE_LIMIT, line.text
            assert not line.fact_id  # ids are reached through /sources, not on every line


# --- the way to the quotes ---------------------------------------------------------------------------


def test_sources_of_a_day_and_of_an_event_give_every_quote(grown: Briefing) -> None:
    event = next(e for e in grown.knowledge.events if len(e.facts) == 4 and e.value.start == date(2022, 1, 6))
    for asked in (f"/sources {event.id}", "/sources 2022-01-06"):
        reply = grown.ask(asked)
        ids = {line.fact_id for card in reply.cards for line in card.lines}
        assert {f.id for f in event.facts} <= ids, asked
    fact_card = grown.ask(f"/sources {event.facts[1].id}").cards[0]
    assert any(event.id in field.value for field in fact_card.fields)  # a merged fact names its event


# --- events --json ---------------------------------------------------------------------------------


def test_events_json_has_the_documented_keys(grown: Briefing, tmp_path: Path) -> None:
    content = corpus(tmp_path)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "--content",
            str(content),
            "--data",
            str(tmp_path / "data"),
            "events",
            "--json",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == len(grown.knowledge.events)
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    documented = readme.split("events --json", 1)[1].split("```json", 1)[1].split("```", 1)[0]
    assert list(rows[0]) == list(json.loads(documented))
    merged = next(row for row in rows if len(row["facts"]) == 4 and row["date"] == "2022-01-02")
    assert merged["precision"] == "day" and merged["end"] is None and len(merged["articles"]) == 4


def test_a_clause_opened_by_po_tym_jak_is_left_out_of_a_long_headline() -> None:
    text = (
        "Od rana 5 stycznia w całym kraju obowiązuje stan wyjątkowy po tym jak prezydent przyjął dymisję "
        "rządu, przejął kierowanie Radą Bezpieczeństwa i zapowiedział twarde działania wobec uczestników "
        "zamieszek w Ałmaty."
    )
    fact = _fact(text, day(date(2022, 1, 5)), mention="5 stycznia")
    assert headline(fact) == "Od rana w całym kraju obowiązuje stan wyjątkowy"
