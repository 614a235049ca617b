"""``annotator hub ...`` and ``annotator sync`` end to end against a real PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hub_helpers import TEXTS

from annotator.cli import main
from annotator.hub.sync import URL_KEY
from annotator.store import Project

pytestmark = pytest.mark.timeout(300)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _password_file(tmp_path: Path, name: str, password: str) -> str:
    path = tmp_path / f"{name}.pw"
    path.write_text(password + "\n")
    return str(path)


def test_lead_sets_up_a_team_from_the_command_line(hub_db, tmp_path: Path,  # noqa: ANN001
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    lena, alice, bob = (hub_db.member(n) for n in ("lena", "alice", "bob"))
    lead_db = str(tmp_path / "lena.annotator")
    with Project.open(lead_db) as project:
        for i, text in enumerate(TEXTS):
            project.add_document(f"doc{i}", text, who=lena)
    code, out, err = _run(capsys, "hub", "init", hub_db.admin_url, "--db", lead_db)
    assert code == 0, err
    assert "hub created (schema version 1)" in out
    code, out, _ = _run(capsys, "hub", "init", hub_db.admin_url, "--db", lead_db)
    assert "up to date" in out
    code, out, err = _run(capsys, "hub", "add-member", lena, "--role", "lead", "--db", lead_db,
                          "--password-file", _password_file(tmp_path, lena, "s3cret-lena"))
    assert code == 0, err
    assert "s3cret" not in out + err
    hub_db.cluster.remember_password(lena, "s3cret-lena")
    # From now on the lead works as herself.
    assert _run(capsys, "hub", "use", hub_db.url(lena), "--db", lead_db)[0] == 0
    for name, password in ((alice, "pw-a"), (bob, "pw-b")):
        code, _, err = _run(capsys, "hub", "add-member", name, "--role", "annotator",
                            "--db", lead_db, "--password-file",
                            _password_file(tmp_path, name, password))
        assert code == 0, err
        hub_db.cluster.remember_password(name, password)
    code, out, err = _run(capsys, "hub", "publish", "--db", lead_db)
    assert code == 0, err
    assert "published 3 documents" in out
    assert _run(capsys, "hub", "publish", "--db", lead_db)[1].startswith(
        "published 0 documents (3 already there)")
    code, out, err = _run(capsys, "hub", "assign", "doc0", alice, bob, "--db", lead_db)
    assert (code, out.split(":")[0]) == (0, "doc0"), err
    assert "2 new assignments" in out
    code, _, err = _run(capsys, "hub", "assign", "doc1", "nobody", "--db", lead_db)
    assert code == 1 and "not members of the hub: nobody" in err

    alice_db = str(tmp_path / "alice.annotator")
    Project.open(alice_db).close()
    code, out, err = _run(capsys, "sync", "--hub", hub_db.url(alice), "--db", alice_db)
    assert code == 0, err
    assert "1 documents" in out
    with Project.open(alice_db) as project:
        assert project.setting(URL_KEY) == hub_db.url(alice)
        doc = project.documents()[0]
        project.add_span(doc.id, 0, 3, "source", alice)
        project.set_document_status(doc.id, "in progress", who=alice)
    code, out, err = _run(capsys, "sync", "--db", alice_db)
    assert code == 0, err
    assert out.startswith("pushed 1 span changes")
    code, out, err = _run(capsys, "hub", "status", "--json", "--db", lead_db)
    assert code == 0, err
    status = json.loads(out)
    assert {m["name"]: m["role"] for m in status["members"]} == {
        "postgres": "lead", lena: "lead", alice: "annotator", bob: "annotator"}
    rows = {(r["document"], r["member"]): r for r in status["progress"]}
    assert rows["doc0", alice]["spans"] == 1
    assert rows["doc0", alice]["status"] == "in progress"
    assert rows["doc0", bob]["assigned"] and rows["doc0", bob]["spans"] == 0
    code, out, err = _run(capsys, "hub", "status", "--db", alice_db)
    assert code == 0, err
    assert "doc0" in out and "doc1" not in out
    # An annotator may not add members: refused, one line, no traceback.
    code, _, err = _run(capsys, "hub", "add-member", "mallory", "--role", "lead",
                        "--db", alice_db, "--password-file",
                        _password_file(tmp_path, "m", "x"))
    assert code == 1 and "only a lead may add members" in err
    assert len(err.strip().splitlines()) == 1
    code, _, err = _run(capsys, "hub", "share-layers", "on", "--db", alice_db)
    assert code == 1 and "annotator" in err


def test_a_password_in_the_address_is_refused(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "p.annotator")
    Project.open(db).close()
    for url in ("postgresql://alice:hunter2@localhost/team",
                "host=localhost dbname=team user=alice password=hunter2"):
        code, out, err = _run(capsys, "hub", "use", url, "--db", db)
        assert code == 1
        assert "holds a password" in err and "hunter2" not in out + err
    with Project.open(db) as project:
        assert project.setting(URL_KEY) is None


def test_an_unreachable_hub_is_one_clear_line(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "p.annotator")
    Project.open(db).close()
    missing = tmp_path / "no-server-here"
    code, out, err = _run(capsys, "sync", "--hub",
                          f"postgresql://alice@/team?host={missing}&connect_timeout=2",
                          "--db", db)
    assert code == 1
    assert err.startswith("annotator: error: cannot reach the hub at")
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_add_member_without_a_terminal_needs_a_password_file(
        team, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    db = str(team.root / "lead-cli.annotator")
    Project.open(db).close()
    code, _, err = _run(capsys, "hub", "add-member", team.db.member("dan"), "--role",
                        "annotator", "--hub", team.url(team.lead), "--db", db)
    assert code == 1 and "--password-file" in err
    monkeypatch.setattr("sys.stdin", io.StringIO("pw-dan\n"))
    code, out, err = _run(capsys, "hub", "add-member", team.db.member("dan"), "--role",
                          "annotator", "--password-file", "-", "--db", db)
    assert code == 0, err
    assert "pw-dan" not in out + err


def test_a_lead_without_superuser_sets_up_the_hub(hub_db, tmp_path: Path,  # noqa: ANN001
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """As on a managed PostgreSQL or after 'createuser --createrole': the lead owns the
    database and may create roles, nothing more."""
    import psycopg
    from psycopg import sql

    lead, alice = hub_db.member("owner"), hub_db.member("alice")
    with psycopg.connect(hub_db.admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEROLE PASSWORD 'pw-owner'").format(
            sql.Identifier(lead)))
        conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
            sql.Identifier(hub_db.name), sql.Identifier(lead)))
    hub_db.cluster.remember_password(lead, "pw-owner")
    db = str(tmp_path / "lead.annotator")
    with Project.open(db) as project:
        project.add_document("doc0", TEXTS[0], who=lead)
    code, _, err = _run(capsys, "hub", "init", hub_db.url(lead), "--db", db)
    assert code == 0, err
    code, _, err = _run(capsys, "hub", "add-member", alice, "--role", "annotator", "--db", db,
                        "--password-file", _password_file(tmp_path, alice, "pw-al"))
    assert code == 0, err
    hub_db.cluster.remember_password(alice, "pw-al")
    second_lead = hub_db.member("second")
    code, _, err = _run(capsys, "hub", "add-member", second_lead, "--role", "lead", "--db", db,
                        "--password-file", _password_file(tmp_path, second_lead, "pw-2"))
    assert code == 0, err
    assert _run(capsys, "hub", "publish", "--db", db)[0] == 0
    assert _run(capsys, "hub", "assign", "doc0", alice, "--db", db)[0] == 0
    alice_db = str(tmp_path / "alice.annotator")
    Project.open(alice_db).close()
    code, out, err = _run(capsys, "sync", "--hub", hub_db.url(alice), "--db", alice_db)
    assert code == 0, err
    assert "1 documents" in out
