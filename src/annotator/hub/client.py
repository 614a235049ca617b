"""Connecting to the hub, and the hub's errors in words an analyst can act on.

A hub is named by a libpq connection string: a URL (``postgresql://alice@hub.example/team``),
a service (``service=team`` with ``~/.pg_service.conf``) or key/value pairs. Passwords come
from libpq's usual places (``~/.pgpass``, ``PGPASSFILE``, ``PGPASSWORD``, a service file), never
from the project file: :func:`check_url` refuses a URL that carries one. TLS is libpq's default
``sslmode=prefer`` (encrypted whenever the server offers it) unless the URL or ``PGSSLMODE``
says otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import errors as pgerrors
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from annotator.domain.errors import AnnotatorError
from annotator.hub.schema import SCHEMA, GroupRoles, current_version

CONNECT_TIMEOUT = 10  # seconds
IDLE_IN_TRANSACTION_TIMEOUT = "60s"  # the server ends a transaction left open by a lost client

__all__ = ["HubError", "HubSession", "check_url", "connect", "refused", "safe_url"]


class HubError(AnnotatorError):
    """The hub cannot be reached, is not a hub, or refused what was asked."""


class HubRefused(HubError):
    """PostgreSQL refused a statement for lack of rights (a role or a row policy)."""


_PASSWORD_IN_TEXT = re.compile(r"(://[^:/@\s]*:)[^@\s]*@|(password\s*=\s*)('[^']*'|\S+)",
                               re.IGNORECASE)


def safe_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for messages)."""
    return _PASSWORD_IN_TEXT.sub(lambda m: (m.group(1) + "***@") if m.group(1)
                                 else m.group(2) + "***", url)


def check_url(url: str) -> str:
    """The hub address as it may be remembered: refused (HubError) when it is not a valid
    libpq connection string or holds a password; an empty password (``user:@host``) is
    dropped."""
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        raise HubError(f"{safe_url(url)} is not a PostgreSQL address ({_first_line(exc)})") \
            from None
    if params.get("password"):
        raise HubError(
            "the hub address holds a password; it is never stored in the project. Give the "
            "address without it and keep the password in ~/.pgpass (or PGPASSFILE, "
            "PGPASSWORD, a service file)")
    if "password" in params and "://" in url:
        url = re.sub(r"(://[^:/@\s]*):@", r"\1@", url)
    elif "password" in params:
        params.pop("password")
        url = make_conninfo(**params)
    return url


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return safe_url(text[0]) if text else type(exc).__name__


def refused(exc: psycopg.Error, doing: str) -> HubError:
    """A HubError for a database error raised while ``doing`` something."""
    reason = _first_line(exc)
    if isinstance(exc, pgerrors.InsufficientPrivilege):
        return HubRefused(f"the hub refused to {doing}: {reason} (your role on this hub may "
                          f"not do that; a lead can change it)")
    if isinstance(exc, pgerrors.UndefinedTable | pgerrors.InvalidSchemaName):
        return HubError(f"this database is not an annotator hub ({reason}); a lead creates "
                        f"one with 'annotator hub init URL'")
    if isinstance(exc, psycopg.OperationalError):
        return HubError(f"the connection to the hub was lost while trying to {doing} "
                        f"({reason}); nothing is lost: run the same command again")
    return HubError(f"the hub refused to {doing}: {reason}")


@dataclass
class HubSession:
    """An open connection to a hub, and who this connection is there."""

    conn: psycopg.Connection[Any]
    user: str
    database: str
    role: str | None  # annotator | reviewer | lead, or None when not a member
    version: int | None  # the hub's schema version (None: no hub schema yet)
    roles: GroupRoles | None
    hub_id: str | None

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> HubSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def require(self, *roles: str, doing: str) -> None:
        """Refuse early (HubRefused) when my role is not one of ``roles``; PostgreSQL would
        refuse anyway, this only words it better."""
        if self.role not in roles:
            who = f"a {self.role}" if self.role else "not a member of this hub"
            raise HubRefused(f"{self.user} is {who}; only a {' or '.join(roles)} may {doing}")


def _open(url: str) -> psycopg.Connection[Any]:
    try:
        # Autocommit: every unit of work is an explicit ``conn.transaction()``, and no
        # stray read leaves a transaction open on the server.
        conn = psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT,
                               application_name="annotator", autocommit=True)
    except psycopg.OperationalError as exc:
        raise HubError(f"cannot reach the hub at {safe_url(url)}: {_first_line(exc)}") \
            from None
    except psycopg.ProgrammingError as exc:
        raise HubError(f"{safe_url(url)} is not a PostgreSQL address ({_first_line(exc)})") \
            from None
    return conn


def connect(url: str, *, need_hub: bool = True) -> HubSession:
    """Connect and read who I am on the hub. With ``need_hub`` (the default) a database
    without the hub schema, or of a newer schema version, is a HubError."""
    conn = _open(url)
    try:
        with conn.transaction():
            conn.execute("SET idle_in_transaction_session_timeout = "
                         f"'{IDLE_IN_TRANSACTION_TIMEOUT}'")
            user, database, has_schema = conn.execute(
                "SELECT current_user, current_database(), "
                "to_regclass(%s) IS NOT NULL", [f"{SCHEMA}.meta"]).fetchone()
            version = role = hub_id = None
            roles = None
            if has_schema:
                meta = dict(conn.execute("SELECT key, value FROM hub.meta").fetchall())
                version = int(meta.get("schema_version", 0))
                hub_id = meta.get("hub_id")
                names = meta.get("roles") or {}
                if names:
                    roles = GroupRoles(names["annotator"], names["reviewer"], names["lead"])
                row = conn.execute("SELECT hub.my_role()").fetchone()
                role = row[0] if row else None
    except psycopg.Error as exc:
        conn.close()
        raise refused(exc, "say who you are") from None
    session = HubSession(conn, user, database, role, version, roles, hub_id)
    if need_hub:
        if version is None:
            session.close()
            raise HubError(f"{safe_url(url)} is not an annotator hub yet; a lead creates it "
                           f"with 'annotator hub init URL'")
        if version > current_version():
            session.close()
            raise HubError(f"the hub has schema version {version}, newer than this annotator "
                           f"({current_version()}); update annotator")
    return session


@contextmanager
def hub_session(url: str, *, need_hub: bool = True) -> Iterator[HubSession]:
    """:func:`connect` as a context manager; database errors become HubError."""
    session = connect(url, need_hub=need_hub)
    try:
        yield session
    finally:
        session.close()
