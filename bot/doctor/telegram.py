"""The Telegram checks: the token (``getMe`` through the configured ``base_url``), the webhook when
one is configured (``getWebhookInfo``, and whether the bot's webhook server refuses an update
without the secret), and, for each chat that gets a digest, whether the bot can post there
(``getChat``, ``getChatMember``).

python-telegram-bot is imported when the check runs, as the platform imports it, so that a
set-up without a Telegram token needs none of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import aiohttp

from bot.config import TelegramSettings
from bot.doctor.checks import Finding, Setup, failed, unverified

if TYPE_CHECKING:
    from telegram import Bot

NAME = "telegram token"
#: Chats asked about at most: two calls each, within Telegram's flood limits, in a few seconds.
MAX_CHATS = 100
NEW_TOKEN = "get a new one from @BotFather (/token) and set BRIEFING_TELEGRAM_TOKEN"
WEBHOOK = "telegram webhook"
#: How long the probe of the bot's own webhook server waits for an answer, in seconds.
PROBE_SECONDS = 5


def _chat_id(chat: str) -> int | str:
    try:
        return int(chat)
    except ValueError:
        return chat  # an @username


async def telegram(setup: Setup) -> list[Finding]:
    settings = setup.settings.telegram
    if settings.token is None:
        return []
    from telegram import Bot
    from telegram.error import InvalidToken, NetworkError, TelegramError

    from bot.platforms.telegram.http import AiohttpRequest

    requests = (AiohttpRequest(connection_pool_size=4), AiohttpRequest(connection_pool_size=1))
    bot = Bot(
        settings.token.get_secret_value(),
        base_url=settings.base_url,
        request=requests[0],
        get_updates_request=requests[1],
    )
    try:
        try:
            await bot.initialize()  # getMe
        except InvalidToken:  # 401 or 404; its message quotes the token
            return [failed(NAME, f"token rejected by {settings.base_url}…", NEW_TOKEN)]
        except NetworkError as error:  # TimedOut too; its text names the error's class, never the URL
            return [
                failed(NAME, f"cannot reach {settings.base_url}… ({error.message})", "check the network and base_url")
            ]
        except TelegramError as error:
            return [failed(NAME, f"{settings.base_url}… answered: {error.message}", "check base_url and the token")]
        findings = [Finding(NAME, f"accepted by {settings.base_url}… as @{bot.username} (id {bot.id})")]
        if settings.webhook_url:
            findings += await _webhook(bot, settings)
        chats = list(dict.fromkeys(s.target.chat for s in setup.subscriptions if s.target.platform == "telegram"))
        for chat in chats[:MAX_CHATS]:
            findings.append(await _can_post(bot, chat))
        if len(chats) > MAX_CHATS:
            findings.append(Finding("digest chats", f"the first {MAX_CHATS} of {len(chats)} checked, the others not"))
        return findings
    finally:
        await bot.shutdown()  # nothing when getMe failed: then the requests are closed here
        for request in requests:
            await request.shutdown()


async def _webhook(bot: Bot, settings: TelegramSettings) -> list[Finding]:
    """What Telegram says of the webhook (set to our address? its last delivery error?), and
    whether the bot's own webhook server, if it runs, refuses an update that lacks the secret."""
    from telegram.error import TelegramError

    from bot.platforms.telegram.platform import webhook

    wanted = webhook(settings)
    assert wanted is not None, "called only with webhook_url set"
    findings: list[Finding] = []
    try:
        info = await bot.get_webhook_info()
    except TelegramError as error:
        return [failed(WEBHOOK, f"getWebhookInfo failed: {error.message}", "run briefing-bot doctor again later")]
    if not info.url:
        findings.append(unverified(WEBHOOK, f"not set at Telegram yet: the bot sets {wanted.url} when it starts"))
    elif info.url != wanted.url:
        findings.append(
            failed(
                WEBHOOK,
                f"Telegram posts updates to {info.url}, not to {wanted.url}",
                "is another copy of the bot running with this token? Stop it; this one sets its own at start",
            )
        )
    elif info.last_error_message:
        findings.append(
            failed(
                WEBHOOK,
                f"Telegram cannot deliver to {info.url}: {info.last_error_message} "
                f"({info.pending_update_count} update(s) waiting)",
                f"check that the reverse proxy forwards {info.url} to http://{wanted.listen}:{wanted.port}{wanted.path}",
            )
        )
    else:
        findings.append(Finding(WEBHOOK, f"set to {info.url}, {info.pending_update_count} update(s) waiting"))
    findings.append(await _probe(wanted.listen, wanted.port, wanted.path))
    return findings


async def _probe(listen: str, port: int, path: str) -> Finding:
    """POST an empty update without the secret to the bot's webhook server: a running bot
    refuses it (403); nothing listening is no failure (the bot may be stopped)."""
    host = f"[{listen}]" if ":" in listen else listen
    where = f"http://{host}:{port}{path}"
    name = "webhook server"
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=PROBE_SECONDS)) as session,
            session.post(where, json={}) as response,
        ):
            status = response.status
    except (aiohttp.ClientError, TimeoutError, OSError):
        return unverified(name, f"nothing answers on {where}: the bot is not running here (start it, then check again)")
    if status == 403:
        return Finding(name, f"{where} answers and refuses an update without the secret")
    return failed(
        name,
        f"{where} answered {status} to an update without the secret",
        "is this port the bot's? Only briefing-bot's webhook server should listen there",
    )


async def _can_post(bot: Bot, chat: str) -> Finding:
    """Whether the bot may post in a chat that gets a digest: a member of a group not
    restricted from sending, an administrator allowed to post in a channel."""
    from telegram import ChatMemberAdministrator, ChatMemberOwner, ChatMemberRestricted
    from telegram.constants import ChatMemberStatus, ChatType
    from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError

    name = f"digest chat {chat}"
    try:
        found = await bot.get_chat(_chat_id(chat))
        title = found.title or found.username or found.first_name or chat
        name = f"digest chat {chat} ({title})"
        if found.type == ChatType.PRIVATE:
            return Finding(name, "a private chat: the bot can post unless the user has blocked it")
        member = await bot.get_chat_member(found.id, bot.id)
    except Forbidden as error:
        return failed(name, f"the bot cannot see it ({error.message})", "add the bot back, or /digest off there")
    except ChatMigrated as error:
        return failed(
            name,
            f"upgraded to the supergroup {error.new_chat_id}",
            "nothing to do: the digest moves there at its next send",
        )
    except RetryAfter:
        return failed(name, "Telegram's flood control asks the bot to wait", "run briefing-bot doctor again later")
    except BadRequest as error:  # "chat not found": a chat the bot never was in, or one deleted
        return failed(name, error.message, "add the bot to the chat, or /digest off there")
    except NetworkError as error:
        return failed(name, f"no answer ({error.message})", "check the network, then try again")
    except TelegramError as error:
        return failed(name, error.message, "check the chat's settings for the bot")
    if found.type == ChatType.CHANNEL:
        if isinstance(member, ChatMemberOwner) or (
            isinstance(member, ChatMemberAdministrator) and member.can_post_messages
        ):
            return Finding(name, "a channel: the bot is an administrator allowed to post")
        return failed(name, f"a channel where the bot is {member.status}", "make it an administrator allowed to post")
    if member.status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED):
        return failed(name, f"the bot is not a member ({member.status})", "add the bot back, or /digest off there")
    if isinstance(member, ChatMemberRestricted) and not member.can_send_messages:
        return failed(name, "the bot is restricted from sending messages", "lift the restriction in the group")
    return Finding(name, f"a {found.type}: the bot is {member.status} and can post")
