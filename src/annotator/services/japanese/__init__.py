"""Japanese reading aids: exact pykakasi tokens, readings, romaji search, snapping, numbers.

Pure Python (no Qt, no store). The public API is re-exported here:

- :func:`tokenize` -> list of :class:`Token` tiling the text (exact pykakasi wrapper);
- :func:`reading` -> :class:`Reading` (hiragana, katakana, Hepburn) of a range;
- :func:`query_key` / :func:`normalise` -> search keys for romaji/kana/plain text;
- :class:`ReadingIndex` -> per-document index (build with progress/cancel, find, serialise);
- :func:`search` -> :class:`Hit` list across documents, with aliases;
- :func:`snap` -> word-snapped selection;
- :func:`parse_number` / :func:`find_numbers` -> :class:`NumberValue` / :class:`NumberMatch`.
"""

from annotator.services.japanese.numbers import NumberMatch, NumberValue, find_numbers, parse_number
from annotator.services.japanese.progress import IndexingCancelled
from annotator.services.japanese.reading_index import FORMAT_VERSION, IndexFormatError, ReadingIndex, text_sha256
from annotator.services.japanese.readings import Reading, reading
from annotator.services.japanese.romaji import normalise, query_key
from annotator.services.japanese.search import Hit, alias_key, context, expand_aliases, search
from annotator.services.japanese.snapping import snap, token_at
from annotator.services.japanese.tokens import Token, tokenize

__all__ = [
    "FORMAT_VERSION",
    "Hit",
    "IndexFormatError",
    "IndexingCancelled",
    "NumberMatch",
    "NumberValue",
    "Reading",
    "ReadingIndex",
    "Token",
    "alias_key",
    "context",
    "expand_aliases",
    "find_numbers",
    "normalise",
    "parse_number",
    "query_key",
    "reading",
    "search",
    "snap",
    "text_sha256",
    "token_at",
    "tokenize",
]
