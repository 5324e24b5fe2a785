"""Exports: the events and facts written out in formats other tools read (TimelineJS, CSV,
iCalendar, JSON lines), for ``briefing-bot export``.

Owns choosing what to export (``selection``: a topic, a period) and one module per format, each
a function from a ``Selection`` to the text of the file. Imports base, language, content,
extraction and knowledge; never the briefings, the platforms or the CLI, which calls it.
"""
