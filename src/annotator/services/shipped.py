"""Where the files shipped beside the code are: the bundled font (``resources/``) and the
seed texts (``seeds/``).

In a source checkout (the README's install, editable) they are the repository's top-level
folders. An installed wheel carries them as data files under ``<prefix>/share/annotator/``.
"""

from __future__ import annotations

import sys
from pathlib import Path

SOURCE_ROOT = Path(__file__).resolve().parents[3]
INSTALLED_ROOT = Path(sys.prefix) / "share" / "annotator"


def shipped_dir(name: str) -> Path | None:
    """The folder ``name`` (``resources`` or ``seeds``) of the checkout, else of the
    installation; None when neither exists."""
    for root in (SOURCE_ROOT, INSTALLED_ROOT):
        candidate = root / name
        if candidate.is_dir():
            return candidate
    return None
