"""The Discord adapter: slash commands in, core cards out as embeds with paging buttons.

``create_bot(settings)`` builds the discord.py bot without connecting (for ``run``, the tests and
other tools). Every core command is a slash command with typed, described options; descriptions
are English with localisations in the bot's other languages; an option autocompletes from what
the command table declares. The slash commands are written out (discord.py reads options from a
callback's signature), and a test checks them against the command table. A timeline picture
(``/timeline … chart:True``, or a reply's chart button) is the caption's embed with the PNG
attached, drawn by the process's ``Charts``. It needs no
privileged intents: slash commands bring their own text. A member has a quota of requests in
each channel (``bot.platforms.quota``), as on Telegram. With ``[discord] shards``, ``shard_count``
or ``shard_ids`` it is an ``AutoShardedBot`` (``ShardedBriefingBot``): the same bot on several
gateway connections.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Callable, Coroutine, Sequence
from functools import partial
from typing import Any

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.briefings.arguments import Completion
from bot.briefings.cards import Card, Reply
from bot.briefings.commands import BUILTIN, builtin, with_chart
from bot.briefings.request import Chat
from bot.briefings.service import Briefing
from bot.config import Settings
from bot.digests.chats import Chats
from bot.digests.compose import Target
from bot.digests.delivery import DeliveryFailed, Digests
from bot.digests.open_state import open_state_store
from bot.digests.state_store import StateStore
from bot.export.charts import Charts
from bot.export.selection import ExportError
from bot.i18n.messages import LANGUAGES, Language, in_every_language, t
from bot.knowledge.indexes import Knowledge
from bot.language.lemmas import fold
from bot.platforms.discord.render import render_embed
from bot.platforms.quota import SenderQuota

log = logging.getLogger(__name__)

#: How often a digest that went out unanswered is sent (at once, with the same nonce) before it is
#: given up as interrupted: Discord enforces a nonce only for a few minutes.
UNANSWERED_ATTEMPTS = 3

PLATFORM = "discord"
PAGE_TIMEOUT = 300.0  # seconds a paged reply keeps its buttons
CHART_FILE = "timeline.png"  # the picture's attachment, which the embed shows
NO_MENTIONS = discord.AllowedMentions.none()
_SUMMARY = {spec.name: spec.summary for spec in BUILTIN}
# Option and /digest subcommand descriptions in every language: English is Discord's default,
# the others are localisations (``CatalogueTranslator``).
_OPTIONS = {
    name: in_every_language(f"discord.option.{name}")
    for name in (
        "command",
        "period",
        "fact",
        "article",
        "day",
        "words",
        "topic",
        "chart",
        "language",
        "time",
        "timezone",
        "policy",
        "topics",
    )
}
_DIGEST = {
    name: in_every_language(f"discord.digest.{name}")
    for name in ("digest", "on", "off", "status", "preview", "empty", "topics")
}
#: Offered by the time zone autocomplete; any IANA name is accepted.
_ZONES = (
    "Europe/Warsaw",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Kyiv",
    "Europe/Moscow",
    "Asia/Almaty",
    "Asia/Tashkent",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "UTC",
)
_WORDS = {
    language: {
        "prev": t(language, "button.prev"),
        "next": t(language, "button.next"),
        "chart": t(language, "button.chart"),
        "chart_failed": t(language, "chart.failed"),
        "sources": t(language, "sources.title"),
        "not_yours": t(language, "discord.not_yours"),
        "admins_only": t(language, "discord.admins_only"),
        "error": t(language, "error"),
    }
    for language in LANGUAGES
}


class CatalogueTranslator(app_commands.Translator):
    """The descriptions of commands and options in each language the bot speaks besides English
    (Discord's default), keyed by their English text."""

    def __init__(self, table: dict[str, dict[str, str]]) -> None:
        self.table = table

    async def translate(
        self, string: app_commands.locale_str, locale: discord.Locale, context: app_commands.TranslationContext
    ) -> str | None:  # type: ignore[type-arg]
        language = locale.value.split("-")[0]  # "pl", "ru", "en-US"
        if language == "en" or language not in LANGUAGES:
            return None
        return self.table.get(string.message, {}).get(language)


class Pager(discord.ui.View):
    """Previous/next buttons for a paged reply and a chart button for one whose events make a
    picture, for the invoking user only, until they time out."""

    def __init__(self, bot: BriefingBot, reply: Reply, owner_id: int, language: Language, request: str = "") -> None:
        super().__init__(timeout=PAGE_TIMEOUT)
        self.bot, self.reply, self.owner_id, self.language = bot, reply, owner_id, language
        self.request = request
        self.page = 0
        self.message: discord.InteractionMessage | None = None
        self.previous.label = _WORDS[language]["prev"]
        self.next.label = _WORDS[language]["next"]
        self.chart.label = _WORDS[language]["chart"]
        if len(reply.cards) < 2:
            self.remove_item(self.previous)
            self.remove_item(self.next)
        if reply.chart is None or reply.picture:
            self.remove_item(self.chart)
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.previous.disabled = self.page == 0
        self.next.disabled = self.page >= len(self.reply.cards) - 1

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(_WORDS[self.language]["not_yours"], ephemeral=True)
        return False

    async def _show(self, interaction: discord.Interaction, step: int) -> None:
        self.page = max(0, min(self.page + step, len(self.reply.cards) - 1))
        self._update_buttons()
        embed = self.bot.embed(self.reply.cards[self.page], self.language)
        await interaction.response.edit_message(embed=embed, view=self)

    @discord.ui.button(label="‹", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:  # type: ignore[type-arg]
        await self._show(interaction, -1)

    @discord.ui.button(label="›", style=discord.ButtonStyle.primary)
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:  # type: ignore[type-arg]
        await self._show(interaction, 1)

    @discord.ui.button(label="Chart", style=discord.ButtonStyle.secondary)
    async def chart(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:  # type: ignore[type-arg]
        """The picture of the reply's events, as a new message: its caption's embed with it;
        within the member's quota, as a command is."""
        if not await self.bot._admitted(interaction):
            return
        reply = await self.bot.chats.answer(with_chart(self.request), self.bot._chat(interaction))
        await self.bot.send_picture(interaction, reply, self.language)

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        if self.message is not None:
            try:
                await self.message.edit(view=self)
            except discord.HTTPException as error:
                log.info("could not disable expired paging buttons: %s", error)


class BriefingBot(commands.Bot):
    def __init__(
        self,
        briefing: Briefing,
        state: StateStore,
        guild_ids: Sequence[int] = (),
        digests: Digests | None = None,
        quota: SenderQuota | None = None,
        charts: Charts | None = None,
        **shards: Any,
    ) -> None:
        intents = discord.Intents.default()
        intents.message_content = False  # privileged, and slash commands do not need it
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            help_command=None,
            allowed_mentions=NO_MENTIONS,
            **shards,
        )
        self.briefing, self.state, self.guild_ids = briefing, state, list(guild_ids)
        self.digests = digests
        self.chats = Chats(briefing, state, digests)
        self.quota = quota if quota is not None else SenderQuota()
        self.charts = charts if charts is not None else Charts()
        _register_commands(self)
        self.tree.on_error = self._on_tree_error  # type: ignore[method-assign]

    @property
    def syncs_commands(self) -> bool:
        """Whether this process syncs the slash commands: the one that runs shard 0 (or every
        shard), so that several processes of one bot do not all sync the same commands."""
        shard_ids: list[int] | None = getattr(self, "shard_ids", None)
        return shard_ids is None or 0 in shard_ids

    async def setup_hook(self) -> None:
        await self.tree.set_translator(CatalogueTranslator(_translations(self.briefing)))
        if not self.syncs_commands:
            log.info("slash commands are synced by the process that runs shard 0")
        elif self.guild_ids:
            for guild_id in self.guild_ids:
                guild = discord.Object(guild_id)
                self.tree.copy_global_to(guild=guild)
                await self.tree.sync(guild=guild)
        else:
            await self.tree.sync()

    def language(self, channel_id: int | None) -> Language:
        stored = self.state.language(PLATFORM, channel_id) if channel_id is not None else None
        return stored or self.briefing.language

    def embed(self, card: Card, language: Language) -> discord.Embed:
        return render_embed(card, _WORDS[language]["sources"])

    async def answer(self, interaction: discord.Interaction, request: str) -> None:
        """Ask the core and reply with the first card, and paging buttons when there are more,
        a chart button when its events make a picture; a picture asked for comes with its embed."""
        if not await self._admitted(interaction):
            return
        reply = await self.chats.answer(request, self._chat(interaction))
        language: Language = reply.language or self.language(interaction.channel_id)  # type: ignore[assignment]
        if reply.picture:
            await self.send_picture(interaction, reply, language)
            return
        embed = self.embed(reply.cards[0], language)
        if len(reply.cards) < 2 and reply.chart is None:
            await interaction.response.send_message(embed=embed, allowed_mentions=NO_MENTIONS)
            return
        pager = Pager(self, reply, interaction.user.id, language, request)
        await interaction.response.send_message(embed=embed, view=pager, allowed_mentions=NO_MENTIONS)
        pager.message = await interaction.original_response()

    async def send_picture(self, interaction: discord.Interaction, reply: Reply, language: Language) -> None:
        """Answer with the caption's embed showing the picture, attached as ``CHART_FILE``; the
        interaction is deferred first, since drawing may take longer than Discord waits for an
        answer. With nothing to draw, the core's notice."""
        card = reply.cards[0]
        if reply.chart is None:
            await interaction.response.send_message(embed=self.embed(card, language), allowed_mentions=NO_MENTIONS)
            return
        await interaction.response.defer(thinking=True)
        try:
            picture = await self.charts.png_async(self.briefing.knowledge, reply.chart)
        except ExportError as error:  # the content changed since the core counted the events
            log.info("no picture of %s: %s", reply.chart, error)
            failed = Card(title=card.title, body=_WORDS[language]["chart_failed"])
            await interaction.edit_original_response(embed=self.embed(failed, language))
            return
        embed = self.embed(card, language)
        embed.set_image(url=f"attachment://{CHART_FILE}")
        await interaction.edit_original_response(
            embed=embed, attachments=[discord.File(io.BytesIO(picture), filename=CHART_FILE)]
        )

    async def digest(self, interaction: discord.Interaction, arguments: str) -> None:
        """/digest for this channel (or thread): managers of the server, or anyone in a DM."""
        if not await self._admitted(interaction):
            return
        chat = self._chat(interaction)
        reply = await self.chats.answer(f"/digest {arguments}", chat)
        embed = self.embed(reply.cards[0], chat.language)
        await interaction.response.send_message(embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS)

    def _chat(self, interaction: discord.Interaction) -> Chat:
        """The channel (or thread, or DM) a command came from; its admins are its server's managers."""
        channel = interaction.channel_id or 0
        return Chat(PLATFORM, str(channel), self.language(channel), partial(_may_change_settings, interaction))

    async def _admitted(self, interaction: discord.Interaction) -> bool:
        """Whether the user is within their quota in this channel. Each request over it is answered
        with the quota notice, ephemeral (only the asker sees it): Discord shows an interaction
        left unanswered as failed, so silence, as on Telegram after the first notice, is not an
        option; and answers to interactions do not count against the bot's rate limit."""
        verdict = self.quota.admit((interaction.channel_id, interaction.user.id))
        if verdict == "answer":
            return True
        if verdict == "refuse":
            log.info(
                "channel %s: user over the quota of %g requests in %g s",
                interaction.channel_id,
                self.quota.rate,
                self.quota.period,
            )
        text = t(self.language(interaction.channel_id), "quota")
        await interaction.response.send_message(text, ephemeral=True)
        return False

    async def deliver(self, target: Target, card: Card) -> None:
        """Post a digest; failures become DeliveryFailed with a short, classified reason.

        A channel that is gone or closed to the bot fails permanently; a rate limit, a server
        error or a connection that could not be made is worth retrying later. A request that went
        out and got no answer (a timeout, a dropped connection) may have been posted: it is sent
        again at once, with the same nonce, which Discord enforces for a few minutes so that a
        message already posted is not posted twice; after that it is not sent again."""
        language = self.language(int(target.chat))
        # The cache holds the channels of this process's shards (all of them share it); a channel
        # of another process's shard is fetched over REST, which any shard may post through.
        nonce = hashlib.blake2b(f"{target.key}|{card.title}|{card.date}".encode(), digest_size=8).hexdigest()
        for attempt in range(UNANSWERED_ATTEMPTS):
            try:
                channel = self.get_channel(int(target.chat)) or await self.fetch_channel(int(target.chat))
                await channel.send(  # type: ignore[union-attr]
                    embed=self.embed(card, language),
                    allowed_mentions=NO_MENTIONS,
                    nonce=nonce,
                )
                return
            except (discord.Forbidden, discord.NotFound) as error:
                raise DeliveryFailed(
                    f"{type(error).__name__} ({error.status}): {error.text[:100]}", permanent=True
                ) from None
            except discord.HTTPException as error:
                passing = error.status == 429 or error.status >= 500
                raise DeliveryFailed(f"HTTP {error.status}", permanent=False, retry=passing) from None
            except discord.RateLimited as error:
                raise DeliveryFailed(f"rate limited ({error.retry_after:.0f} s)", permanent=False, retry=True) from None
            except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as error:  # nothing was sent
                raise DeliveryFailed(f"cannot connect ({type(error).__name__})", permanent=False, retry=True) from None
            except (aiohttp.ClientError, OSError, TimeoutError) as error:  # not str(error): it may quote a URL
                if attempt + 1 == UNANSWERED_ATTEMPTS:
                    raise DeliveryFailed(
                        f"no answer in time ({type(error).__name__})", permanent=False, uncertain=True
                    ) from None
                log.info("digest to %s unanswered (%s); sending again with its nonce", target.key, type(error).__name__)

    async def _on_tree_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        language = self.language(interaction.channel_id)
        if isinstance(error, (app_commands.MissingPermissions, app_commands.CheckFailure)):
            text = _WORDS[language]["admins_only"]
        else:
            log.error("error in a slash command", exc_info=error)
            text = _WORDS[language]["error"]
        try:
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)
        except discord.HTTPException as http_error:
            log.warning("could not report an error to the user: %s", http_error)


class ShardedBriefingBot(BriefingBot, commands.AutoShardedBot):
    """The bot on several gateway connections (shards) in one process: each guild's events come
    through the shard that holds it, and every shard shares one cache, command tree and state."""


def _may_change_settings(interaction: discord.Interaction) -> bool:
    """Settings commands: anyone in DMs, Manage Server in a guild (checked on every call)."""
    return interaction.guild is None or interaction.permissions.manage_guild


def _translations(briefing: Briefing) -> dict[str, dict[str, str]]:
    """English description → the description in each language."""
    return {words["en"]: words for words in (*_SUMMARY.values(), *_OPTIONS.values(), *_DIGEST.values())}


def _choices(current: str, candidates: Sequence[tuple[str, str]]) -> list[app_commands.Choice[str]]:
    """Up to 25 (label, value) pairs whose label or value contains what the user typed."""
    typed = fold(current)
    found = [(label, value) for label, value in candidates if typed in fold(label) or typed in fold(value)]
    return [app_commands.Choice(name=label[:100], value=value[:100]) for label, value in found[:25]]


Completer = Callable[[discord.Interaction, str], Coroutine[Any, Any, list[app_commands.Choice[str]]]]


def _register_commands(bot: BriefingBot) -> None:
    tree = bot.tree
    # The topic commands are registered from the knowledge at start-up (new topics need a
    # restart to reach Discord); autocompletion reads the current one, which a reload replaces.
    knowledge = bot.briefing.knowledge

    def summary(name: str) -> str:
        return _SUMMARY[name]["en"]

    def option(name: str) -> str:
        return _OPTIONS[name]["en"]

    async def articles(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return _choices(current, [(f"{a.title} ({a.id})", a.id) for a in bot.briefing.knowledge.articles.values()])

    def period_choices(current: Knowledge) -> list[tuple[str, str]]:
        months = sorted({f.value.start.strftime("%Y-%m") for f in current.facts}, reverse=True)
        years = sorted({m[:4] for m in months}, reverse=True)
        topics = [(t.title, t.id) for t in current.topics.values()]
        return [*topics, *[(y, y) for y in years], *[(m, m) for m in months]]

    async def periods(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        # Computed once per knowledge: every keystroke asks, and a large archive has 250,000 facts.
        now = bot.briefing.knowledge
        return _choices(current, now.memo(("discord", "periods"), lambda: period_choices(now)))

    async def command_names(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return _choices(current, [(f"/{name}", name) for name, _ in bot.briefing.menu()])

    async def topic_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return _choices(current, [(t.title, t.id) for t in bot.briefing.knowledge.topics.values()])

    completers: dict[Completion, Completer] = {
        "articles": articles,
        "periods": periods,
        "commands": command_names,
        "topics": topic_choices,
    }

    def completes(command: str, option: str) -> Completer:
        """The autocompletion the command table declares for a command's option."""
        source = builtin(command).parameter(option).kind.completion
        if source is None:
            raise ValueError(f"/{command} {option}: the command table declares no autocompletion")
        return completers[source]

    @tree.command(name="start", description=summary("start"))
    async def start(interaction: discord.Interaction) -> None:
        await bot.answer(interaction, "/start")

    @tree.command(name="help", description=summary("help"))
    @app_commands.describe(command=option("command"))
    @app_commands.autocomplete(command=completes("help", "command"))
    async def help_command(interaction: discord.Interaction, command: str | None = None) -> None:
        await bot.answer(interaction, f"/help {command or ''}")

    @tree.command(name="timeline", description=summary("timeline"))
    @app_commands.describe(period=option("period"), chart=option("chart"))
    @app_commands.autocomplete(period=completes("timeline", "period"))
    async def timeline(interaction: discord.Interaction, period: str | None = None, chart: bool = False) -> None:
        request = f"/timeline {period or ''}"
        await bot.answer(interaction, with_chart(request) if chart else request)

    @tree.command(name="sources", description=summary("sources"))
    @app_commands.describe(fact=option("fact"))
    @app_commands.autocomplete(fact=completes("sources", "fact"))
    async def sources(interaction: discord.Interaction, fact: str | None = None) -> None:
        await bot.answer(interaction, f"/sources {fact or ''}")

    @tree.command(name="card", description=summary("card"))
    @app_commands.describe(article=option("article"))
    @app_commands.autocomplete(article=completes("card", "article"))
    async def card(interaction: discord.Interaction, article: str) -> None:
        await bot.answer(interaction, f"/card {article}")

    @tree.command(name="onthisday", description=summary("onthisday"))
    @app_commands.describe(day=option("day"))
    async def on_this_day(interaction: discord.Interaction, day: app_commands.Range[str, 1, 10] | None = None) -> None:
        await bot.answer(interaction, f"/onthisday {day or ''}")

    @tree.command(name="search", description=summary("search"))
    @app_commands.describe(words=option("words"))
    async def search(interaction: discord.Interaction, words: app_commands.Range[str, 1, 200]) -> None:
        await bot.answer(interaction, f"/search {words}")

    @tree.command(name="figures", description=summary("figures"))
    @app_commands.describe(topic=option("topic"))
    @app_commands.autocomplete(topic=completes("figures", "topic"))
    async def figures(interaction: discord.Interaction, topic: str | None = None) -> None:
        await bot.answer(interaction, f"/figures {topic or ''}")

    @tree.command(name="lang", description=summary("lang"))
    @app_commands.describe(language=option("language"))
    @app_commands.choices(
        language=[app_commands.Choice(name=t(code, "language.name"), value=code) for code in LANGUAGES]
    )
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.check(_may_change_settings)
    async def lang(interaction: discord.Interaction, language: app_commands.Choice[str]) -> None:
        await bot.answer(interaction, f"/lang {language.value}")

    tree.add_command(_digest_group(bot))

    for topic in knowledge.topics.values():
        tree.add_command(
            app_commands.Command(
                name=topic.command,
                description=topic.description[:100],
                callback=_topic_callback(bot, topic.command),
            )
        )


def _digest_group(bot: BriefingBot) -> app_commands.Group:
    group = app_commands.Group(
        name="digest", description=_DIGEST["digest"]["en"], default_permissions=discord.Permissions(manage_guild=True)
    )

    async def zones(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return _choices(current, [(zone, zone) for zone in _ZONES])

    async def topic_names(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return _choices(current, [("all", "all"), *[(t.title, t.id) for t in bot.briefing.knowledge.topics.values()]])

    @group.command(name="on", description=_DIGEST["on"]["en"])
    @app_commands.describe(time=_OPTIONS["time"]["en"], timezone=_OPTIONS["timezone"]["en"])
    @app_commands.autocomplete(timezone=zones)
    async def on(
        interaction: discord.Interaction,
        time: app_commands.Range[str, 1, 5] | None = None,
        timezone: app_commands.Range[str, 1, 64] | None = None,
    ) -> None:
        await bot.digest(interaction, f"on {time or ''} {timezone or ''}")

    @group.command(name="off", description=_DIGEST["off"]["en"])
    async def off(interaction: discord.Interaction) -> None:
        await bot.digest(interaction, "off")

    @group.command(name="status", description=_DIGEST["status"]["en"])
    async def status(interaction: discord.Interaction) -> None:
        await bot.digest(interaction, "status")

    @group.command(name="preview", description=_DIGEST["preview"]["en"])
    @app_commands.describe(day=_OPTIONS["day"]["en"])
    async def preview(interaction: discord.Interaction, day: app_commands.Range[str, 1, 10] | None = None) -> None:
        await bot.digest(interaction, f"preview {day or ''}")

    @group.command(name="empty", description=_DIGEST["empty"]["en"])
    @app_commands.describe(policy=_OPTIONS["policy"]["en"])
    @app_commands.choices(
        policy=[app_commands.Choice(name="skip", value="skip"), app_commands.Choice(name="nearest", value="nearest")]
    )
    async def empty(interaction: discord.Interaction, policy: app_commands.Choice[str]) -> None:
        await bot.digest(interaction, f"empty {policy.value}")

    @group.command(name="topics", description=_DIGEST["topics"]["en"])
    @app_commands.describe(topics=_OPTIONS["topics"]["en"])
    @app_commands.autocomplete(topics=topic_names)
    async def topics(interaction: discord.Interaction, topics: app_commands.Range[str, 1, 200]) -> None:
        await bot.digest(interaction, f"topics {topics}")

    return group


def _topic_callback(bot: BriefingBot, command: str):  # type: ignore[no-untyped-def]
    @app_commands.describe(chart=_OPTIONS["chart"]["en"])
    async def topic(interaction: discord.Interaction, chart: bool = False) -> None:
        await bot.answer(interaction, with_chart(f"/{command}") if chart else f"/{command}")

    return topic


def create_bot(
    settings: Settings,
    briefing: Briefing | None = None,
    state: StateStore | None = None,
    digests: Digests | None = None,
    charts: Charts | None = None,
) -> BriefingBot:
    """The Discord bot for these settings, built but not connected."""
    if briefing is None:
        briefing = Briefing.load(settings.content, settings.data, settings.zone, settings.language)
    state = state or open_state_store(settings.state, settings.data)
    digests = digests or Digests(briefing, state, settings.timezone)
    discord_settings = settings.discord
    if not discord_settings.sharded:
        return BriefingBot(briefing, state, discord_settings.guild_ids, digests, charts=charts)
    # shards = "auto": no count, so discord.py asks Discord for the recommended one at login.
    return ShardedBriefingBot(
        briefing,
        state,
        discord_settings.guild_ids,
        digests,
        charts=charts,
        shard_count=discord_settings.shard_count,
        shard_ids=discord_settings.shard_ids,
    )
