"""Drafting content files from web pages and text: ``content add`` and the inbox.

Owns fetching a page (``fetch``), reading it with trafilatura and saying where each value came
from (``drafts``, ``markup``), refusing what is no new Polish article (``checks``), and the drafts
in ``content/inbox/`` (``inbox``), which the content loader never reads; and news feeds
(``feeds``), whose new entries the poller (``poll``) drafts into the inbox with ``drafts.draft``
and ``drafts.write_draft``, as ``content add --inbox`` does.

Imports ``bot.base``, ``bot.language``, ``bot.content`` (to validate what it writes, as the bot
will read it), ``bot.extraction`` (to show what ``--explain`` reads in a draft) and
``bot.digests.state`` (the state store, where the feeds are kept).
"""
