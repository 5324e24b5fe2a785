"""The briefing-bot command, invoked end to end as a user would (the installed console script)."""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest

from bot.cli import main, prepare_lemmas

REPO = Path(__file__).resolve().parent.parent
CONTRACT_KEYS = ["id", "date", "precision", "end", "text", "quote", "article", "topics", "origin", "figures"]
FIGURE_KEYS = ["value", "qualifier", "unit", "quantity", "text"]


def _next_6_january(today: date) -> date:
    return date(today.year if (today.month, today.day) <= (1, 6) else today.year + 1, 1, 6)


#: The one date these tests take from the real clock, because the command they run reads it:
#: `digest run --date` refuses a day older than its delivery log's week. The next 6 January (the
#: bundled anniversaries' day) is never that, whatever day the suite runs.
DIGEST_DAY = _next_6_january(date.today())


def run_cli(*args: str, cwd: Path | None = None, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFING_")}
    executable = shutil.which("briefing-bot", path=str(Path(sys.executable).parent)) or "briefing-bot"
    return subprocess.run(
        [executable, *args], capture_output=True, text=True, cwd=cwd or REPO, env=env, input=stdin, timeout=120
    )


@pytest.fixture
def workdir(tmp_path: Path, content_dir: Path, bundled_data: Path) -> Path:
    """A folder laid out like the repository: ./content and ./data, copies of the bundled ones.

    The copied fact store matches the content, so the commands skip extraction (seconds each).
    """
    shutil.copytree(bundled_data, tmp_path / "data")
    return tmp_path


def test_ask_prints_the_timeline_of_january(workdir: Path) -> None:
    result = run_cli("ask", "/timeline 2022-01", cwd=workdir)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("Oś czasu: styczeń 2022")
    assert out.index("2 stycznia 2022 — Protesty w Kazachstanie wybuchły") < out.index("6 stycznia 2022 — Na prośbę")
    assert "[1] " in out


def test_ask_unknown_command_exits_0_and_says_so(workdir: Path) -> None:
    result = run_cli("ask", "/nope", cwd=workdir)
    assert result.returncode == 0
    assert "Nie znam komendy /nope" in result.stdout


def test_ask_in_english(workdir: Path) -> None:
    result = run_cli("ask", "--lang", "en", "/onthisday 01-06", cwd=workdir)
    assert result.returncode == 0
    assert "On this day: 6 January" in result.stdout
    assert "6 January 2022 · " in result.stdout


def test_global_options_before_and_after_the_subcommand(tmp_path: Path, content_dir: Path) -> None:
    data = tmp_path / "elsewhere"
    before = run_cli("--content", str(content_dir), "--data", str(data), "ask", "/csto")
    after = run_cli("ask", "/csto", "--content", str(content_dir), "--data", str(data))
    assert before.returncode == after.returncode == 0
    assert before.stdout == after.stdout and "ODKB (CSTO) w Kazachstanie" in before.stdout
    assert list((data / "facts").glob("shard-*.db"))


def test_facts_json_keeps_the_contract(workdir: Path) -> None:
    result = run_cli("facts", "--json", cwd=workdir)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) > 10
    for record in records:
        assert list(record) == CONTRACT_KEYS
        assert record["precision"] in ("day", "month", "year", "range")
        date.fromisoformat(record["date"])
        assert (record["end"] is None) == (record["precision"] != "range")
        assert record["origin"] in ("extracted", "curated")
        assert isinstance(record["topics"], list) and record["quote"]
        assert all(list(figure) == FIGURE_KEYS for figure in record["figures"])
    arrival = next(r for r in records if "dwutysięczny kontyngent" in r["quote"])
    assert (arrival["date"], arrival["precision"], arrival["article"]) == (
        "2022-01-06",
        "day",
        "odmowa-udzialu-w-wojnie",
    )
    night = next(r for r in records if r["quote"].startswith("W nocy z piątku na sobotę"))
    assert (night["date"], night["end"], night["precision"]) == ("2022-02-25", "2022-02-26", "range")
    assert len({r["id"] for r in records}) == len(records)
    detained = next(r for r in records if r["quote"].startswith("Policja zatrzymała w ciągu ostatnich siedmiu dni"))
    assert detained["figures"] == [
        {"value": 5000, "qualifier": "ponad", "unit": None, "quantity": "detained", "text": "ponad 5 tysięcy osób"},
    ]


