"""Polish text: words and lemmas, sentences, dates (``DateValue``, with its precision) and
figures found in a sentence. Imports only ``bot.base``.
"""
