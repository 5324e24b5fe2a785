"""A token revoked while the bot runs: Telegram answers 401 to getUpdates and polling ends for
good, so the bot must say so and exit rather than run on, hearing nothing."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path

from tests.platforms.telegram.fake_telegram import FakeBotApi
from tests.platforms.telegram.test_telegram import TOKEN, ask, visible

REVOKED = "the Telegram token was refused (401): revoked? set a new one in BRIEFING_TELEGRAM_TOKEN"


def test_a_token_revoked_while_polling_ends_the_run_with_a_message(
    tmp_path: Path, content_dir: Path, bundled_data: Path
) -> None:
    shutil.copytree(bundled_data, tmp_path / "data")

    async def main() -> tuple[int | None, str]:
        async with FakeBotApi(TOKEN) as api:
            (tmp_path / "config.toml").write_text(f'[telegram]\nbase_url = "{api.base_url}"\n', encoding="utf-8")
            env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFING_")}
            env["BRIEFING_TELEGRAM_TOKEN"] = TOKEN
            command = shutil.which("briefing-bot", path=str(Path(sys.executable).parent)) or "briefing-bot"
            process = await asyncio.create_subprocess_exec(
                command,
                "run",
                cwd=tmp_path,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            try:
                assert visible(await ask(api, "/start")).startswith("Cześć")  # it runs
                api.token = "987654321:AAAnotherTokenFromBotFather_000000"  # /revoke: every call is now a 401
                _, stderr = await asyncio.wait_for(process.communicate(), 30)  # it stops by itself
            finally:
                if process.returncode is None:
                    process.kill()
                    await process.communicate()
            return process.returncode, stderr.decode()

    code, stderr = asyncio.run(main())
    assert code == 2, stderr[-2000:]
    assert f"briefing-bot: {REVOKED}" in stderr
    assert "Traceback" not in stderr, stderr[-3000:]
    assert TOKEN not in stderr and TOKEN.split(":")[1] not in stderr
