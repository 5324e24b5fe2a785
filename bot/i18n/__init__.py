"""The bot's own words: gettext catalogues per language (``locales/<language>/LC_MESSAGES/bot.po``),
their plural forms, and dates written out with Babel. Imports ``bot.language`` (dates).
"""
