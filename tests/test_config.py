"""Settings: file, environment and options; errors name the file and key, or the variable; tokens
stay secret."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from bot.base.errors import ConfigError
from bot.config import Settings, environment_names, load_settings, read_settings, token_sections

TOKEN = "123456789:AAtest-token-that-must-never-be-printed"


@pytest.fixture(autouse=True)
def _no_briefing_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the variables a test sets: none the shell that runs the tests may have."""
    for name in os.environ:
        if name.upper().startswith("BRIEFING_"):
            monkeypatch.delenv(name)


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


# --- the environment -----------------------------------------------------------------------------


def test_every_key_comes_from_a_variable_nested_ones_after_a_double_underscore(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BRIEFING_TELEGRAM__MAX_RATE", "20")
    monkeypatch.setenv("BRIEFING_WEB__PORT", "8080")
    monkeypatch.setenv("BRIEFING_TIMEZONE", "Europe/Berlin")
    monkeypatch.setenv("BRIEFING_DISCORD__GUILD_IDS", "[1, 2]")
    monkeypatch.setenv("BRIEFING_DATA", "/srv/briefing")
    settings = load_settings()
    assert settings.telegram.max_rate == 20 and settings.web.port == 8080
    assert settings.timezone == "Europe/Berlin" and settings.discord.guild_ids == [1, 2]
    assert settings.data == Path("/srv/briefing")
    assert settings.web.host == "127.0.0.1"  # the rest of the section keeps its default


def test_a_section_as_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BRIEFING_WEB", '{"port": 9000, "host": "0.0.0.0"}')
    assert load_settings().web.model_dump() == {"port": 9000, "host": "0.0.0.0"}


def test_options_beat_the_environment_which_beats_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text('data = "from-file"\nlanguage = "en"\n[telegram]\nmax_rate = 5\nbase_url = "http://f/bot"\n')
    monkeypatch.setenv("BRIEFING_DATA", "/from-env")
    monkeypatch.setenv("BRIEFING_TELEGRAM__MAX_RATE", "7")
    loaded = read_settings(config)
    settings = loaded.settings
    assert settings.data == Path("/from-env") and settings.telegram.max_rate == 7
    assert settings.language == "en" and settings.telegram.base_url == "http://f/bot"  # the file's, unshadowed
    assert read_settings(config, data=Path("/from-option")).settings.data == Path("/from-option")
    where = {".".join(key): origin.name for key, origin in loaded.origins.items()}
    assert where == {
        "data": "BRIEFING_DATA",
        "language": str(config),
        "telegram.max_rate": "BRIEFING_TELEGRAM__MAX_RATE",
        "telegram.base_url": str(config),
    }


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("BRIEFING_TELEGRAM__MAX_RATE", "0", "BRIEFING_TELEGRAM__MAX_RATE: Input should be greater than 0"),
        ("BRIEFING_TELEGRAM__MAX_RATE", "fast", "BRIEFING_TELEGRAM__MAX_RATE: Input should be a valid number"),
        ("BRIEFING_TIMEZONE", "Mars/Olympus", "BRIEFING_TIMEZONE: unknown time zone 'Mars/Olympus'"),
        ("BRIEFING_WEB__PORT", "70000", "BRIEFING_WEB__PORT: Input should be less than or equal to 65535"),
        ("BRIEFING_DISCORD__GUILD_IDS", "[1, 2", "BRIEFING_DISCORD__GUILD_IDS: not valid JSON"),
        ("BRIEFING_DISCORD__GUILD_IDS", '["x"]', "BRIEFING_DISCORD__GUILD_IDS: 0: Input should be a valid integer"),
        ("BRIEFING_WEB", '{"prot": 1}', "BRIEFING_WEB: prot: unknown key"),
        ("BRIEFING_LANGUAGE", "de", "BRIEFING_LANGUAGE: Input should be"),
    ],
)
def test_a_bad_value_names_its_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[telegram]\nmax_rate = 5\n", encoding="utf-8")  # valid: the variable is to blame
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as error:
        load_settings(config)
    assert str(error.value).startswith(expected)
    assert str(config) not in str(error.value)


def test_unknown_variables_are_warned_about_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BRIEFING_TIMEZON", "Europe/Berlin")
    monkeypatch.setenv("BRIEFING_TELEGRAM__MAX_RAT", "5")
    monkeypatch.setenv("BRIEFING_TELEGRAM_TOKEN", TOKEN)  # the platforms' own variables
    monkeypatch.setenv("BRIEFING_LEMMA_CACHE", str(tmp_path))  # read by the lemmatiser
    loaded = read_settings()
    assert (
        loaded.warnings
        == loaded.unknown_variables
        == [
            "BRIEFING_TELEGRAM__MAX_RAT is no setting, and is ignored (did you mean BRIEFING_TELEGRAM__MAX_RATE?)",
            "BRIEFING_TIMEZON is no setting, and is ignored (did you mean BRIEFING_TIMEZONE?)",
        ]
    )
    assert loaded.settings.timezone == "Europe/Warsaw" and loaded.settings.telegram.max_rate == 30


def test_load_settings_logs_the_warnings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BRIEFING_CONFIG_FILE", "elsewhere.toml")  # set by load_settings only
    with caplog.at_level(logging.WARNING, logger="bot.config"):
        assert load_settings().config_file is None
    assert [record.getMessage() for record in caplog.records] == ["BRIEFING_CONFIG_FILE is no setting, and is ignored"]


def test_both_token_variables_work_and_the_nested_one_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BRIEFING_DISCORD__TOKEN", "discord-nested")
    monkeypatch.setenv("BRIEFING_TELEGRAM_TOKEN", "telegram-old")
    settings = load_settings()
    assert [token.get_secret_value() for token in settings.tokens()] == ["telegram-old", "discord-nested"]
    monkeypatch.setenv("BRIEFING_TELEGRAM__TOKEN", "telegram-nested")
    loaded = read_settings()
    assert loaded.settings.telegram.token is not None
    assert loaded.settings.telegram.token.get_secret_value() == "telegram-nested"
    assert loaded.origins[("telegram", "token")].name == "BRIEFING_TELEGRAM__TOKEN"
    assert "telegram-nested" not in repr(loaded)


def test_an_empty_variable_is_unset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BRIEFING_TELEGRAM__TOKEN", "")  # compose's ${TOKEN:-}
    monkeypatch.setenv("BRIEFING_WEB__PORT", "")
    settings = load_settings()
    assert settings.telegram.token is None and settings.web.port is None


def test_a_token_variable_is_never_echoed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BRIEFING_TELEGRAM", f'{{"token": "{TOKEN}", "max_rate": -1}}')
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert str(error.value) == "BRIEFING_TELEGRAM: max_rate: Input should be greater than 0"


def test_variables_are_derived_from_the_models() -> None:
    names = environment_names()
    for name in Settings.model_fields:
        if name != "config_file":
            assert names[f"BRIEFING_{name.upper()}"] == (name,)
    assert names["BRIEFING_FEEDS__POLL_MINUTES"] == ("feeds", "poll_minutes")
    assert names["BRIEFING_DISCORD_TOKEN"] == ("discord", "token")
    assert "BRIEFING_CONFIG_FILE" not in names


def test_settings_built_in_code_read_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFING_TIMEZONE", "Europe/Berlin")
    assert Settings().timezone == "Europe/Warsaw"


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
