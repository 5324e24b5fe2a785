"""Dated facts and figures out of articles: extraction, the worker pool of a full build, and
the explain mode. Imports ``bot.base``, ``bot.language`` and ``bot.content``.
"""
