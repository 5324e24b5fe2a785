"""Chat platforms: one folder each (adapter, renderer, limits, HTTP transport) and what they
share: the ``Platform`` contract (``base.py``), the registry that the application runs
(``registry.py``) and the member quota. They translate updates into core requests and cards into
messages; they hold no business logic (who may change a chat's settings is the core's
``bot.digests.chats``), and no platform imports another.
"""
