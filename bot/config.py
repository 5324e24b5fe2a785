"""Settings: loaded and validated once, from CLI options, the environment and a TOML file.

Every key of the file can also come from a ``BRIEFING_`` variable, a section's keys after a double
underscore (``BRIEFING_TELEGRAM__MAX_RATE``), lists and tables as JSON; pydantic-settings reads
them. The layers are kept apart until they are merged, so that an error names where its value came
from: the variable, or the file and key. Precedence: options, environment, file, defaults.

Each chat platform has a section named as it is (``[telegram]``); its token also comes from
``BRIEFING_<PLATFORM>_TOKEN`` (``BRIEFING_TELEGRAM_TOKEN``), is kept as ``SecretStr`` and never
appears in messages or logs. A config file that holds a token and that other users of the machine
can read gets a warning at start-up.
"""

from __future__ import annotations

import difflib
import json
import logging
import os
import re
import shlex
import stat
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict
from pydantic_settings import SettingsError as EnvironmentDecodeError

from bot.base.errors import ConfigError
from bot.base.zones import known_zone
from bot.i18n.messages import DEFAULT_LANGUAGE, Language

log = logging.getLogger(__name__)

DEFAULT_CONFIG = Path("config.toml")
DEFAULT_CONTENT = Path("content")
DEFAULT_DATA = Path("data")
ENV_PREFIX = "BRIEFING_"
ENV_NESTED = "__"
TOKEN_ENV = ENV_PREFIX + "{section}_TOKEN"
#: ``BRIEFING_`` variables that are no setting but are read elsewhere (bot/language/lemmas.py).
OTHER_VARIABLES = frozenset({"BRIEFING_LEMMA_CACHE"})
#: Fields that are set by ``load_settings`` itself, never by a file or a variable.
INTERNAL = frozenset({"config_file"})


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TelegramSettings(_Section):
    token: SecretStr | None = None
    base_url: str = Field(default="https://api.telegram.org/bot", pattern=r"^https?://\S+$")
    #: Messages a second to all chats together (Telegram allows about 30 without paid broadcasts).
    max_rate: float = Field(default=30.0, gt=0, le=1000)
    #: With it, Telegram posts updates to this address instead of the bot polling (see README).
    webhook_url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    #: Where the webhook server listens; a reverse proxy with TLS forwards ``webhook_url`` here.
    listen: str = Field(default="127.0.0.1", min_length=1, pattern=r"^[\w.:-]+$")
    port: int = Field(default=8443, ge=1, le=65535)
    #: Telegram sends it with every update; none: one is generated at each start.
    secret_token: SecretStr | None = None

    @field_validator("secret_token")
    @classmethod
    def _telegram_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("1 to 256 characters, each a letter A-Z or a-z, a digit, _ or - (Telegram's rule)")
        return value


class DiscordSettings(_Section):
    token: SecretStr | None = None
    guild_ids: list[int] = []
    #: "auto": as many shards as Discord recommends, all in this process (``AutoShardedBot``).
    shards: Literal["auto"] | None = None
    #: The number of shards of the whole bot, over every process; with ``shard_ids``, the shards
    #: this process runs (without, all of them).
    shard_count: int | None = Field(default=None, ge=1)
    shard_ids: list[int] | None = None

    @model_validator(mode="after")
    def _shards_agree(self) -> DiscordSettings:
        if self.shards == "auto" and (self.shard_count is not None or self.shard_ids is not None):
            raise ValueError('shards = "auto" lets Discord choose the shards: leave out shard_count and shard_ids')
        if self.shard_ids is not None:
            if self.shard_count is None:
                raise ValueError("shard_ids needs shard_count, the number of shards over every process")
            if not self.shard_ids:
                raise ValueError("shard_ids is empty: list the shards this process runs, or leave it out for all")
            if len(set(self.shard_ids)) != len(self.shard_ids):
                raise ValueError(f"shard_ids {self.shard_ids} names a shard twice")
            wrong = [shard for shard in self.shard_ids if not 0 <= shard < self.shard_count]
            if wrong:
                raise ValueError(
                    f"shard_ids {wrong} out of range: a shard id is from 0 to shard_count - 1 ({self.shard_count - 1})"
                )
        return self

    @property
    def sharded(self) -> bool:
        """Whether the bot runs as discord.py's ``AutoShardedBot``."""
        return self.shards == "auto" or self.shard_count is not None


