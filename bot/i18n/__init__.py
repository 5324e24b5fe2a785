"""The bot's own words in Polish and English, plurals and date formats. Imports ``bot.base``
and ``bot.language`` (dates).
"""