def test_content_check_valid_and_invalid(workdir: Path, content_dir: Path) -> None:
    ok = run_cli("content", "check", cwd=workdir)
    assert ok.returncode == 0 and ok.stdout.count("\n") == 1
    assert "5 articles, 3 topics" in ok.stdout
    broken = content_dir / "articles" / "broken.md"
    broken.write_text('+++\ntitle = "x"\noutlet = "y"\npublished = "2022-01-06"\n+++\nTekst.\n', encoding="utf-8")
    bad = run_cli("content", "check", cwd=workdir)
    assert bad.returncode == 1
    assert bad.stdout.startswith(f"{Path('content') / 'articles' / 'broken.md'}:4: 'published' must be")


def test_a_broken_file_does_not_stop_the_others(workdir: Path, content_dir: Path) -> None:
    (content_dir / "articles" / "broken.md").write_bytes(b"+++\ntitle = \xff\n+++\n")
    result = run_cli("ask", "/sources", cwd=workdir)
    assert result.returncode == 0
    assert "Gazeta.pl" in result.stdout
    assert "broken.md:2: not UTF-8" in result.stderr


def test_broken_invocations_exit_2(workdir: Path, tmp_path: Path) -> None:
    assert run_cli("ask", cwd=workdir).returncode == 2
    assert run_cli("frobnicate", cwd=workdir).returncode == 2
    missing = run_cli("ask", "/start", "--content", str(tmp_path / "nowhere"), cwd=workdir)
    assert missing.returncode == 2 and "content folder does not exist" in missing.stderr
    (workdir / "config.toml").write_text('timezone = "Mars/Olympus"\n', encoding="utf-8")
    config = run_cli("ask", "/start", cwd=workdir)
    assert config.returncode == 2
    assert "config.toml: timezone: unknown time zone 'Mars/Olympus'" in config.stderr


def test_chat_runs_commands_from_standard_input(workdir: Path) -> None:
    result = run_cli("chat", cwd=workdir, stdin="/timeline\n/next\n/quit\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Cześć! Tu briefing-bot")
    assert "Strona 1/" in result.stdout and "Strona 2/" in result.stdout


def test_run_without_tokens_opens_the_console(workdir: Path) -> None:
    result = run_cli("run", cwd=workdir, stdin="/csto\n")
    assert result.returncode == 0
    assert "ODKB (CSTO) w Kazachstanie" in result.stdout


def test_main_in_process_for_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for name in ("run", "chat", "ask", "facts", "content"):
        assert name in out
    assert "/onthisday [MM-DD]" in out


