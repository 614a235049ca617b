"""The import dialog's format choice (File > Import Files in a Format…) and the export
dialog's formats."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtWidgets import QInputDialog

from annotator.services.formats import EXPORT_FORMATS
from annotator.store import Project
from annotator.ui.dialogs import import_dialog, project_files
from tests.gui.conftest import TEXT, cp_of


def test_format_choice_reads_the_file_as_chosen(qtbot, window, project_path: Path,
                                                tmp_path: Path, monkeypatch) -> None:
    start, end = cp_of(TEXT, "北朝鮮")  # after 😀𠮷 and 🇯🇵: code points, not UTF-16
    task = [{"data": {"text": TEXT}, "annotations": [{"completed_by": {"email": "aoi@x.jp"},
             "result": [{"type": "labels", "value": {"start": start, "end": end,
                                                     "labels": ["actor"]}}]}]}]
    source = tmp_path / "tasks.txt"  # a misleading suffix: forced to labelstudio
    source.write_text(json.dumps(task, ensure_ascii=False), encoding="utf-8")
    offered: list[list[str]] = []

    def choose(parent, title, label, items, current, editable):  # type: ignore[no-untyped-def]
        offered.append(list(items))
        return next(i for i in items if i.endswith("[labelstudio]")), True

    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(choose))
    monkeypatch.setattr(project_files, "choose_import_files", lambda *a: [str(source)])
    window.actions_registry.action("file.import_format").trigger()
    assert len(offered[0]) == len(import_dialog.FORMAT_CHOICES)
    assert offered[0][0].endswith("[auto]")
    with Project.open(project_path) as project:
        spans = project.spans()
        assert [(s.start, s.end, s.annotator) for s in spans] == [(start, end, "aoi")]
    assert "1 span added" in window.status.currentMessage()


def test_format_choice_cancelled_imports_nothing(qtbot, window, project_path: Path,
                                                 tmp_path: Path, monkeypatch) -> None:
    source = tmp_path / "new.txt"
    source.write_text("新しい。", encoding="utf-8")
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda *a, **k: ("", False)))
    monkeypatch.setattr(project_files, "choose_import_files", lambda *a: [str(source)])
    window.actions_registry.action("file.import_format").trigger()
    with Project.open(project_path) as project:
        assert len(project.documents()) == 2


def test_unrecognised_json_is_refused_in_the_window(qtbot, window, project_path: Path,
                                                    tmp_path: Path, monkeypatch) -> None:
    source = tmp_path / "other.json"
    source.write_text(json.dumps({"sentences": ["x"]}), encoding="utf-8")
    messages: list[str] = []
    monkeypatch.setattr("annotator.ui.main_window.show_message",
                        lambda parent, title, text: messages.append(text))
    window.import_paths([str(source)])
    assert messages and "no importer recognises" in messages[0]
    with Project.open(project_path) as project:
        assert len(project.documents()) == 2


def test_export_dialog_offers_every_format(qtbot, window) -> None:
    from annotator.ui.dialogs.export_dialog import ExportDialog

    dialog = ExportDialog(window.session, None)
    qtbot.addWidget(dialog)
    offered = [dialog.format_combo.itemData(i) for i in range(dialog.format_combo.count())]
    assert offered == list(EXPORT_FORMATS)
    dialog.format_combo.setCurrentIndex(offered.index("brat"))
    assert Path(dialog.destination.text()).suffix == ""  # a folder
    dialog.format_combo.setCurrentIndex(offered.index("labelstudio"))
    assert dialog.destination.text().endswith(".json")
    dialog.email_domain.setText("lab.example")
    dialog.as_predictions.setChecked(True)
    options = dialog.options()
    assert (options.email_domain, options.labelstudio_as) == ("lab.example", "predictions")


def test_label_studio_relations_and_attributes_arrive_in_the_window(
        qtbot, window, project_path: Path, tmp_path: Path) -> None:
    """A Label Studio export with a relation and per-region choices, imported in the window:
    the relation and the values are in the project (offsets after 😀𠮷 and 🇯🇵: code points)."""
    claim, actor = cp_of(TEXT, "金正恩氏は砲弾を提供した"), cp_of(TEXT, "金正恩")
    results = [
        {"id": "c1", "type": "labels", "from_name": "label", "to_name": "text",
         "value": {"start": claim[0], "end": claim[1], "labels": ["claim"]}},
        {"id": "a1", "type": "labels", "from_name": "label", "to_name": "text",
         "value": {"start": actor[0], "end": actor[1], "text": "金正恩", "labels": ["actor"]}},
        {"id": "c1", "type": "choices", "from_name": "claim.stance", "to_name": "text",
         "value": {"start": claim[0], "end": claim[1], "choices": ["asserted"]}},
        {"type": "relation", "from_id": "c1", "to_id": "a1", "direction": "right",
         "labels": ["involves"]},
    ]
    source = tmp_path / "tasks.json"
    source.write_text(json.dumps([{"data": {"text": TEXT}, "annotations": [
        {"completed_by": {"email": "aoi@x.jp"}, "result": results}]}], ensure_ascii=False),
        encoding="utf-8")
    window.import_paths([str(source)])
    with Project.open(project_path) as project:
        spans = {s.label: s for s in project.spans() if s.annotator == "aoi"}
        assert (spans["claim"].start, spans["claim"].end) == claim
        assert spans["claim"].attributes == {"stance": "asserted"}
        [relation] = project.relations()
        assert (relation.head, relation.tail, relation.type, relation.annotator) == (
            spans["claim"].id, spans["actor"].id, "involves", "aoi")
    assert "1 relation added" in window.status.currentMessage()