class FeedsSettings(_Section):
    #: How often a running bot polls the feeds into the inbox, in minutes (0: never; at most a day).
    poll_minutes: int = Field(default=30, ge=0, le=24 * 60)


class WebSettings(_Section):
    #: The health and metrics endpoints' port; none: ``run`` starts no web side.
    port: int | None = Field(default=None, ge=1, le=65535)
    #: Where they listen: this machine only, unless set (``0.0.0.0`` for every interface).
    host: str = Field(default="127.0.0.1", min_length=1, pattern=r"^[\w.:-]+$")


class Settings(BaseSettings):
    """Every setting. Built in code (``Settings(data=...)``), it reads nothing else: the
    environment and the file come in through ``load_settings`` only."""

    model_config = SettingsConfigDict(
        extra="forbid",
        frozen=True,
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=ENV_NESTED,
        env_ignore_empty=True,  # compose's ``${VAR:-}``: unset, not an empty token or port
        case_sensitive=False,
    )

    content: Path = DEFAULT_CONTENT
    data: Path = DEFAULT_DATA
    language: Language = DEFAULT_LANGUAGE
    timezone: str = "Europe/Warsaw"
    #: How often a running bot looks for added, changed or removed content files (0: never).
    reload_seconds: float = Field(default=10.0, ge=0)
    #: How long a stop (SIGTERM, Ctrl+C) may take: digest sends in flight finish within it.
    grace_seconds: float = Field(default=10.0, gt=0, le=600)
    #: Processes sharing a PostgreSQL state: how often each tries to become the scheduler leader ...
    leader_seconds: float = Field(default=15.0, gt=0, le=60)
    #: ... and looks for due digests that no process has claimed, to send its share.
    sweep_seconds: float = Field(default=5.0, gt=0, le=60)
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

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)

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


def environment_names() -> dict[str, tuple[str, ...]]:
    """Every variable a setting can come from, upper case, with the key it sets: ``BRIEFING_TIMEZONE``,
    ``BRIEFING_TELEGRAM`` (the section as JSON), ``BRIEFING_TELEGRAM__MAX_RATE``, and the platforms'
    ``BRIEFING_TELEGRAM_TOKEN``. Derived from the models, so a new key needs nothing here."""
    names: dict[str, tuple[str, ...]] = {}
    for name, info in Settings.model_fields.items():
        if name in INTERNAL:
            continue
        names[f"{ENV_PREFIX}{name}".upper()] = (name,)
        if isinstance(info.default, _Section):
            for key in type(info.default).model_fields:
                names[f"{ENV_PREFIX}{name}{ENV_NESTED}{key}".upper()] = (name, key)
    for section in token_sections():
        names[TOKEN_ENV.format(section=section.upper())] = (section, "token")
    return names


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