def test_help_lists_every_chat_command_from_the_command_table(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.briefings.commands import BUILTIN

    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for spec in BUILTIN:
        assert f"  {spec.usage('en')}" in out and spec.summary["en"] in out, spec.name


def _subscribe(data: Path, *targets: str) -> None:
    from bot.digests.compose import Subscription, Target
    from bot.digests.state import StateStore

    StateStore(data).put_subscriptions([Subscription(Target.from_key(key)) for key in targets])


def test_digest_list_and_dry_run(workdir: Path) -> None:
    _subscribe(workdir / "data", "telegram:-100:", "discord:555:")
    listed = run_cli("digest", "list", cwd=workdir)
    assert listed.returncode == 0
    assert listed.stdout.splitlines() == [
        "discord:555:  09:00 Europe/Warsaw  empty=skip  topics=all  last=never",
        "telegram:-100:  09:00 Europe/Warsaw  empty=skip  topics=all  last=never",
    ]
    dry = run_cli("digest", "run", "--date", DIGEST_DAY.isoformat(), "--dry-run", cwd=workdir)
    assert dry.returncode == 0
    assert dry.stdout.count("Tego dnia: 6 stycznia") == 2
    assert "6 stycznia 2022 · " in dry.stdout and " lat temu" in dry.stdout
    empty = run_cli(
        "digest", "run", "--date", DIGEST_DAY.replace(month=11, day=22).isoformat(), "--dry-run", cwd=workdir
    )
    assert empty.stdout.count("(no anniversaries: nothing would be sent)") == 2
    assert run_cli("digest", "run", "--date", "2027-02-30", cwd=workdir).returncode == 2


def test_digest_list_reports_a_subscription_it_cannot_read(workdir: Path) -> None:
    _subscribe(workdir / "data", "telegram:-100:")
    state = workdir / "data" / "state.json"
    stored = json.loads(state.read_text(encoding="utf-8"))
    stored["subscriptions"]["2"] = {**stored["subscriptions"]["1"], "key": "telegram:-200:", "time": "25:99"}
    state.write_text(json.dumps(stored), encoding="utf-8")
    listed = run_cli("digest", "list", cwd=workdir)
    assert listed.returncode == 1
    assert [line.split()[0] for line in listed.stdout.splitlines()] == ["telegram:-100:"]
    assert (
        f"{Path('data') / 'state.json'}: subscription 'telegram:-200:' skipped: its time '25:99' is not HH:MM"
        in listed.stderr
    )
    assert "Traceback" not in listed.stderr


def test_digest_run_delivers_once_through_telegram(workdir: Path) -> None:
    import asyncio

    from tests.platforms.telegram.fake_telegram import FakeBotApi

    token = "123456789:AAFakeTokenForTheLoopbackServer_0123"
    _subscribe(workdir / "data", "telegram:-100:", "telegram:-200:", "discord:555:")

    async def main() -> tuple[list[str], int]:
        async with FakeBotApi(token) as api:
            (workdir / "config.toml").write_text(f'[telegram]\nbase_url = "{api.base_url}"\n', encoding="utf-8")
            env = {**os.environ, "BRIEFING_TELEGRAM_TOKEN": token}
            env.pop("BRIEFING_DISCORD_TOKEN", None)
            executable = shutil.which("briefing-bot", path=str(Path(sys.executable).parent)) or "briefing-bot"
            outputs = []
            for _ in range(2):
                process = await asyncio.create_subprocess_exec(
                    executable,
                    "digest",
                    "run",
                    "--date",
                    DIGEST_DAY.isoformat(),
                    cwd=workdir,
                    env=env,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.PIPE,
                )
                out, err = await asyncio.wait_for(process.communicate(), 60)
                assert process.returncode == 0, err.decode()
                assert token not in err.decode()
                outputs.append(out.decode() + err.decode())
            return outputs, len(api.sent())

    outputs, sent = asyncio.run(main())
    assert sent == 2
    assert "telegram:-100:  sent" in outputs[0] and "telegram:-200:  sent" in outputs[0]
    assert "skipped discord:555: (no discord token)" in outputs[0]
    assert "sent" not in outputs[1].replace("skipped", "")  # the second run sends nothing


def test_content_check_explain_shows_dates_figures_and_errata(workdir: Path) -> None:
    result = run_cli("content", "check", "--explain", "content/articles/zamieszki-w-kazachstanie.md", cwd=workdir)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "date   '07.01.2022 r.' → 2022-01-07 (day, full: 7 stycznia 2022)" in out
    assert "erratum: '06.01.2021 r.' corrected, read as: 06.01.2022 r. szereg budynków" in out
    assert "figure 'ponad 3000 osób' → ponad 3000, counts osób; quantity detained (zatrzymani)" in out
    assert "figure '400' → 400; no quantity (add words to quantities.toml)" in out
    lines = (workdir / "content" / "articles" / "zamieszki-w-kazachstanie.md").read_text(encoding="utf-8").split("\n")
    number = next(n for n, line in enumerate(lines, 1) if "Od  rana" in line)  # the sentence starts mid-line
    assert f"content/articles/zamieszki-w-kazachstanie.md:{number}: Od rana 05.01.2021 r. w kraju" in out


def test_content_check_explain_of_a_broken_file(workdir: Path) -> None:
    broken = workdir / "content" / "articles" / "zepsuty.md"
    broken.write_text('+++\ntitle = "x"\n+++\nTekst.\n', encoding="utf-8")
    result = run_cli("content", "check", "--explain", str(broken), cwd=workdir)
    assert result.returncode == 1
    assert result.stdout.startswith(f"{Path('content') / 'articles' / 'zepsuty.md'}:1: missing required key 'outlet'")


HOLD = """
import sys
from pathlib import Path
from bot.app import holding
with holding(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.read()
"""


def test_one_process_at_a_time_writes_a_data_folder(workdir: Path) -> None:
    """A digest run beside a running bot, or a second bot, would overwrite the other's state and
    send digests twice: it is refused with a message, and goes ahead once the other has stopped,
    even when that one was killed."""
    _subscribe(workdir / "data", "telegram:-100:")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(workdir / "data")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        refused = run_cli("digest", "run", "--date", DIGEST_DAY.isoformat(), cwd=workdir)
        assert refused.returncode == 2
        assert "in use by another briefing-bot process" in refused.stderr
        env = {**os.environ, "BRIEFING_TELEGRAM_TOKEN": "123456789:AAFakeTokenForTheLoopbackServer_0123"}
        second_bot = subprocess.run(
            [sys.executable, "-m", "bot.cli", "run"], capture_output=True, text=True, cwd=workdir, env=env, timeout=120
        )
        assert second_bot.returncode == 2 and "in use by another briefing-bot process" in second_bot.stderr
        assert (
            run_cli("digest", "run", "--date", DIGEST_DAY.isoformat(), "--dry-run", cwd=workdir).returncode == 0
        )  # reads
        assert run_cli("digest", "list", cwd=workdir).returncode == 0
    finally:
        holder.kill()
        holder.wait()
    after = run_cli("digest", "run", "--date", DIGEST_DAY.isoformat(), cwd=workdir)
    assert after.returncode == 0, after.stderr
    assert "skipped telegram:-100: (no telegram token)" in after.stderr


def test_a_data_folder_that_cannot_be_made_is_an_error_not_a_traceback(workdir: Path) -> None:
    """The bot takes the data folder's lock first: a folder it cannot make is a message."""
    (workdir / "not-a-folder").write_text("", encoding="utf-8")
    env = {**os.environ, "BRIEFING_TELEGRAM_TOKEN": "123456789:AAFakeTokenForTheLoopbackServer_0123"}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--data", str(workdir / "not-a-folder" / "data"), "run"],
        capture_output=True,
        text=True,
        cwd=workdir,
        env=env,
        timeout=120,
    )
    assert done.returncode == 2
    assert "cannot use the data folder" in done.stderr and "Traceback" not in done.stderr


