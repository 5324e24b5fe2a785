"""Exports: the events and facts written out in formats other tools read (TimelineJS, CSV,
iCalendar, JSON lines) or people look at (a PNG timeline picture), for ``briefing-bot export``.

Owns choosing what to export (``selection``: a topic, a period) and one module per format, each
a function from a ``Selection`` to the text of the file (or a picture's bytes). Imports base,
language, content, extraction and knowledge; never the briefings, the platforms or the CLI, which
calls it; matplotlib only inside ``png.draw``.
"""
