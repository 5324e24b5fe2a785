"""``briefing-bot export`` end to end, run as ``python -m bot`` from this checkout."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from icalendar import Calendar

from tests.conftest import REPO


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory, bundled_data: Path) -> Path:
    """./content and ./data, copies of the bundled ones (the store matches: no extraction)."""
    folder = tmp_path_factory.mktemp("export")
    shutil.copytree(REPO / "content", folder / "content")
    shutil.copytree(bundled_data, folder / "data")
    return folder


def run_bot(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFING_")}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=workdir, env=env, timeout=120
    )


def test_json_is_what_events_json_prints(workdir: Path) -> None:
    exported = run_bot(workdir, "export", "json")
    listed = run_bot(workdir, "events", "--json")
    assert exported.returncode == listed.returncode == 0, exported.stderr
    records = [json.loads(line) for line in exported.stdout.splitlines()]
    assert len(records) > 10 and all(isinstance(r, dict) for r in records)
    assert records == [json.loads(line) for line in listed.stdout.splitlines()]


def test_filters_reach_the_export(workdir: Path) -> None:
    result = run_bot(workdir, "export", "csv", "--topic", "csto", "--from", "2022-01-06", "--to", "2022-01-06")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    assert rows and all("csto" in row["topics"].split(" | ") for row in rows)
    assert all(row["date"] <= "2022-01-06" for row in rows)
    everything = list(csv.DictReader(io.StringIO(run_bot(workdir, "export", "csv").stdout, newline="")))
    assert len(rows) < len(everything)


def test_output_to_a_file(workdir: Path, tmp_path: Path) -> None:
    target = tmp_path / "rocznice.ics"
    result = run_bot(workdir, "export", "ics", "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    calendar = Calendar.from_ical(target.read_bytes())
    assert calendar.walk("VEVENT")


@pytest.mark.parametrize(
    ("args", "accepted"),
    [
        (["xml"], "timelinejs, csv, ics, json"),
        (["csv", "--topic", "brexit"], "csto, protesty, wojna"),
        (["csv", "--from", "2022-13-01"], "YYYY-MM-DD"),
        (["csv", "--to", "wczoraj"], "YYYY-MM-DD"),
        (["timelinejs", "--facts"], "csv only"),
    ],
)
def test_a_bad_invocation_is_one_line(workdir: Path, args: list[str], accepted: str) -> None:
    result = run_bot(workdir, "export", *args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    assert accepted in result.stderr


def test_png_is_written_to_a_file_only(workdir: Path, tmp_path: Path) -> None:
    target = tmp_path / "timeline.png"
    written = run_bot(workdir, "export", "png", "--topic", "wojna", "-o", str(target))
    assert written.returncode == 0, written.stderr
    assert target.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    refused = run_bot(workdir, "export", "png")
    assert refused.returncode == 2 and "-o FILE" in refused.stderr and refused.stdout == ""
