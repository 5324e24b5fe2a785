"""``briefing-bot doctor``: checks of a set-up, each a small function, one line of outcome each.

``checks.py`` holds what a check is given and what it finds; ``local.py`` the checks of this
machine (Python, settings, content, data folder, lemma dictionary, time zone); ``telegram.py`` and
``discord.py`` the checks that ask a platform; ``state_store.py`` the state store and the
processes sharing it (the token, the chats that get digests);
``report.py`` the list of checks, run in order, and the report. A new check is one function added
to ``CHECKS`` there.
"""