def test_version_is_the_project_version(workdir: Path) -> None:
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    result = run_cli("--version", cwd=workdir)
    assert result.returncode == 0
    assert result.stdout == f"briefing-bot {project['version']}\n"


def test_digest_run_without_subscriptions_says_so(workdir: Path) -> None:
    for extra in (["--dry-run"], []):
        result = run_cli("digest", "run", "--date", DIGEST_DAY.isoformat(), *extra, cwd=workdir)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("no digest subscriptions in data: nothing ")
        assert "/digest on" in result.stdout


def test_digest_run_with_no_subscription_due_says_so(workdir: Path) -> None:
    from dataclasses import replace

    from bot.digests.compose import Subscription, Target
    from bot.digests.state import StateStore

    StateStore(workdir / "data").put_subscriptions(
        [replace(Subscription(Target.from_key("telegram:-100:")), paused=True)]
    )
    result = run_cli("digest", "run", "--date", DIGEST_DAY.isoformat(), "--dry-run", cwd=workdir)
    assert result.stdout == (
        f"none of the 1 subscription(s) is due the digest of {DIGEST_DAY} "
        "(each has had it or is paused): nothing would be sent\n"
    )


class _Terminal(io.StringIO):
    """What stderr is in a terminal, as far as the progress display asks; it counts the updates."""

    def __init__(self, updates_wanted: int = 0) -> None:
        super().__init__()
        self.updated = threading.Event()
        self.updates_wanted = updates_wanted

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        written = super().write(text)
        if self.getvalue().count("\r") > self.updates_wanted:
            self.updated.set()
        return written


