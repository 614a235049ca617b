"""The consistency window on a corpus: a progress bar with Cancel, and a bounded list."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt, QTimer

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "services" / "review"))
from test_consistency_corpus import build  # noqa: E402

from annotator.services.review.project_review import project_consistency  # noqa: E402
from annotator.ui.review import consistency_panel  # noqa: E402
from annotator.ui.review.consistency_panel import ConsistencyWindow  # noqa: E402
from annotator.ui.review.context import ReviewContext  # noqa: E402


def test_cancel_stops_the_check_and_keeps_the_list(qtbot, tmp_path: Path) -> None:
    project = build(tmp_path / "corpus.annotator", 1, 900)
    window = ConsistencyWindow(ReviewContext(project, "rita"))
    qtbot.addWidget(window)
    window.show()
    seen: list[tuple[bool, int]] = []

    def press_cancel() -> None:  # runs inside the check, from its progress callback
        seen.append((window.progress.isVisible(), window.progress.bar.value()))
        assert not window.check_button.isEnabled() and not window.fix_button.isEnabled()
        qtbot.mouseClick(window.progress.cancel_button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, press_cancel)
    qtbot.mouseClick(window.check_button, Qt.MouseButton.LeftButton)
    assert seen and seen[0][0]  # the bar was shown while the check ran
    assert window.message.text() == "The check was cancelled; the list is as it was."
    assert window.findings == [] and window.table.rowCount() == 0
    assert not window.progress.isVisible() and window.check_button.isEnabled()
    # checked again without cancelling: every finding
    qtbot.mouseClick(window.check_button, Qt.MouseButton.LeftButton)
    expected = project_consistency(project)
    assert window.findings == expected[: consistency_panel.SHOWN_LIMIT]
    assert window.total_findings == len(expected)
    project.close()


def test_the_table_lists_the_first_findings_and_counts_all(qtbot, tmp_path: Path,
                                                             monkeypatch) -> None:
    monkeypatch.setattr(consistency_panel, "SHOWN_LIMIT", 10)
    project = build(tmp_path / "corpus.annotator", 2, 200)
    window = ConsistencyWindow(ReviewContext(project, "rita"))
    qtbot.addWidget(window)
    qtbot.mouseClick(window.check_button, Qt.MouseButton.LeftButton)
    everything = project_consistency(project)
    assert len(everything) > 10
    assert window.findings == everything[:10] and window.table.rowCount() == 10
    assert window.message.text() == f"{len(everything)} findings; the first 10 are listed."
    names = {d.id: d.name for d in project.documents()}
    assert [window.table.item(r, 1).text() for r in range(10)] == [
        names[f.document_id] for f in everything[:10]]
    project.close()


def test_closing_during_a_check_cancels_it(qtbot, tmp_path: Path) -> None:
    project = build(tmp_path / "corpus.annotator", 1, 600)
    window = ConsistencyWindow(ReviewContext(project, "rita"))
    qtbot.addWidget(window)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
    window.show()
    QTimer.singleShot(0, window.close)
    qtbot.mouseClick(window.check_button, Qt.MouseButton.LeftButton)
    assert window.message.text() == "The check was cancelled; the list is as it was."
    qtbot.waitUntil(lambda: not window.isVisible())
    project.close()


def test_agreement_cancels_and_lists_a_bounded_table(qtbot, tmp_path: Path,
                                                      monkeypatch) -> None:
    from annotator.services.review.project_review import project_agreement
    from annotator.ui.review import agreement_panel
    from annotator.ui.review.agreement_panel import AgreementWindow

    monkeypatch.setattr(agreement_panel, "SHOWN_DOCUMENTS", 5)
    project = build(tmp_path / "corpus.annotator", 2, 1500)
    window = AgreementWindow(ReviewContext(project, "rita"))
    qtbot.addWidget(window)
    window.show()
    window.set_annotators(["hana", "ken"])
    QTimer.singleShot(0, lambda: qtbot.mouseClick(window.progress.cancel_button,
                                                  Qt.MouseButton.LeftButton))
    qtbot.mouseClick(window.compute_button, Qt.MouseButton.LeftButton)
    assert window.message.text() == "Cancelled; the table is as it was."
    assert window.result is None and window.table.rowCount() == 0
    qtbot.mouseClick(window.compute_button, Qt.MouseButton.LeftButton)
    expected = project_agreement(project, ["hana", "ken"])
    assert window.result.to_json() == expected.to_json()
    kinds = [kind for kind, _ in window.rows]
    assert kinds.count("document") == 5 and len(expected.documents) > 5
    assert window.message.text().endswith("The first 5 are listed.")
    project.close()
