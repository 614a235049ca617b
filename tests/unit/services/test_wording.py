"""Counted nouns of the core's messages, and the import summary that uses them."""

from annotator.services.importing import ImportReport
from annotator.services.wording import counted


def test_counted_nouns() -> None:
    assert [counted(n, "span") for n in (0, 1, 2)] == ["0 spans", "1 span", "2 spans"]
    assert counted(1, "duplicate span") == "1 duplicate span"
    assert counted(3, "entry", "entries") == "3 entries"


def test_the_import_summary_reads_as_english() -> None:
    one = ImportReport(documents_added=["a.txt"], spans_added=1, spans_skipped=1)
    assert one.summary() == "1 document added; 1 span added; 1 duplicate span skipped"
    many = ImportReport(documents_added=["a.txt", "b.txt"], documents_existing=["c.txt"],
                        spans_added=2, spans_skipped=3)
    assert many.summary() == ("2 documents added; 1 already in the project; 2 spans added; "
                              "3 duplicate spans skipped")
    assert ImportReport().summary() == "0 documents added; 0 spans added"
