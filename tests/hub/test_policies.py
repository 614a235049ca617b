"""PostgreSQL itself refuses what a role may not do: each test connects AS the member (with
their password, through pgpass) and tries the forbidden statement in raw SQL."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from hub_helpers import Team
from psycopg import errors as pgerrors

REFUSED = (pgerrors.InsufficientPrivilege,)  # permission denied, row-level security


def _conn(team: Team, who: str) -> psycopg.Connection:
    return psycopg.connect(team.url(who), autocommit=True)


def _span_sql(sha: str, layer: str, *, start: int = 0, label: str = "actor",
              written_by: str | None = None) -> tuple[str, list]:
    columns = 'id, document_sha, start, "end", label, annotator, created_at, updated_at'
    values = [uuid.uuid4().hex, sha, start, start + 2, label, layer, "2026-12-01T00:00:00.000Z",
              "2026-12-01T00:00:00.000Z"]
    if written_by is not None:
        columns += ", written_by"
        values.append(written_by)
    marks = ", ".join(["%s"] * len(values))
    return f"INSERT INTO hub.spans ({columns}) VALUES ({marks})", values


def _refused(conn: psycopg.Connection, statement: str, params: list | None = None) -> None:
    with pytest.raises(REFUSED):
        conn.execute(statement, params)


def test_password_is_checked(team: Team) -> None:
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(team.url(team.alice))
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(make_conninfo(**params, password="wrong"))


def test_annotator_writes_only_their_own_layer(team: Team) -> None:
    shared = team.shas[0]
    with _conn(team, team.bob) as bob:
        bob_span = _span_sql(shared, team.bob)
        bob.execute(*bob_span)
    with _conn(team, team.alice) as alice:
        # a span in bob's layer, in the reviewed layer, with someone else as writer
        _refused(alice, *_span_sql(shared, team.bob))
        _refused(alice, *_span_sql(shared, "reviewed"))
        _refused(alice, *_span_sql(shared, team.alice, written_by=team.bob))
        # a span of her own on a document not assigned to her
        _refused(alice, *_span_sql(team.shas[2], team.alice))
        # bob's span: updating or deleting it touches nothing (the policy hides the row)
        assert alice.execute("UPDATE hub.spans SET label = 'weapon' WHERE id = %s",
                             [bob_span[1][0]]).rowcount == 0
        assert alice.execute("DELETE FROM hub.spans WHERE id = %s",
                             [bob_span[1][0]]).rowcount == 0
        # moving her own span into bob's layer
        alice.execute(*_span_sql(shared, team.alice, start=4))
        _refused(alice, "UPDATE hub.spans SET annotator = %s WHERE annotator = %s",
                 [team.bob, team.alice])
        # her own layer works
        assert alice.execute("SELECT count(*) FROM hub.spans").fetchone()[0] == 1
    with psycopg.connect(team.db.admin_url) as admin:
        assert admin.execute("SELECT label FROM hub.spans WHERE id = %s",
                             [bob_span[1][0]]).fetchone()[0] == "actor"


def test_annotator_reads_only_assigned_documents_and_own_layer(team: Team) -> None:
    with _conn(team, team.bob) as bob:
        bob.execute(*_span_sql(team.shas[0], team.bob))
    with _conn(team, team.alice) as alice:
        shas = {r[0] for r in alice.execute("SELECT sha256 FROM hub.documents")}
        assert shas == {team.shas[0], team.shas[1]}
        assert alice.execute("SELECT text FROM hub.documents WHERE sha256 = %s",
                             [team.shas[2]]).fetchall() == []
        assert alice.execute("SELECT count(*) FROM hub.spans").fetchone()[0] == 0
        assert {r[0] for r in alice.execute("SELECT member FROM hub.assignments")} == \
            {team.alice}
        assert alice.execute("SELECT count(*) FROM hub.changes WHERE entity = 'span'"
                             ).fetchone()[0] == 0
    with _conn(team, team.lead) as lead:
        lead.execute("UPDATE hub.settings SET value = 'true' "
                     "WHERE key = 'annotators_see_colleagues'")
    with _conn(team, team.alice) as alice:
        assert alice.execute("SELECT count(*) FROM hub.spans").fetchone()[0] == 1
        assert alice.execute("SELECT count(*) FROM hub.documents").fetchone()[0] == 2


def test_annotator_cannot_manage_anything(team: Team) -> None:
    with _conn(team, team.alice) as alice:
        _refused(alice, "UPDATE hub.labels SET color = '#000000'")
        _refused(alice, "INSERT INTO hub.labels (name, color, position) VALUES "
                        "('x', '#000000', 9)")
        _refused(alice, "DELETE FROM hub.labels")
        _refused(alice, "INSERT INTO hub.assignments (document_sha, member) VALUES (%s, %s)",
                 [team.shas[2], team.alice])
        _refused(alice, "INSERT INTO hub.members (name, role) VALUES ('mallory', 'lead')")
        _refused(alice, "UPDATE hub.members SET role = 'lead' WHERE name = %s", [team.alice])
        _refused(alice, "UPDATE hub.settings SET value = 'true'")
        _refused(alice, "DELETE FROM hub.documents")
        _refused(alice, "INSERT INTO hub.decisions (id, document_sha, decision, who, at) "
                        "VALUES (%s, %s, 'reject', 'x', 'y')", [uuid.uuid4().hex, team.shas[0]])
        _refused(alice, "DELETE FROM hub.changes")
        _refused(alice, "UPDATE hub.changes SET writer = 'x'")
        _refused(alice, "INSERT INTO hub.changes (entity, entity_id, writer) "
                        "VALUES ('span', 'x', %s)", [team.bob])
        _refused(alice, "CREATE ROLE mallory LOGIN")
        _refused(alice, "CREATE TABLE hub.mine (x int)")
        _refused(alice, "ALTER TABLE hub.spans DISABLE ROW LEVEL SECURITY")


def test_reviewer_reads_all_writes_reviewed_layer_and_decisions_only(team: Team) -> None:
    with _conn(team, team.bob) as bob:
        bob.execute(*_span_sql(team.shas[2], team.bob))
    with _conn(team, team.rita) as rita:
        assert rita.execute("SELECT count(*) FROM hub.documents").fetchone()[0] == 3
        assert rita.execute("SELECT count(*) FROM hub.spans").fetchone()[0] == 1
        rita.execute(*_span_sql(team.shas[2], "reviewed"))
        rita.execute("INSERT INTO hub.decisions (id, document_sha, decision, who, at) "
                     "VALUES (%s, %s, 'reject', %s, 'now')",
                     [uuid.uuid4().hex, team.shas[2], team.rita])
        _refused(rita, *_span_sql(team.shas[2], team.bob, start=5))
        assert rita.execute("UPDATE hub.spans SET note = 'x' WHERE annotator = %s",
                            [team.bob]).rowcount == 0
        _refused(rita, "INSERT INTO hub.members (name, role) VALUES ('x', 'annotator')")
        _refused(rita, "CREATE ROLE mallory LOGIN")
        _refused(rita, "UPDATE hub.labels SET color = '#000000'")
        _refused(rita, "INSERT INTO hub.assignments (document_sha, member) VALUES (%s, %s)",
                 [team.shas[2], team.rita])
        _refused(rita, "DELETE FROM hub.documents")
    with _conn(team, team.lead) as lead:
        # another reviewer's (or the lead's) decision rows are not the lead's to change
        assert lead.execute("DELETE FROM hub.decisions").rowcount == 0


def test_lead_manages_but_does_not_write_others_layers(team: Team) -> None:
    from annotator.hub.roles import add_member

    with team.session(team.lead) as session:
        add_member(session, team.db.member("carol"), "annotator", "pw-carol")
    with _conn(team, team.lead) as lead:
        lead.execute("INSERT INTO hub.assignments (document_sha, member) VALUES (%s, %s)",
                     [team.shas[2], team.alice])
        lead.execute("UPDATE hub.labels SET description = 'who' WHERE name = 'actor'")
        _refused(lead, *_span_sql(team.shas[0], team.alice))
        lead.execute(*_span_sql(team.shas[0], team.lead))
        lead.execute(*_span_sql(team.shas[0], "reviewed", start=3))
        _refused(lead, "ALTER TABLE hub.spans DISABLE ROW LEVEL SECURITY")
    with _conn(team, team.alice) as alice:
        assert alice.execute("SELECT count(*) FROM hub.documents").fetchone()[0] == 3
