"""Import at corpus scale: time-ordered new ids made in bulk, ids given by a file kept, the
fast paths of record parsing giving what the checked paths give."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from annotator.domain.errors import DataError
from annotator.domain.ids import IdSource, time_ordered_ids
from annotator.services import importing
from annotator.services.importing import import_paths
from annotator.services.native import _parse_span, parse_record
from annotator.store import Project


def write_jsonl(path: Path, records: list[dict]) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def test_time_ordered_ids_are_uuid7_hex_in_the_order_made() -> None:
    made = time_ordered_ids(5000) + time_ordered_ids(1) + time_ordered_ids(3000)
    assert len(set(made)) == len(made)
    assert made == sorted(made)
    for value in made[:3] + made[-3:]:
        assert len(value) == 32 and value == value.lower()
        as_uuid = uuid.UUID(value)
        assert (as_uuid.version, as_uuid.variant) == (7, uuid.RFC_4122)
    assert time_ordered_ids(0) == []


def test_ids_made_one_at_a_time_follow_earlier_batches() -> None:
    source = IdSource(batch=7)
    made = [source() for _ in range(50)]
    later = time_ordered_ids(2)
    assert made + later == sorted(made + later)
    assert len(set(made + later)) == 52


def test_ids_of_the_same_millisecond_in_two_processes_differ() -> None:
    """73 random bits per batch: two runs never start from the same counter."""
    import subprocess
    import sys

    code = "from annotator.domain.ids import time_ordered_ids; print(time_ordered_ids(1)[0])"
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout.strip() for _ in range(4)}
    assert len(runs) == 4


def record(i: int, spans: list[dict]) -> dict:
    return {"name": f"doc{i}", "text": f"文書{i}：北朝鮮はミサイルを発射した。", "spans": spans}


def test_new_span_ids_ascend_in_import_order_and_given_ids_are_kept(
        project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "CHUNK_RECORDS", 7)  # several chunks
    given = [uuid.uuid4().hex for _ in range(30)]
    records = []
    for i in range(30):
        records.append(record(i, [
            {"start": 4, "end": 7, "label": "actor", "annotator": "hana"},
            {"start": 8, "end": 12, "label": "weapon", "annotator": "hana", "id": given[i]},
            {"start": 4, "end": 7, "label": "actor", "annotator": "ken"},
        ]))
    report = import_paths(project, [write_jsonl(tmp_path / "a.jsonl", records)])
    assert report.spans_added == 90
    rows = project.db.execute(
        "SELECT s.id, s.annotator, l.name FROM spans s JOIN labels l ON l.id = s.label_id "
        "ORDER BY s.document_id, s.start, s.annotator").fetchall()
    kept = [r[0] for r in rows if r[2] == "weapon"]
    assert kept == given
    made = [r[0] for r in rows if r[2] == "actor"]  # hana's then ken's, document by document
    assert made == sorted(made) and len(set(made)) == 60
    assert all(uuid.UUID(value).version == 7 for value in made)


def test_a_clashing_given_id_gets_a_time_ordered_one(project: Project, tmp_path: Path) -> None:
    taken = uuid.uuid4().hex
    first = [record(0, [{"start": 4, "end": 7, "label": "actor", "id": taken}])]
    import_paths(project, [write_jsonl(tmp_path / "a.jsonl", first)])
    second = [record(1, [{"start": 4, "end": 7, "label": "actor", "id": taken}])]
    import_paths(project, [write_jsonl(tmp_path / "b.jsonl", second)])
    ids = [r[0] for r in project.db.execute("SELECT id FROM spans ORDER BY document_id")]
    assert ids[0] == taken and ids[1] != taken and uuid.UUID(ids[1]).version == 7


SPANS = [
    {"start": 0, "end": 2, "label": "actor"},
    {"start": 0, "end": 2, "label": "actor", "text": "北朝", "id": "s1", "annotator": "a",
     "created_at": "2026-01-01T00:00:00.000Z", "updated_at": None, "note": "n",
     "value": {"number": 3}, "attributes": {"certain": True, "why": "seen"}},
    {"start": 1, "end": 3, "label": "claim", "attributes": {}},
]


@pytest.mark.parametrize("text", ["北朝鮮はミサイルを発射", "\ufeff北朝鮮は\r\nミサイル", "北\r朝鮮\u2028は"])
def test_the_fast_paths_parse_as_the_checked_path_does(text: str) -> None:
    from annotator.domain.text import canonicalise, removed_positions, sha256_text

    spans = [dict(span) for span in SPANS]
    spans[1]["text"] = text[0:2]  # offsets into the text as given
    parsed = parse_record({"text": text, "spans": spans}, "f.jsonl", 3)
    assert parsed.text == canonicalise(text) and parsed.sha256 == sha256_text(canonicalise(text))
    # _parse_span, which looks at each key in turn, gives the same spans.
    removed = removed_positions(text)
    assert parsed.spans == [_parse_span(s, i, text, removed, "f.jsonl", 3)
                            for i, s in enumerate(spans)]


@pytest.mark.parametrize(("span", "message"), [
    ({"start": 0, "end": 2, "label": "actor", "attributes": ""}, "attributes must be an object"),
    ({"start": 0, "end": 2, "label": "actor", "attributes": {"x": 1}}, "must be a text or"),
    ({"start": 0, "end": 2, "label": "actor", "text": "違う"}, "differs from the document's"),
    ({"start": 0, "end": 2, "label": "actor", "value": 3}, "value must be an object"),
    ({"start": 0, "end": 2, "label": "actor", "note": 5}, "note must be a string"),
    ({"start": 0, "end": 99, "label": "actor"}, "outside the text"),
    ({"start": 2, "end": 2, "label": "actor"}, "is empty"),
    ({"start": True, "end": 2, "label": "actor"}, "whole numbers"),
    ({"start": 0, "end": 2, "label": ""}, "label must be a non-empty string"),
])
def test_the_fast_path_refuses_what_the_checked_path_refuses(span: dict, message: str) -> None:
    with pytest.raises(DataError, match=message) as info:
        parse_record({"text": "北朝鮮は", "spans": [SPANS[0], span]}, "f.jsonl", 9)
    assert (info.value.line, "span 1" in str(info.value)) == (9, True)


def test_a_given_sha256_of_the_original_text_is_accepted() -> None:
    from annotator.domain.text import sha256_text

    text = "北朝鮮\r\nは"
    for given in (sha256_text(text), sha256_text("北朝鮮\nは")):
        assert parse_record({"text": text, "sha256": given}, "f", 1).text == "北朝鮮\nは"
    with pytest.raises(DataError, match="does not match"):
        parse_record({"text": "北朝鮮", "sha256": sha256_text(text)}, "f", 1)


LINES = [
    '{"text": "北朝鮮は", "spans": [{"start": 0, "end": 3, "label": "actor"}]}',
    "",
    "   \u3000",  # blank to str.strip(): skipped
    '{"text": "a\\ud83d\\ude00b", "spans": [{"start": 1, "end": 2, "label": "actor"}]}',
    '{"text": "x", "meta": {"n": 123456789012345678901234567890}}',  # past 64 bits
    '{"text": "y", "meta": {"f": NaN}}',  # what json takes and strict JSON does not
    '{"text": "z\\r\\nw", "name": "n", "spans": []}\r',
    # past 64 bits where a record keeps any value (its id; a span's id and value)
    '{"id": 123456789012345678901, "text": "i"}',
    '{"text": "北朝鮮は", "spans": [{"id": 123456789012345678901, "start": 0, "end": 3, '
    '"label": "actor", "value": {"n": [1, {"m": 123456789012345678901}]}}]}',
    '{"text": "f", "meta": {"f": [0.5]}}',  # a float as such: the same both ways
]


def _read_both(tmp_path: Path, data: bytes) -> tuple[object, object]:
    from annotator.services.decoding import iter_utf8_lines
    from annotator.services.native import read_records
    from annotator.services.native_fast import iter_byte_lines, read_jsonl

    path = tmp_path / "f.jsonl"
    path.write_bytes(data)
    results = []
    for read in (lambda: read_jsonl(iter_byte_lines(path), str(path)),
                 lambda: read_records(iter_utf8_lines(path), str(path))):
        try:
            results.append(list(read()))
        except DataError as exc:
            results.append(str(exc))
    return results[0], results[1]


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_reading_bytes_with_orjson_gives_what_the_checked_reader_gives(
        tmp_path: Path, bom: bytes) -> None:
    fast, checked = _read_both(tmp_path, bom + "\n".join(LINES).encode("utf-8") + b"\n")
    assert isinstance(fast, list) and fast == checked
    assert [r.line for r in fast] == [1, 4, 5, 6, 7, 8, 9, 10]
    assert fast[2].meta == {"n": 123456789012345678901234567890}  # an int, not a float
    assert fast[5].uid == "123456789012345678901"
    assert (fast[6].spans[0].id, fast[6].spans[0].value) == (
        "123456789012345678901", {"n": [1, {"m": 123456789012345678901}]})


@pytest.mark.parametrize("data", [
    b'{"text": "a"}\n{"text": "b\xff"}\n',  # not UTF-8 on line 2
    b'\xef\xbb\xbf{"text": "\xe5\x8c"}\n',  # cut short on line 1, after a BOM
    b'{"text": "a"}\n{"text": 1}\n',
    b'{"text": "a"}\n[[[[[[\n',
    b'{"text": "\\ud800", "spans": []}\n',
    b'{"text": "a", "spans": [{"start": 0, "end": 5, "label": "x"}]}\n',
    # past 64 bits where a record takes only small numbers: the checked reading's words
    b'{"text": "a", "spans": [{"start": 0, "end": 123456789012345678901, "label": "x"}]}\n',
    b'{"text": "a", "spans": [{"start": 0, "end": 1, "label": "x", "note": 123456789012345678901}]}\n',
])
def test_bad_lines_are_refused_with_the_same_message(tmp_path: Path, data: bytes) -> None:
    fast, checked = _read_both(tmp_path, data)
    assert isinstance(fast, str) and fast == checked


def test_the_import_runs_with_a_larger_cache_and_puts_the_settings_back(
        project: Project, tmp_path: Path) -> None:
    from annotator.store.bulk import BULK_CACHE_KIB

    conn = project.db.conn
    before = [conn.execute(f"PRAGMA {name}").fetchone()[0] for name in ("cache_size", "temp_store")]
    during = []

    def progress(*args: object) -> None:
        during.append([conn.execute(f"PRAGMA {name}").fetchone()[0]
                       for name in ("cache_size", "temp_store")])

    good = write_jsonl(tmp_path / "a.jsonl", [record(i, []) for i in range(3)])
    import_paths(project, [good], progress=progress)
    assert [-BULK_CACHE_KIB, 2] in during and before != [-BULK_CACHE_KIB, 2]
    assert [conn.execute(f"PRAGMA {n}").fetchone()[0] for n in ("cache_size", "temp_store")] == before
    bad = write_jsonl(tmp_path / "b.jsonl", [record(9, []), {"text": 5}])
    with pytest.raises(DataError):
        import_paths(project, [bad])
    assert [conn.execute(f"PRAGMA {n}").fetchone()[0] for n in ("cache_size", "temp_store")] == before
    assert project.document_count() == 3


def test_spans_with_and_without_notes_values_and_attributes_in_one_chunk(
        project: Project, tmp_path: Path) -> None:
    project.add_label_attribute(__import__("annotator.domain.relations", fromlist=["Attribute"])
                                .Attribute("actor", "certain", "flag", (), ""), who="t")
    spans = [{"start": i, "end": i + 1, "label": "actor", "annotator": "hana"} for i in range(80)]
    spans[3]["note"] = "a note"
    spans[40]["value"] = {"number": 7}
    spans[77]["attributes"] = {"certain": True}
    report = import_paths(project, [write_jsonl(tmp_path / "a.jsonl", [
        {"name": "d", "text": "北" * 100, "spans": spans}])])
    assert report.spans_added == 80
    stored = {s.start: s for s in project.spans()}
    assert len(stored) == 80
    assert (stored[3].note, stored[40].value, stored[77].attributes) == (
        "a note", {"number": 7}, {"certain": True})
    assert all(s.note is None and s.value is None and s.attributes == {}
               for start, s in stored.items() if start not in (3, 40, 77))
    counts = project.db.execute("SELECT spans FROM document_span_counts").fetchall()
    assert counts == [(80,)]


def test_journals_stay_in_a_file_for_a_large_project(project: Project, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from annotator.store import bulk

    conn = project.db.conn
    monkeypatch.setattr(bulk, "MEMORY_JOURNAL_LIMIT", 4096)  # smaller than any project file
    during = []
    good = write_jsonl(tmp_path / "a.jsonl", [record(i, []) for i in range(3)])
    import_paths(project, [good], progress=lambda *a: during.append(
        conn.execute("PRAGMA temp_store").fetchone()[0]))
    assert during and set(during) == {0}


def test_the_history_of_an_import_names_the_document_and_its_span_ids(
        project: Project, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", [
        {"name": "名前\"1\"", "text": "北朝鮮は", "meta": {"k": [1, "二"]},
         "spans": [{"start": 0, "end": 3, "label": "actor", "id": "given\"id"}]}])
    import_paths(project, [path])
    rows = project.db.execute("SELECT action, entity, after FROM history ORDER BY id").fetchall()
    added = [json.loads(r[2]) for r in rows if (r[0], r[1]) == ("add", "document")]
    imported = [json.loads(r[2]) for r in rows if (r[0], r[1]) == ("import", "span")]
    [document] = project.documents()
    assert added == [{"uid": document.uid, "name": "名前\"1\"", "sha256": document.sha256,
                      "length": 4}]
    assert imported == [{"source": str(path), "span_ids": ["given\"id"]}]
    assert document.meta == {"k": [1, "二"]}
