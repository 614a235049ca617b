"""The hub's schema: tables, the change log, grants and row-level security, versioned.

Everything lives in the PostgreSQL schema ``hub`` of one database. ``hub.meta`` holds
``schema_version`` (the number of migrations applied) and the names of the three group roles
of this hub (``<database>_annotator``, ``<database>_reviewer``, ``<database>_lead``: roles are
cluster-wide, so several hubs can share one server). Each member is a PostgreSQL login role
whose name is the member's name and the name of their layer; ``hub.members`` says which of
the three roles they have, and the policies read it.

Who may do what (PostgreSQL refuses everything else):

- everyone: read the members, the label set, the relation types and the hub settings;
- an **annotator** reads the documents assigned to them and writes spans, relations and
  progress rows of their own layer only, on those documents; they read colleagues' layers
  (and review decisions) of those documents only while the lead allows it
  (the setting ``annotators_see_colleagues``);
- a **reviewer** reads every document and layer, writes their own layer, the reviewed layer
  (``REVIEWED_LAYER``) and review decisions;
- a **lead** can do what a reviewer can, and manages documents, the label set, relation types,
  members, assignments and settings.

The change log ``hub.changes`` is written by triggers only: one row per changed row, with a
global sequence number and the id of the writing transaction (``xid8``). A reader takes rows in
``(xid, seq)`` order and only those of transactions older than every transaction still running
(``pg_snapshot_xmin``): such rows are final, so a cursor ``(xid, seq)`` never skips a row that
commits later. Deleted rows leave their change row behind (the tombstone): a reader that finds
no current row for a logged id deletes it.

Never edit a released migration: append one to ``MIGRATIONS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from psycopg import sql

SCHEMA = "hub"
REVIEWED_LAYER = "reviewed"
ROLES = ("annotator", "reviewer", "lead")
SEE_COLLEAGUES = "annotators_see_colleagues"

__all__ = ["MIGRATIONS", "REVIEWED_LAYER", "ROLES", "SCHEMA", "SEE_COLLEAGUES", "GroupRoles",
           "current_version", "group_roles_for"]


@dataclass(frozen=True, slots=True)
class GroupRoles:
    """The three group (NOLOGIN) roles of one hub."""

    annotator: str
    reviewer: str
    lead: str

    def of(self, role: str) -> str:
        return {"annotator": self.annotator, "reviewer": self.reviewer, "lead": self.lead}[role]

    def all(self) -> tuple[str, str, str]:
        return (self.annotator, self.reviewer, self.lead)


def group_roles_for(database: str) -> GroupRoles:
    """The group roles of the hub in ``database`` (names fit PostgreSQL's 63 bytes)."""
    base = database
    while len(base.encode()) > 50:
        base = base[:-1]
    return GroupRoles(f"{base}_annotator", f"{base}_reviewer", f"{base}_lead")


# -- version 1 ---------------------------------------------------------------------------------

_V1_TABLES = """
CREATE TABLE hub.meta (
    key text PRIMARY KEY,
    value jsonb NOT NULL
);
CREATE TABLE hub.settings (
    key text PRIMARY KEY,
    value jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by text NOT NULL DEFAULT current_user
);
CREATE TABLE hub.members (
    name text PRIMARY KEY,
    role text NOT NULL CHECK (role IN ('annotator', 'reviewer', 'lead')),
    added_at timestamptz NOT NULL DEFAULT now(),
    added_by text NOT NULL DEFAULT current_user
);
CREATE TABLE hub.documents (
    sha256 text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    uid text NOT NULL,
    name text NOT NULL,
    text text NOT NULL,
    length integer NOT NULL,
    meta jsonb NOT NULL DEFAULT '{}',
    published_at timestamptz NOT NULL DEFAULT now(),
    published_by text NOT NULL DEFAULT current_user,
    CHECK (length = char_length(text))
);
CREATE TABLE hub.labels (
    name text PRIMARY KEY,
    color text NOT NULL CHECK (color ~ '^#[0-9a-fA-F]{6}$'),
    key text UNIQUE,
    description text NOT NULL DEFAULT '',
    position integer NOT NULL,
    attributes jsonb NOT NULL DEFAULT '[]',
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE hub.relation_types (
    name text PRIMARY KEY,
    color text NOT NULL CHECK (color ~ '^#[0-9a-fA-F]{6}$'),
    key text UNIQUE,
    description text NOT NULL DEFAULT '',
    head_labels text[] NOT NULL DEFAULT '{}',
    tail_labels text[] NOT NULL DEFAULT '{}',
    position integer NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE hub.assignments (
    document_sha text NOT NULL REFERENCES hub.documents (sha256) ON DELETE CASCADE,
    member text NOT NULL REFERENCES hub.members (name) ON DELETE CASCADE,
    assigned_at timestamptz NOT NULL DEFAULT now(),
    assigned_by text NOT NULL DEFAULT current_user,
    PRIMARY KEY (document_sha, member)
);
CREATE INDEX assignments_by_member ON hub.assignments (member, document_sha);
CREATE TABLE hub.spans (
    id text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{32}$'),
    document_sha text NOT NULL REFERENCES hub.documents (sha256) ON DELETE CASCADE,
    start integer NOT NULL,
    "end" integer NOT NULL,
    label text NOT NULL REFERENCES hub.labels (name) ON UPDATE CASCADE,
    annotator text NOT NULL,
    note text,
    value jsonb,
    attributes jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),
    created_at text NOT NULL,
    updated_at text NOT NULL,
    written_by text NOT NULL DEFAULT current_user,
    CHECK (start >= 0 AND "end" > start),
    UNIQUE (document_sha, start, "end", label, annotator) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX spans_by_layer ON hub.spans (document_sha, annotator);
CREATE TABLE hub.relations (
    id text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{32}$'),
    document_sha text NOT NULL REFERENCES hub.documents (sha256) ON DELETE CASCADE,
    head text NOT NULL REFERENCES hub.spans (id) ON DELETE CASCADE,
    tail text NOT NULL REFERENCES hub.spans (id) ON DELETE CASCADE,
    label text NOT NULL REFERENCES hub.relation_types (name) ON UPDATE CASCADE,
    annotator text NOT NULL,
    note text,
    created_at text NOT NULL,
    updated_at text NOT NULL,
    written_by text NOT NULL DEFAULT current_user,
    CHECK (head <> tail)
);
CREATE INDEX relations_by_layer ON hub.relations (document_sha, annotator);
CREATE INDEX relations_by_head ON hub.relations (head);
CREATE INDEX relations_by_tail ON hub.relations (tail);
CREATE TABLE hub.decisions (
    id text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{32}$'),
    document_sha text NOT NULL REFERENCES hub.documents (sha256) ON DELETE CASCADE,
    decision text NOT NULL
        CHECK (decision IN ('accept', 'accept_with_changes', 'reject', 'add')),
    source_spans jsonb NOT NULL DEFAULT '[]',
    result_span_id text,
    reason text,
    who text NOT NULL,
    at text NOT NULL,
    written_by text NOT NULL DEFAULT current_user
);
CREATE INDEX decisions_by_document ON hub.decisions (document_sha);
CREATE TABLE hub.progress (
    document_sha text NOT NULL REFERENCES hub.documents (sha256) ON DELETE CASCADE,
    member text NOT NULL,
    status text NOT NULL CHECK (status IN ('new', 'in progress', 'done')),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (document_sha, member)
);
CREATE TABLE hub.changes (
    seq bigint GENERATED ALWAYS AS IDENTITY,
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    entity text NOT NULL,
    entity_id text NOT NULL,
    document_sha text,
    layer text,
    writer text NOT NULL DEFAULT current_user,
    PRIMARY KEY (xid, seq)
);
CREATE INDEX changes_by_document ON hub.changes (document_sha, xid, seq);
"""

# entity name, table, id expression, document expression, layer expression
_LOGGED = [
    ("span", "spans", "r.id", "r.document_sha", "r.annotator"),
    ("relation", "relations", "r.id", "r.document_sha", "r.annotator"),
    ("decision", "decisions", "r.id", "r.document_sha", "NULL"),
    ("progress", "progress", "r.document_sha || ':' || r.member", "r.document_sha", "r.member"),
    ("document", "documents", "r.sha256", "r.sha256", "NULL"),
    ("assignment", "assignments", "r.document_sha || ':' || r.member", "r.document_sha",
     "r.member"),
    ("label", "labels", "r.name", "NULL", "NULL"),
    ("relation_type", "relation_types", "r.name", "NULL", "NULL"),
    ("member", "members", "r.name", "NULL", "NULL"),
    ("setting", "settings", "r.key", "NULL", "NULL"),
]


def _v1_triggers() -> str:
    """One statement-level trigger per table and event, logging every changed row (the
    transition tables: a bulk insert of 20,000 spans is one trigger call)."""
    out = []
    for entity, table, ident, document, layer in _LOGGED:
        for event, rows in (("INSERT", "new_rows"), ("UPDATE", "new_rows"),
                            ("DELETE", "old_rows")):
            function = f"hub.log_{table}_{event.lower()}"
            out.append(f"""
CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO hub.changes (entity, entity_id, document_sha, layer)
    SELECT '{entity}', {ident}, {document}, {layer} FROM {rows} r;
    RETURN NULL;
END $$;""")
            referencing = ("REFERENCING OLD TABLE AS old_rows" if event == "DELETE"
                           else "REFERENCING NEW TABLE AS new_rows")
            out.append(f"CREATE TRIGGER log_{event.lower()} AFTER {event} ON hub.{table} "
                       f"{referencing} FOR EACH STATEMENT EXECUTE FUNCTION {function}();")
    return "\n".join(out)


_V1_FUNCTIONS = """
CREATE FUNCTION hub.my_role() RETURNS text LANGUAGE sql STABLE AS
$$ SELECT role FROM hub.members WHERE name = current_user $$;
CREATE FUNCTION hub.colleagues_visible() RETURNS boolean LANGUAGE sql STABLE AS
$$ SELECT coalesce((SELECT value = 'true'::jsonb FROM hub.settings
                    WHERE key = 'annotators_see_colleagues'), false) $$;
"""

# Each policy expression wraps the helper functions in a sub-select, so PostgreSQL computes
# them once per statement (an InitPlan), and the assignments in a hashed sub-plan.
_SEES_ALL = "(SELECT hub.my_role()) IN ('reviewer', 'lead')"
_IS_LEAD = "(SELECT hub.my_role()) = 'lead'"
_MY_DOCUMENTS = "(SELECT a.document_sha FROM hub.assignments a WHERE a.member = current_user)"
_WRITES_LAYER = (f"(annotator = current_user OR (annotator = '{REVIEWED_LAYER}' "
                 f"AND {_SEES_ALL}))")
_CAN_WRITE_ON = f"({_SEES_ALL} OR document_sha IN {_MY_DOCUMENTS})"

_V1_POLICIES = f"""
ALTER TABLE hub.documents ENABLE ROW LEVEL SECURITY;
CREATE POLICY read ON hub.documents FOR SELECT
    USING ({_SEES_ALL} OR sha256 IN {_MY_DOCUMENTS});
CREATE POLICY lead_insert ON hub.documents FOR INSERT WITH CHECK ({_IS_LEAD});
CREATE POLICY lead_update ON hub.documents FOR UPDATE USING ({_IS_LEAD}) WITH CHECK ({_IS_LEAD});
CREATE POLICY lead_delete ON hub.documents FOR DELETE USING ({_IS_LEAD});

ALTER TABLE hub.assignments ENABLE ROW LEVEL SECURITY;
CREATE POLICY read ON hub.assignments FOR SELECT
    USING ({_SEES_ALL} OR member = current_user);
CREATE POLICY lead_insert ON hub.assignments FOR INSERT WITH CHECK ({_IS_LEAD});
CREATE POLICY lead_update ON hub.assignments FOR UPDATE USING ({_IS_LEAD})
    WITH CHECK ({_IS_LEAD});
CREATE POLICY lead_delete ON hub.assignments FOR DELETE USING ({_IS_LEAD});
"""

for _table in ("spans", "relations"):
    _V1_POLICIES += f"""
ALTER TABLE hub.{_table} ENABLE ROW LEVEL SECURITY;
CREATE POLICY read ON hub.{_table} FOR SELECT
    USING ({_SEES_ALL} OR (document_sha IN {_MY_DOCUMENTS}
           AND (annotator = current_user OR (SELECT hub.colleagues_visible()))));
CREATE POLICY write_insert ON hub.{_table} FOR INSERT
    WITH CHECK (written_by = current_user AND {_WRITES_LAYER} AND {_CAN_WRITE_ON});
CREATE POLICY write_update ON hub.{_table} FOR UPDATE
    USING ({_WRITES_LAYER} AND {_CAN_WRITE_ON})
    WITH CHECK (written_by = current_user AND {_WRITES_LAYER} AND {_CAN_WRITE_ON});
CREATE POLICY write_delete ON hub.{_table} FOR DELETE
    USING ({_WRITES_LAYER} AND {_CAN_WRITE_ON});
"""

_V1_POLICIES += f"""
ALTER TABLE hub.decisions ENABLE ROW LEVEL SECURITY;
CREATE POLICY read ON hub.decisions FOR SELECT
    USING ({_SEES_ALL} OR (document_sha IN {_MY_DOCUMENTS}
           AND (SELECT hub.colleagues_visible())));
CREATE POLICY reviewer_insert ON hub.decisions FOR INSERT
    WITH CHECK ({_SEES_ALL} AND written_by = current_user);
CREATE POLICY reviewer_update ON hub.decisions FOR UPDATE
    USING ({_SEES_ALL} AND written_by = current_user)
    WITH CHECK ({_SEES_ALL} AND written_by = current_user);
CREATE POLICY reviewer_delete ON hub.decisions FOR DELETE
    USING ({_SEES_ALL} AND written_by = current_user);

ALTER TABLE hub.progress ENABLE ROW LEVEL SECURITY;
CREATE POLICY read ON hub.progress FOR SELECT
    USING ({_SEES_ALL} OR member = current_user
           OR (document_sha IN {_MY_DOCUMENTS} AND (SELECT hub.colleagues_visible())));
CREATE POLICY own_insert ON hub.progress FOR INSERT
    WITH CHECK (member = current_user AND {_CAN_WRITE_ON});
CREATE POLICY own_update ON hub.progress FOR UPDATE USING (member = current_user)
    WITH CHECK (member = current_user AND {_CAN_WRITE_ON});
CREATE POLICY own_delete ON hub.progress FOR DELETE USING (member = current_user);

ALTER TABLE hub.changes ENABLE ROW LEVEL SECURITY;
CREATE POLICY read ON hub.changes FOR SELECT
    USING ({_SEES_ALL} OR document_sha IS NULL
           OR (document_sha IN {_MY_DOCUMENTS}
               AND (layer IS NULL OR layer = current_user
                    OR (SELECT hub.colleagues_visible()))));
CREATE POLICY logged_by_trigger ON hub.changes FOR INSERT WITH CHECK (writer = current_user);
"""


def _v1_grants(roles: GroupRoles) -> list[sql.Composable]:
    everyone = sql.SQL(", ").join(sql.Identifier(r) for r in roles.all())
    seers = sql.SQL(", ").join(sql.Identifier(r) for r in (roles.reviewer, roles.lead))
    lead = sql.Identifier(roles.lead)
    q = sql.SQL
    return [
        q("REVOKE ALL ON SCHEMA hub FROM PUBLIC"),
        q("GRANT USAGE ON SCHEMA hub TO {}").format(everyone),
        q("GRANT SELECT ON ALL TABLES IN SCHEMA hub TO {}").format(everyone),
        q("GRANT INSERT ON hub.changes TO {}").format(everyone),
        q("GRANT INSERT, UPDATE, DELETE ON hub.spans, hub.relations, hub.progress TO {}")
        .format(everyone),
        q("GRANT INSERT, UPDATE, DELETE ON hub.decisions TO {}").format(seers),
        q("GRANT INSERT, UPDATE, DELETE ON hub.documents, hub.labels, hub.relation_types, "
          "hub.assignments, hub.members, hub.settings TO {}").format(lead),
    ]


def _v1(roles: GroupRoles) -> list[Any]:
    return [_V1_TABLES, _v1_triggers(), _V1_FUNCTIONS, _V1_POLICIES, *_v1_grants(roles)]


Migration = Callable[[GroupRoles], list[Any]]
MIGRATIONS: list[Migration] = [_v1]


def current_version() -> int:
    """The hub schema version this code writes."""
    return len(MIGRATIONS)
