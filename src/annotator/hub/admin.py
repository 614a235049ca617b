"""What a lead does on the hub: create it, publish documents and the label set, assign
documents, change hub settings; and what everyone may read: the status of the team's work."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from annotator.hub.client import HubError, HubSession, connect, refused
from annotator.hub.roles import create_group_roles
from annotator.hub.schema import (
    MIGRATIONS,
    REVIEWED_LAYER,
    SEE_COLLEAGUES,
    current_version,
    group_roles_for,
)
from annotator.store import Project

__all__ = ["Status", "assign", "attribute_definitions", "find_documents", "init_hub", "publish", "set_hub_setting",
           "status"]


def init_hub(url: str) -> tuple[HubSession, int, int]:
    """Create the hub schema in the database at ``url`` (or migrate it); the connecting
    role owns it and becomes its first lead. Returns ``(session, old version, new version)``;
    the caller closes the session."""
    session = connect(url, need_hub=False)
    conn = session.conn
    old = session.version or 0
    if old > current_version():
        session.close()
        raise HubError(f"the hub has schema version {old}, newer than this annotator "
                       f"({current_version()}); update annotator")
    try:
        with conn.transaction():
            encoding = conn.execute("SHOW server_encoding").fetchone()[0]
            if encoding.upper() not in ("UTF8", "UTF-8"):
                raise HubError(f"the database's encoding is {encoding}; a hub needs UTF8 "
                               f"(createdb --encoding=UTF8 --template=template0)")
            roles = session.roles or group_roles_for(session.database)
            create_group_roles(conn, roles)
            if old == 0:
                conn.execute("CREATE SCHEMA hub")
            for migration in MIGRATIONS[old:]:
                for statement in migration(roles):
                    conn.execute(statement)
            meta = {"schema_version": current_version(),
                    "roles": {"annotator": roles.annotator, "reviewer": roles.reviewer,
                              "lead": roles.lead},
                    "reviewed_layer": REVIEWED_LAYER}
            if old == 0:
                meta["hub_id"] = uuid.uuid4().hex
            for key, value in meta.items():
                conn.execute("INSERT INTO hub.meta (key, value) VALUES (%s, %s) "
                             "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                             [key, json.dumps(value)])
            if old == 0:
                conn.execute("INSERT INTO hub.members (name, role) VALUES (current_user, "
                             "'lead') ON CONFLICT (name) DO NOTHING")
                conn.execute("INSERT INTO hub.settings (key, value) VALUES (%s, 'false')",
                             [SEE_COLLEAGUES])
    except HubError:
        session.close()
        raise
    except psycopg.Error as exc:
        session.close()
        raise refused(exc, "create the hub") from None
    session.close()
    return connect(url), old, current_version()


@dataclass
class PublishReport:
    documents_added: int = 0
    documents_known: int = 0
    labels: int = 0
    labels_kept: list[str] = field(default_factory=list)  # on the hub, not local, still used


def publish(session: HubSession, project: Project,
            document_ids: list[int] | None = None) -> PublishReport:
    """Put the project's documents (all, or ``document_ids``) and its label set on the hub,
    in one transaction. Documents are keyed by SHA-256: one already there is left as it is.
    The hub's label set becomes the project's; a hub label the project lacks is removed
    unless spans on the hub use it (then it is kept and reported)."""
    session.require("lead", doing="publish documents and the label set")
    report = PublishReport()
    conn = session.conn
    try:
        with conn.transaction():
            push_labels(conn, project)
            push_relation_types(conn, project)
            report.labels = len(project.labels())
            report.labels_kept = _drop_unused_labels(conn, [lab.name for lab in project.labels()])
            known = {r[0] for r in conn.execute("SELECT sha256 FROM hub.documents")}
            wanted = set(document_ids) if document_ids is not None else None
            rows = []
            for doc in project.documents():
                if wanted is not None and doc.id not in wanted:
                    continue
                if doc.sha256 in known:
                    report.documents_known += 1
                    continue
                rows.append((doc.sha256, doc.uid, doc.name, project.text(doc.id), doc.length,
                             json.dumps(doc.meta, ensure_ascii=False)))
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO hub.documents (sha256, uid, name, text, length, meta) "
                    "VALUES (%s, %s, %s, %s, %s, %s::jsonb) ON CONFLICT (sha256) DO NOTHING",
                    rows)
            report.documents_added = len(rows)
    except psycopg.Error as exc:
        raise refused(exc, "publish") from None
    return report


def push_labels(conn: psycopg.Connection, project: Project) -> None:
    """Make the hub's labels hold every label of the project with its definition, position
    and attribute definitions (inside the caller's transaction); no label is removed here."""
    labels = project.labels()
    hub_keys = dict(conn.execute("SELECT name, key FROM hub.labels").fetchall())
    local_names = {lab.name for lab in labels}
    # A key moving from one label to another: free it first (keys are unique on the hub).
    moving = {lab.key for lab in labels if lab.key is not None}
    for name, key in hub_keys.items():
        if key in moving and name not in local_names:
            conn.execute("UPDATE hub.labels SET key = NULL WHERE name = %s", [name])
    conn.execute("UPDATE hub.labels SET key = NULL WHERE name = ANY(%s) AND key IS NOT NULL",
                 [[lab.name for lab in labels if hub_keys.get(lab.name) != lab.key]])
    attributes = attribute_definitions(project)
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO hub.labels (name, color, key, description, position, attributes) "
            "VALUES (%s, %s, %s, %s, %s, %s::jsonb) ON CONFLICT (name) DO UPDATE SET "
            "color = EXCLUDED.color, key = EXCLUDED.key, description = EXCLUDED.description, "
            "position = EXCLUDED.position, attributes = EXCLUDED.attributes, "
            "updated_at = now() WHERE (hub.labels.color, hub.labels.key, "
            "hub.labels.description, hub.labels.position, hub.labels.attributes) "
            "IS DISTINCT FROM (EXCLUDED.color, EXCLUDED.key, EXCLUDED.description, "
            "EXCLUDED.position, EXCLUDED.attributes)",
            [(lab.name, lab.color, lab.key, lab.description, position,
              json.dumps(attributes.get(lab.name, []), ensure_ascii=False))
             for position, lab in enumerate(labels)])


