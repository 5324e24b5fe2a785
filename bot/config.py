"""Settings: loaded and validated once, from a TOML file, the environment and CLI options.

Each chat platform has a section named as it is (``[telegram]``); its token comes from
``BRIEFING_<PLATFORM>_TOKEN`` (``BRIEFING_TELEGRAM_TOKEN``) or the untracked config file, is kept
as ``SecretStr`` and never appears in messages or logs. A config file that holds a token and that
other users of the machine can read gets a warning at start-up.
"""

from __future__ import annotations

import logging
import os
import shlex
import stat
import tomllib
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)

from bot.base.errors import ConfigError
from bot.base.zones import known_zone
from bot.i18n.messages import DEFAULT_LANGUAGE, Language

log = logging.getLogger(__name__)

DEFAULT_CONFIG = Path("config.toml")
DEFAULT_CONTENT = Path("content")
DEFAULT_DATA = Path("data")
TOKEN_ENV = "BRIEFING_{section}_TOKEN"
STATE_ENV = "BRIEFING_STATE"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TelegramSettings(_Section):
    token: SecretStr | None = None
    base_url: str = Field(default="https://api.telegram.org/bot", pattern=r"^https?://\S+$")
    #: Messages a second to all chats together (Telegram allows about 30 without paid broadcasts).
    max_rate: float = Field(default=30.0, gt=0, le=1000)


class DiscordSettings(_Section):
    token: SecretStr | None = None
    guild_ids: list[int] = []


class FeedsSettings(_Section):
    #: How often a running bot polls the feeds into the inbox, in minutes (0: never; at most a day).
    poll_minutes: int = Field(default=30, ge=0, le=24 * 60)


class WebSettings(_Section):
    #: The health and metrics endpoints' port; none: ``run`` starts no web side.
    port: int | None = Field(default=None, ge=1, le=65535)
    #: Where they listen: this machine only, unless set (``0.0.0.0`` for every interface).
    host: str = Field(default="127.0.0.1", min_length=1, pattern=r"^[\w.:-]+$")


class Settings(_Section):
    content: Path = DEFAULT_CONTENT
    data: Path = DEFAULT_DATA
    language: Language = DEFAULT_LANGUAGE
    timezone: str = "Europe/Warsaw"
    #: How often a running bot looks for added, changed or removed content files (0: never).
    reload_seconds: float = Field(default=10.0, ge=0)
    telegram: TelegramSettings = TelegramSettings()
    discord: DiscordSettings = DiscordSettings()
    feeds: FeedsSettings = FeedsSettings()
    web: WebSettings = WebSettings()
    #: Where the state store lives: a ``postgresql://`` URL; unset, ``state.json`` in the data folder.
    state: str | None = None
    config_file: Path | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if not known_zone(value):
            raise ValueError(f"unknown time zone {value!r} (use a name such as 'Europe/Warsaw')")
        return value

    @field_validator("state")
    @classmethod
    def _state_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("postgresql://", "postgres://")):
            raise ValueError(
                "not a postgresql:// URL (leave it unset for data/state.json)"
            )  # the value may hold a password
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def tokens(self) -> list[SecretStr]:
        """Every platform token that is set, for redaction."""
        return [token for section in token_sections() if (token := getattr(self, section).token) is not None]

    def without_tokens(self) -> Settings:
        """These settings with no platform turned on (``briefing-bot chat``)."""
        return self.model_copy(
            update={section: getattr(self, section).model_copy(update={"token": None}) for section in token_sections()}
        )


def token_sections() -> list[str]:
    """The sections that hold a platform's token: one per chat platform, named as it is."""
    return [
        name
        for name, field in Settings.model_fields.items()
        if isinstance(field.default, _Section) and "token" in type(field.default).model_fields
    ]


def _read_config(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: the config file does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the config file ({error})") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None


def readable_by_others(path: Path, values: dict[str, Any]) -> str | None:
    """A warning when the config file holds a token and its mode lets group or others read it."""
    if os.name != "posix":
        return None
    if not any(isinstance(values.get(section), dict) and values[section].get("token") for section in token_sections()):
        return None
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if not mode & (stat.S_IRGRP | stat.S_IROTH):
        return None
    return (
        f"{path} holds a bot token and other users of this machine can read it "
        f"({stat.filemode(mode)}); restrict it with: chmod 600 {shlex.quote(str(path))}"
    )


def _describe(error: ValidationError, source: str) -> str:
    lines = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        lines.append(f"{source}: {key}: {message}")
    return "\n".join(lines)


def load_settings(config: Path | None = None, content: Path | None = None, data: Path | None = None) -> Settings:
    """Settings from the config file (``./config.toml`` when present), environment and options.

    Paths in the config file are relative to the file's folder; options win over the file.
    """
    values: dict[str, Any] = {}
    path = config if config is not None else (DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None)
    if path is not None:
        values = _read_config(path)
        warning = readable_by_others(path, values)
        if warning:
            log.warning("%s", warning)
        for key in ("content", "data"):
            if isinstance(values.get(key), str):
                values[key] = path.parent / values[key]
        values["config_file"] = path
    for section in token_sections():
        token = os.environ.get(TOKEN_ENV.format(section=section.upper()), "").strip()
        if token:
            table = values.setdefault(section, {})
            if isinstance(table, dict):
                table["token"] = token
    state = os.environ.get(STATE_ENV, "").strip()
    if state:
        values["state"] = state
    if content is not None:
        values["content"] = content
    if data is not None:
        values["data"] = data
    try:
        return Settings.model_validate(values)
    except ValidationError as error:
        raise ConfigError(_describe(error, str(path) if path else "settings")) from None
