"""Pure-Python model: texts, labels, spans, offsets, commands. Never imports Qt or SQLite."""
