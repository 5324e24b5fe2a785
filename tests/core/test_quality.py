"""Extraction quality never drops silently: the scores on the gold standard are floors.

The floors are today's scores (bench/README.md); raise them when the extractor gets better.
"""

from __future__ import annotations

import pytest

from bench.extraction import CATEGORIES, DATE_CATEGORIES, Report, evaluate

FLOORS = {category: 1.0 for category in CATEGORIES}  # F1 on the bundled articles, 2026-11-22


@pytest.fixture(scope="module")
def report() -> Report:
    return evaluate()


@pytest.mark.parametrize("category", CATEGORIES)
def test_f1_floor(report: Report, category: str) -> None:
    score = report.ours[category]
    assert score.tp + score.fn > 0, f"the gold standard has no {category}"
    assert score.f1 >= FLOORS[category], (category, score)


def test_targets_and_ahead_of_dateparser(report: Report) -> None:
    assert report.ours["dates"].f1 >= 0.95 and report.ours["figures"].f1 >= 0.9
    for category in (*DATE_CATEGORIES, "dates", "figures"):
        assert report.ours[category].f1 >= report.peer[category].f1, category
    assert report.ours["dates"].f1 > report.peer["dates"].f1


def test_the_harness_catches_a_wrong_answer(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A gold file that disagrees with the extractor lowers the score: the harness can fail."""
    import shutil
    from pathlib import Path

    gold = Path(__file__).resolve().parents[1] / "gold"
    copy = tmp_path / "gold"
    shutil.copytree(gold, copy)
    path = copy / "odmowa-udzialu-w-wojnie.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("date = 2022-02-21", "date = 2022-02-14"),
                    encoding="utf-8")
    worse = evaluate(gold_dir=copy, with_peer=False)
    assert worse.ours["weekday"].f1 < 1.0 and worse.ours["weekday"].fp == 1 and worse.ours["weekday"].fn == 1