MESSAGE = "Building the Polish word dictionary (once on this machine, about 10 s)…"


def test_building_the_lemma_dictionary_shows_progress_on_a_terminal() -> None:
    terminal = _Terminal(updates_wanted=1)
    built = []
    prepare_lemmas(terminal, ready=lambda: False, build=lambda: built.append(terminal.updated.wait(30)))
    assert built == [True]  # the build went on while the display counted the seconds
    shown = terminal.getvalue()
    assert shown.startswith(f"\r{MESSAGE} 0 s\r{MESSAGE} ") and shown.endswith(" s, done.\n")
    assert shown.count("\n") == 1


def test_progress_shows_a_short_build_and_a_failed_one() -> None:
    terminal = _Terminal()
    prepare_lemmas(terminal, ready=lambda: False, build=lambda: None)
    assert terminal.getvalue() == f"\r{MESSAGE} 0 s\r{MESSAGE} 0 s, done.\n"

    def broken() -> None:
        raise KeyboardInterrupt

    terminal = _Terminal()
    with pytest.raises(KeyboardInterrupt):
        prepare_lemmas(terminal, ready=lambda: False, build=broken)
    assert terminal.getvalue().endswith(" s\n") and "done" not in terminal.getvalue()


def test_no_progress_off_a_terminal_and_none_once_built(caplog: pytest.LogCaptureFixture) -> None:
    log_file, built = io.StringIO(), []
    with caplog.at_level(logging.DEBUG, logger="bot"):
        prepare_lemmas(log_file, ready=lambda: False, build=lambda: built.append(1))
    assert built == [1] and log_file.getvalue() == ""
    assert len([r for r in caplog.records if r.name == "bot"]) == 1  # one log line says so, no more
    terminal = _Terminal()
    prepare_lemmas(terminal, ready=lambda: True, build=lambda: built.append(2))
    assert built == [1] and terminal.getvalue() == ""


def test_content_check_reports_control_characters(workdir: Path, content_dir: Path) -> None:
    (content_dir / "articles" / "nul.md").write_bytes(
        b'+++\ntitle = "x"\noutlet = "y"\npublished = 2022-01-06\n+++\nTekst z 6 stycznia 2022\x00 r.\n'
    )
    result = run_cli("content", "check", cwd=workdir)
    assert result.returncode == 1
    assert result.stdout == (
        f"{Path('content') / 'articles' / 'nul.md'}:6: a control character (U+0000) in the "
        "text, read as a space: remove it\n"
    )
    assert "Traceback" not in result.stderr


def test_ask_for_a_chart_gives_its_caption_and_the_export_command(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content, data = str(workdir / "content"), str(workdir / "data")
    assert main(["ask", "--lang", "en", "/timeline 2022-01 chart", "--content", content, "--data", data]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Chart: January 2022\n")
    assert out.rstrip().endswith(
        "this writes the chart to a file: briefing-bot export png --from 2022-01-01 --to 2022-01-31 -o timeline.png"
    )
