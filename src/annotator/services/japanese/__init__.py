"""Japanese reading aids: exact pykakasi tokens, readings, romaji search, snapping, numbers."""