def attribute_definitions(project: Project) -> dict[str, list[dict[str, Any]]]:
    """The attributes each label of the project declares, in their order, as the hub keeps
    them (``hub.labels.attributes``: a JSON list of ``{name, kind, choices, description}``)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for attribute in project.label_attributes():
        out.setdefault(attribute.label, []).append({
            "name": attribute.name, "kind": attribute.kind,
            "choices": list(attribute.choices), "description": attribute.description})
    return out


def push_relation_types(conn: psycopg.Connection, project: Project) -> None:
    """Make the hub's relation types hold every type of the project with its definition
    and position (inside the caller's transaction); nothing is removed here."""
    types = project.relation_types()
    conn.execute("UPDATE hub.relation_types SET key = NULL WHERE key IS NOT NULL")
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO hub.relation_types AS h (name, color, key, description, head_labels, "
            "tail_labels, position) VALUES (%s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (name) DO UPDATE SET color = EXCLUDED.color, key = EXCLUDED.key, "
            "description = EXCLUDED.description, head_labels = EXCLUDED.head_labels, "
            "tail_labels = EXCLUDED.tail_labels, position = EXCLUDED.position, "
            "updated_at = now()",
            [(rt.name, rt.color, rt.key, rt.description, list(rt.heads), list(rt.tails),
              position) for position, rt in enumerate(types)])


def _drop_unused_labels(conn: psycopg.Connection, keep: list[str]) -> list[str]:
    """Remove hub labels not in ``keep`` that no span uses; returns the used ones kept."""
    conn.execute("DELETE FROM hub.labels l WHERE NOT (l.name = ANY(%s)) AND NOT EXISTS "
                 "(SELECT 1 FROM hub.spans s WHERE s.label = l.name)", [keep])
    return [r[0] for r in conn.execute(
        "SELECT name FROM hub.labels WHERE NOT (name = ANY(%s)) ORDER BY name", [keep])]


def find_documents(session: HubSession, ref: str) -> list[tuple[str, str]]:
    """``(sha256, name)`` of the hub documents that ``ref`` names: a name, a uid, or a
    SHA-256 prefix of 8 characters or more."""
    params: list[Any] = [ref, ref]
    where = "name = %s OR uid = %s"
    if len(ref) >= 8 and all(c in "0123456789abcdef" for c in ref.lower()):
        where += " OR sha256 LIKE %s"
        params.append(ref.lower() + "%")
    return [tuple(r) for r in session.conn.execute(
        f"SELECT sha256, name FROM hub.documents WHERE {where} ORDER BY name", params)]


def assign(session: HubSession, document: str, members: list[str]) -> tuple[str, int]:
    """Assign the one hub document ``document`` names to ``members`` (each must be a
    member). Returns ``(document name, new assignments)``."""
    session.require("lead", doing="assign documents")
    found = find_documents(session, document)
    if len(found) != 1:
        raise HubError(f"{document!r} names {len(found)} documents on the hub"
                       + ("; be precise" if found else "; publish it first"))
    sha, name = found[0]
    conn = session.conn
    try:
        with conn.transaction():
            known = {r[0] for r in conn.execute(
                "SELECT name FROM hub.members WHERE name = ANY(%s)", [members])}
            missing = [m for m in members if m not in known]
            if missing:
                raise HubError(f"not members of the hub: {', '.join(missing)} (add them with "
                               f"'annotator hub add-member')")
            added = 0
            for member in members:
                cur = conn.execute("INSERT INTO hub.assignments (document_sha, member) "
                                   "VALUES (%s, %s) ON CONFLICT DO NOTHING", [sha, member])
                added += cur.rowcount
    except psycopg.Error as exc:
        raise refused(exc, "assign documents") from None
    return name, added


def set_hub_setting(session: HubSession, key: str, value: Any) -> None:
    """Set a hub setting (lead)."""
    session.require("lead", doing="change the hub's settings")
    try:
        with session.conn.transaction():
            session.conn.execute(
                "INSERT INTO hub.settings (key, value) VALUES (%s, %s::jsonb) "
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now(), "
                "updated_by = current_user", [key, json.dumps(value)])
    except psycopg.Error as exc:
        raise refused(exc, "change the hub's settings") from None


@dataclass
class Status:
    members: list[tuple[str, str]]  # (name, role)
    settings: dict[str, Any]
    # one row per (document, layer or assignee): name, sha, member, assigned, spans, status
    progress: list[dict[str, Any]]
    documents: int
    spans: int


def status(session: HubSession) -> Status:
    """Members, settings and, per document and annotator, whether they are assigned, how
    many spans their layer has and the status they gave the document (what my role may
    read)."""
    conn = session.conn
    try:
        with conn.transaction():
            members = [tuple(r) for r in conn.execute(
                "SELECT name, role FROM hub.members ORDER BY role, name")]
            settings = dict(conn.execute("SELECT key, value FROM hub.settings").fetchall())
            rows = conn.execute(sql.SQL("""
                WITH layers AS (
                    SELECT document_sha, annotator AS member, count(*) AS spans,
                           max(updated_at) AS last
                    FROM hub.spans GROUP BY document_sha, annotator),
                pairs AS (
                    SELECT document_sha, member FROM hub.assignments
                    UNION SELECT document_sha, member FROM layers
                    UNION SELECT document_sha, member FROM hub.progress)
                SELECT d.name, d.sha256, p.member,
                       EXISTS (SELECT 1 FROM hub.assignments a
                               WHERE a.document_sha = p.document_sha AND a.member = p.member),
                       coalesce(l.spans, 0), coalesce(g.status, 'new'), l.last
                FROM pairs p JOIN hub.documents d ON d.sha256 = p.document_sha
                LEFT JOIN layers l ON l.document_sha = p.document_sha AND l.member = p.member
                LEFT JOIN hub.progress g ON g.document_sha = p.document_sha
                     AND g.member = p.member
                ORDER BY d.name, d.sha256, p.member""")).fetchall()
            documents = conn.execute("SELECT count(*) FROM hub.documents").fetchone()[0]
            spans = conn.execute("SELECT count(*) FROM hub.spans").fetchone()[0]
    except psycopg.Error as exc:
        raise refused(exc, "read the status") from None
    progress = [{"document": r[0], "sha256": r[1], "member": r[2], "assigned": r[3],
                 "spans": r[4], "status": r[5], "last_change": r[6]} for r in rows]
    return Status(members, settings, progress, documents, spans)