Key = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a setting's value came from: a file, a variable or an option (``name``), which
    stands for the first ``depth`` parts of the key (a file for none, ``BRIEFING_WEB__PORT`` for
    both)."""

    kind: str  # "file", "environment" or "option"
    name: str
    depth: int = 0

    def where(self, key: tuple[str | int, ...]) -> str:
        rest = ".".join(str(part) for part in key[self.depth :])
        return f"{self.name}: {rest}" if rest else self.name


@dataclass(frozen=True, slots=True)
class LoadedSettings:
    """Valid settings, where each key that is not a default came from, and what to warn about."""

    settings: Settings
    origins: dict[Key, Origin] = field(default_factory=dict)
    unknown_variables: list[str] = field(default_factory=list)  # a message each
    readable_file: str | None = None  # the warning of ``readable_by_others``

    @property
    def warnings(self) -> list[str]:
        return [*([self.readable_file] if self.readable_file else []), *self.unknown_variables]


def _leaves(values: Mapping[str, Any], prefix: Key = ()) -> Iterator[Key]:
    for key, value in values.items():
        if isinstance(value, dict) and value:
            yield from _leaves(value, (*prefix, key))
        else:
            yield (*prefix, key)


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _wants_json(key: Key) -> bool:
    """Whether the variable for ``key`` is read as JSON: a section, a list or a table."""
    info = Settings.model_fields[key[0]]
    if len(key) > 1:
        info = type(info.default).model_fields[key[1]]
    text = str(info.annotation)
    return len(key) == 1 and isinstance(info.default, _Section) or text.startswith(("list", "dict", "set", "tuple"))


def _undecodable(present: Mapping[str, str], names: Mapping[str, Key]) -> str:
    """Which variables hold JSON that does not parse, and what is wrong with it."""
    found = []
    for upper, name in sorted(present.items()):
        if upper in names and _wants_json(names[upper]):
            try:
                json.loads(os.environ[name])
            except json.JSONDecodeError as error:
                found.append(f"{name}: not valid JSON ({error.msg} at character {error.pos}); write a list as [1, 2]")
    return "\n".join(found) or "the environment: a BRIEFING_ variable that should hold JSON does not"


def _from_environment() -> tuple[dict[str, Any], dict[Key, Origin], list[str]]:
    """The settings the ``BRIEFING_`` variables set, where each came from, and the unknown ones."""
    names = environment_names()
    present = {name.upper(): name for name in os.environ if name.upper().startswith(ENV_PREFIX)}
    warnings = []
    for upper, name in sorted(present.items()):
        if upper not in names and upper not in OTHER_VARIABLES:
            close = difflib.get_close_matches(upper, names, n=1, cutoff=0.85)
            hint = f" (did you mean {close[0]}?)" if close else ""
            warnings.append(f"{name} is no setting, and is ignored{hint}")
    try:
        read = EnvSettingsSource(Settings)()
    except EnvironmentDecodeError:
        raise ConfigError(_undecodable(present, names)) from None
    values: dict[str, Any] = {}
    origins: dict[Key, Origin] = {}
    for name, value in read.items():
        whole = f"{ENV_PREFIX}{name}".upper()
        if name in INTERNAL or whole not in names:
            continue
        if isinstance(value, dict) and isinstance(Settings.model_fields[name].default, _Section):
            for key, item in value.items():
                nested = f"{whole}{ENV_NESTED}{key}".upper()
                origin = nested if nested in names and nested in present else whole if whole in present else None
                if origin is None:
                    continue  # an unknown key: warned about above
                values.setdefault(name, {})[key] = item
                origins[(name, key)] = Origin("environment", present[origin], 2 if origin == nested else 1)
        else:
            values[name] = value
            origins[(name,)] = Origin("environment", present[whole], 1)
    for section in token_sections():
        variable = TOKEN_ENV.format(section=section.upper())
        variable = present.get(variable, variable)  # names are not case-sensitive, as above
        token = os.environ.get(variable, "").strip()
        if token and (section, "token") not in origins:
            values.setdefault(section, {})["token"] = token
            origins[(section, "token")] = Origin("environment", variable, 2)
    return values, origins, warnings


def _describe(error: ValidationError, origins: Mapping[Key, Origin], fallback: str) -> str:
    lines = []
    for item in error.errors():
        loc = tuple(item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        origin = next(
            (origins[prefix] for size in range(len(loc), 0, -1) if (prefix := tuple(map(str, loc[:size]))) in origins),
            Origin("file", fallback),
        )
        lines.append(f"{origin.where(loc)}: {message}")
    return "\n".join(lines)


def read_settings(config: Path | None = None, content: Path | None = None, data: Path | None = None) -> LoadedSettings:
    """Settings from the options, the environment and the config file (``./config.toml`` when
    present), in that precedence, with where each key came from; ``ConfigError`` names the
    variable, or the file and key, of each bad value.

    Paths in the config file are relative to the file's folder, in variables to the working one.
    """
    values: dict[str, Any] = {}
    origins: dict[Key, Origin] = {}
    readable = None
    path = config if config is not None else (DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None)
    if path is not None:
        values = _read_config(path)
        readable = readable_by_others(path, values)
        for key in ("content", "data"):
            if isinstance(values.get(key), str):
                values[key] = path.parent / values[key]
        origins = {key: Origin("file", str(path)) for key in _leaves(values)}
    environment, from_environment, unknown = _from_environment()
    values = _merge(values, environment)
    origins |= from_environment
    for option, value in (("content", content), ("data", data)):
        if value is not None:
            values[option] = value
            origins[(option,)] = Origin("option", f"--{option}", 1)
    values["config_file"] = path
    try:
        settings = Settings.model_validate(values)
    except ValidationError as error:
        raise ConfigError(_describe(error, origins, str(path) if path else "settings")) from None
    return LoadedSettings(settings, origins, unknown, readable)


def load_settings(config: Path | None = None, content: Path | None = None, data: Path | None = None) -> Settings:
    """``read_settings``'s settings, its warnings logged."""
    loaded = read_settings(config, content, data)
    for warning in loaded.warnings:
        log.warning("%s", warning)
    return loaded.settings
