"""Everything the bot knows in memory: indexes by date, topic, article and word, and the
facts merged into events. Imports base, language, content and extraction.
"""
