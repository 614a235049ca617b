"""Members and their PostgreSQL roles.

Each member is a login role named like the member (and their layer). It belongs to one of the
hub's three group roles, which carry the table rights; ``hub.members`` records the role the row
policies read. A lead's login role also gets ``CREATEROLE`` and the right to hand out the group
roles (``WITH ADMIN OPTION``), so that a lead can add members without the server's superuser.

Passwords are hashed here (SCRAM-SHA-256, by libpq) before they are sent: the server, its log
and its statistics only ever see the verifier.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from annotator.domain.text import name_problem
from annotator.hub.client import HubError, HubSession, refused
from annotator.hub.schema import REVIEWED_LAYER, ROLES, GroupRoles

__all__ = ["add_member", "check_member_name", "create_group_roles"]


def check_member_name(name: str, roles: GroupRoles | None = None) -> str:
    """A member name usable as a PostgreSQL role and a layer name, or HubError."""
    if not name or name != name.strip():
        raise HubError(f"member name {name!r} is empty or padded")
    if len(name.encode()) > 63:
        raise HubError(f"member name {name!r} is longer than PostgreSQL's 63 bytes")
    problem = name_problem(name)
    if problem is not None:
        raise HubError(f"member name {name!r} {problem}")
    if name.lower().startswith("pg_") or name in ("public", "postgres", REVIEWED_LAYER):
        raise HubError(f"{name!r} is reserved; choose another member name")
    if roles is not None and name in roles.all():
        raise HubError(f"{name!r} is one of the hub's group roles; choose another name")
    return name


def create_group_roles(conn: psycopg.Connection, roles: GroupRoles) -> None:
    """Create the three NOLOGIN group roles unless they exist."""
    for name in roles.all():
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(name)))


def add_member(session: HubSession, name: str, role: str, password: str | None) -> bool:
    """Add (or re-role) a member; creates their login role when it does not exist yet.
    Returns True when the login role was created. Only a lead may (PostgreSQL checks too:
    ``CREATEROLE``, admin of the group roles, and the policies of ``hub.members``)."""
    if role not in ROLES:
        raise HubError(f"role must be one of {', '.join(ROLES)}")
    if session.roles is None:
        raise HubError("this hub has no group roles; run 'annotator hub init' again")
    check_member_name(name, session.roles)
    session.require("lead", doing="add members")
    conn = session.conn
    ident = sql.Identifier(name)
    created = False
    try:
        with conn.transaction():
            exists = conn.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = %s",
                                  [name]).fetchone()
            if exists is None:
                if not password:
                    raise HubError(f"{name} has no login role yet: give a password")
                verifier = _verifier(conn, password, name)
                conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                    ident, sql.Literal(verifier)))
                created = True
            elif password:
                conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                    ident, sql.Literal(_verifier(conn, password, name))))
            previous = conn.execute("SELECT role FROM hub.members WHERE name = %s",
                                    [name]).fetchone()
            if previous is not None and previous[0] != role:
                conn.execute(sql.SQL("REVOKE {} FROM {}").format(
                    sql.Identifier(session.roles.of(previous[0])), ident))
            if role == "lead":
                conn.execute(sql.SQL("ALTER ROLE {} CREATEROLE").format(ident))
                conn.execute(sql.SQL("GRANT {} TO {} WITH ADMIN OPTION").format(
                    sql.SQL(", ").join(sql.Identifier(r) for r in session.roles.all()), ident))
            else:
                conn.execute(sql.SQL("GRANT {} TO {}").format(
                    sql.Identifier(session.roles.of(role)), ident))
            conn.execute(
                "INSERT INTO hub.members (name, role) VALUES (%s, %s) "
                "ON CONFLICT (name) DO UPDATE SET role = EXCLUDED.role "
                "WHERE hub.members.role <> EXCLUDED.role", [name, role])
    except psycopg.Error as exc:
        raise refused(exc, f"add the member {name}") from None
    return created


def _verifier(conn: psycopg.Connection, password: str, user: str) -> str:
    """The SCRAM-SHA-256 verifier of ``password`` (computed by libpq, on this machine)."""
    return conn.pgconn.encrypt_password(password.encode(), user.encode(),
                                        b"scram-sha-256").decode()
