"""The content folder: article and topic files, their schema, problems by path:line, errata,
reference lists. Imports ``bot.base`` and ``bot.language``.
"""
