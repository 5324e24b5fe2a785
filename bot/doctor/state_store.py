"""The state store check: the TinyDB file readable, or the PostgreSQL database reachable with the
bot's tables; and the other processes that share it, with their content hashes."""

from __future__ import annotations

from datetime import datetime

from bot.base.errors import StoreError
from bot.briefings.service import content_hash
from bot.digests.processes import RECENT
from bot.digests.state import STATE_FILE
from bot.digests.state_store import redact_url
from bot.doctor.checks import Finding, Setup, failed

NAME = "state store"


async def state_store(setup: Setup) -> list[Finding]:
    settings = setup.settings
    url = settings.state
    state = setup.state
    if setup.state_error:
        fix = (
            "check the URL (state, or BRIEFING_STATE), that the server runs and lets this user in"
            if url
            else "restore the file from a backup or move it away"
        )
        return [failed(NAME, setup.state_error, fix)]
    if url is None:
        path = settings.data / STATE_FILE
        if state is None:
            return [Finding(NAME, f"{path} (TinyDB) does not exist yet; the bot makes it at start")]
        findings = [Finding(NAME, f"{path} (TinyDB): readable, {len(setup.subscriptions)} subscription(s)")]
    else:
        where = redact_url(url)
        if state is None:
            from bot.digests.state_postgres import TABLES  # psycopg only when asked for

            missing = setup.missing_tables
            tables = "no tables yet" if missing == list(TABLES) else f"tables missing: {', '.join(missing)}"
            return [
                Finding(
                    NAME,
                    f"{where} (PostgreSQL): reachable, {tables}; the bot creates them at start "
                    "(its user needs CREATE on the database)",
                )
            ]
        findings = [
            Finding(
                NAME, f"{where} (PostgreSQL): reachable, tables present, {len(setup.subscriptions)} subscription(s)"
            )
        ]
    return findings + _processes(setup)


def _processes(setup: Setup) -> list[Finding]:
    """The processes seen lately and their content hashes, against this content folder's."""
    assert setup.state is not None
    try:
        records = setup.state.processes()
    except StoreError as error:
        return [failed("processes", str(error), "check the database")]
    now = setup.clock()
    recent = [r for r in records if datetime.fromisoformat(r["seen"]) >= now - RECENT]
    ours = content_hash(setup.content)
    minutes = int(RECENT.total_seconds() // 60)
    if not recent:
        return [Finding("processes", f"none seen in the last {minutes} minutes; this content folder's hash {ours}")]
    seen = ", ".join(f"{r['host']} ({r['content']})" for r in sorted(recent, key=lambda r: r["id"]))
    others = sorted({r["content"] for r in recent if r["content"] != ours})
    if others:
        return [
            failed(
                "processes",
                f"seen in the last {minutes} minutes: {seen}; their content differs from this folder's ({ours})",
                "give every process the same content files, or run the doctor where they run",
            )
        ]
    return [Finding("processes", f"seen in the last {minutes} minutes: {seen}; the same content as this folder's")]
