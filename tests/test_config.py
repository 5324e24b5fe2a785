"""Settings: file, environment and options; errors name the file and key; tokens stay secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.base.errors import ConfigError
from bot.config import Settings, load_settings, token_sections

TOKEN = "123456789:AAtest-token-that-must-never-be-printed"


def test_defaults_without_a_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BRIEFING_TELEGRAM_TOKEN", raising=False)
    settings = load_settings()
    assert (settings.content, settings.data, settings.timezone) == (Path("content"), Path("data"), "Europe/Warsaw")
    assert settings.telegram.token is None and settings.config_file is None


def test_file_paths_are_relative_to_the_file_and_options_win(tmp_path: Path) -> None:
    config = tmp_path / "conf" / "bot.toml"
    config.parent.mkdir()
    config.write_text('content = "articles"\ndata = "state"\nlanguage = "en"\n', encoding="utf-8")
    settings = load_settings(config)
    assert settings.content == tmp_path / "conf" / "articles"
    assert settings.language == "en"
    assert load_settings(config, data=Path("/x")).data == Path("/x")


def test_telegram_rate_from_the_file(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[telegram]\nmax_rate = 25.5\n", encoding="utf-8")
    assert load_settings(config).telegram.max_rate == 25.5
    config.write_text("", encoding="utf-8")
    assert load_settings(config).telegram.max_rate == 30


def test_feed_polls_every_30_minutes_unless_the_file_says_otherwise(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("", encoding="utf-8")
    assert load_settings(config).feeds.poll_minutes == 30
    config.write_text("[feeds]\npoll_minutes = 5\n", encoding="utf-8")
    assert load_settings(config).feeds.poll_minutes == 5


def test_the_example_config_is_valid_and_lists_the_defaults() -> None:
    example = Path(__file__).resolve().parent.parent / "config.example.toml"
    assert load_settings(example).feeds == Settings().feeds


def test_environment_token_is_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFING_TELEGRAM_TOKEN", TOKEN)
    config = tmp_path / "c.toml"
    config.write_text('[telegram]\nbase_url = "http://127.0.0.1:8081/bot"\n', encoding="utf-8")
    settings = load_settings(config)
    assert settings.telegram.token is not None
    assert settings.telegram.token.get_secret_value() == TOKEN
    assert TOKEN not in repr(settings) and TOKEN not in str(settings)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('timezone = "Mars/Olympus"', "timezone: unknown time zone 'Mars/Olympus'"),
        ('timezone = "America"', "timezone: unknown time zone 'America'"),  # a folder of zones
        ('timezone = "zone.tab"', "timezone: unknown time zone 'zone.tab'"),
        ('langauge = "en"', "langauge: unknown key"),
        ('[telegram]\nbase_url = "ftp://x"', "telegram.base_url:"),
        ("[telegram]\nmax_rate = 0", "telegram.max_rate: Input should be greater than 0"),
        ("reload_seconds = -1", "reload_seconds: Input should be greater than or equal to 0"),
        ('language = "de"', "language:"),
        ("[feeds]\npoll_minutes = -5", "feeds.poll_minutes: Input should be greater than or equal to 0"),
        ("[feeds]\npoll_minutes = 2000", "feeds.poll_minutes: Input should be less than or equal to 1440"),
        ('[feeds]\npoll_minutes = "often"', "feeds.poll_minutes: Input should be a valid integer"),
        ("content = ", "invalid TOML"),
    ],
)
def test_errors_name_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_settings(config)
    assert str(error.value).startswith(f"{config}: ")
    assert expected in str(error.value)


def test_token_not_echoed_in_errors(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[telegram]\ntoken = "{TOKEN}"\nbase_url = 5\n', encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_settings(config)
    assert TOKEN not in str(error.value)


def test_missing_explicit_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")


def test_a_platform_token_comes_from_its_environment_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no config.toml here
    for name in token_sections():
        monkeypatch.setenv(f"BRIEFING_{name.upper()}_TOKEN", f"{name}-from-env")
    settings = load_settings()
    assert [token.get_secret_value() for token in settings.tokens()] == ["telegram-from-env", "discord-from-env"]


def test_tokens_are_every_platform_sections_and_chat_turns_them_off() -> None:
    assert token_sections() == ["telegram", "discord"]
    settings = Settings.model_validate({"telegram": {"token": "t"}, "discord": {"token": "d", "guild_ids": [1]}})
    assert [token.get_secret_value() for token in settings.tokens()] == ["t", "d"]
    quiet = settings.without_tokens()
    assert quiet.tokens() == [] and quiet.discord.guild_ids == [1]


def test_the_state_store_url_comes_from_the_file_or_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BRIEFING_STATE", raising=False)
    config = tmp_path / "config.toml"
    config.write_text('state = "postgresql://bot@db.example/briefing"\n', encoding="utf-8")
    assert load_settings(config).state == "postgresql://bot@db.example/briefing"
    monkeypatch.setenv("BRIEFING_STATE", "postgresql://bot:pw@other.example/briefing")
    assert load_settings(config).state == "postgresql://bot:pw@other.example/briefing"
    monkeypatch.delenv("BRIEFING_STATE")
    config.write_text("", encoding="utf-8")
    assert load_settings(config).state is None  # data/state.json


def test_a_state_that_is_no_postgresql_url_names_the_key_not_the_password(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('state = "mysql://bot:Sekret99@db.example/briefing"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"config.toml: state: not a postgresql:// URL") as raised:
        load_settings(config)
    assert "Sekret99" not in str(raised.value)
