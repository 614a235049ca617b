"""The exchange formats: which exist, how each is recognised, and the one interface they share.

Every format lives in its own module of this package and is imported only when it is used (so
an optional dependency such as spaCy is needed only by its format). A module may provide:

``sniff(path: Path, head: bytes) -> bool``
    True when the file (or folder) at ``path`` is in this format; ``head`` is the first
    64 KiB of a file (``b""`` for a folder). Used by ``--format auto``; it must not accept a
    file that another format's importer would read correctly, and it never decodes more than
    ``head``.

``read(path: Path, options: ImportOptions, report: ImportReport) -> Iterator[ParsedRecord]``
    The documents the file holds, as :class:`annotator.services.native.ParsedRecord` with
    canonical text and code-point offsets into it, spans checked (in range, not empty).
    Records are yielded one at a time so that an import needs memory for a chunk, not for
    the file. What the format carries that the project cannot hold is counted in
    ``report.not_kept`` (reason → count); a file whose shape is not this format raises
    :class:`annotator.domain.errors.DataError` with the file, the line and what was expected.

``export(project, output: Path | None, filters: ExportFilter, options: ExportOptions,
progress) -> ExportReport``
    Writes the selected documents and spans. A file is written atomically
    (:func:`annotator.services.exporting.atomic_output`); a folder format writes a new
    folder beside the target and renames it into place. Spans the format cannot hold are
    counted in ``report.lost`` (reason → count), never dropped silently.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import ModuleType

from annotator.domain.errors import DataError

#: ``annotator import --format``: "auto" recognises the format from the content.
IMPORT_FORMATS = ("auto", "text", "jsonl", "labelstudio", "doccano", "conll", "spacy", "brat",
                  "refi-qda")
#: ``annotator export --format``.
EXPORT_FORMATS = ("jsonl", "doccano", "labelstudio", "conll", "spacy", "brat", "refi-qda", "hf")

_MODULES = {
    "labelstudio": "labelstudio",
    "doccano": "doccano",
    "conll": "conll",
    "spacy": "spacy_docbin",
    "brat": "brat",
    "refi-qda": "refi_qda",
    "hf": "hf",
}

#: The order in which ``auto`` asks the formats; the first that recognises a file wins.
SNIFF_ORDER = ("refi-qda", "spacy", "brat", "labelstudio", "doccano", "conll")


@dataclass
class ImportOptions:
    """How to read files; each format uses the options that apply to it."""

    encoding: str | None = None
    #: Annotator for spans whose file names none.
    annotator: str | None = None
    #: CoNLL: how tokens are joined into text: "auto" (no space between CJK tokens, one space
    #: otherwise), "space" or "none".
    conll_join: str = "auto"
    #: CoNLL: what becomes a document: "file", "docstart" (each ``-DOCSTART-`` section) or
    #: "sentence".
    conll_document: str = "docstart"
    #: CoNLL: the column (0-based, negative from the end) holding the tag.
    conll_tag_column: int = -1


@dataclass
class ExportOptions:
    """How to write a format; each format uses the options that apply to it."""

    #: Label Studio ``completed_by``: annotator name → email.
    annotator_emails: dict[str, str] = field(default_factory=dict)
    #: Label Studio: ``NAME@DOMAIN`` for annotators without an explicit email.
    email_domain: str | None = None
    #: Label Studio: "annotations" or "predictions".
    labelstudio_as: str = "annotations"
    #: CoNLL: the one annotator (layer) whose spans are written; None: the only one there is.
    layer: str | None = None
    #: spaCy: spans that do not align to tokens: "strict" (report and leave out),
    #: "expand" or "contract".
    align: str = "strict"


def format_module(name: str) -> ModuleType:
    """The module implementing format ``name`` (imported on first use)."""
    try:
        module = _MODULES[name]
    except KeyError:
        raise DataError(f"unknown format {name!r}") from None
    return importlib.import_module(f"{__name__}.{module}")
