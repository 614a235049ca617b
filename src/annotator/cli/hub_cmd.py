"""``annotator hub``: create a team hub on PostgreSQL, add members, publish, assign, status.

The hub's address is remembered in the project (``annotator hub use URL``, or ``--hub URL``
on any hub command), never with a password: libpq finds that in ``~/.pgpass``, ``PGPASSFILE``,
``PGPASSWORD`` or a service file. PostgreSQL itself refuses what a member's role may not do.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

from annotator.cli.common import dumps_json, project_from, shown
from annotator.domain.errors import DataError
from annotator.services.importing import default_annotator

ROLES = ("annotator", "reviewer", "lead")


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    hub_common = argparse.ArgumentParser(add_help=False, parents=[common])
    hub_common.add_argument("--hub", metavar="URL", default=None,
                            help="the hub's PostgreSQL address (remembered in the project; "
                                 "without a password)")
    parser = subparsers.add_parser(
        "hub", help="a team hub on PostgreSQL: init, members, publish, assign, status",
        description="Share work with a team through one PostgreSQL database. Every action "
        "stays local and offline; 'annotator sync' exchanges changes with the hub.")
    commands = parser.add_subparsers(dest="hub_command", metavar="HUB_COMMAND", required=True)

    p = commands.add_parser("init", parents=[common], help="create (or upgrade) the hub schema",
                            description="Create the hub's tables, group roles and policies in "
                            "the database at URL; the connecting role owns them and becomes "
                            "the first lead. The project remembers URL.")
    p.add_argument("url", metavar="URL")
    p.set_defaults(func=run_init)

    p = commands.add_parser("use", parents=[common], help="remember the hub's address",
                            description="Remember URL as this project's hub (checked first).")
    p.add_argument("url", metavar="URL")
    p.set_defaults(func=run_use)

    p = commands.add_parser("add-member", parents=[hub_common], help="add a member (lead)",
                            description="Create a PostgreSQL login role NAME with the given "
                            "role on the hub (or change an existing member's role). The "
                            "password is asked for (never echoed) unless --password-file.")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--role", choices=ROLES, required=True)
    p.add_argument("--password-file", metavar="FILE",
                   help="read the password from the first line of FILE ('-': standard input)")
    p.set_defaults(func=run_add_member)

    p = commands.add_parser("publish", parents=[hub_common],
                            help="put documents and the label set on the hub (lead)")
    p.add_argument("documents", nargs="*", metavar="DOCUMENT",
                   help="name, id or SHA-256 prefix (default: every document)")
    p.set_defaults(func=run_publish)

    p = commands.add_parser("assign", parents=[hub_common],
                            help="assign a hub document to members (lead)")
    p.add_argument("document", metavar="DOCUMENT", help="name, uid or SHA-256 prefix")
    p.add_argument("members", nargs="+", metavar="NAME")
    p.set_defaults(func=run_assign)

    p = commands.add_parser("share-layers", parents=[hub_common],
                            help="let annotators read colleagues' layers of their documents")
    p.add_argument("state", choices=("on", "off"))
    p.set_defaults(func=run_share)

    p = commands.add_parser("status", parents=[hub_common],
                            help="members, assignments and progress per document and annotator")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run_status)


def need_psycopg() -> None:
    """Refuse, in one line, when the hub's driver is not installed."""
    from annotator.hub import driver_missing

    problem = driver_missing()
    if problem is not None:
        raise DataError(problem)


def hub_url(args: argparse.Namespace, project: Any) -> str:
    """``--hub`` (checked, then remembered) or the project's remembered hub address."""
    need_psycopg()
    from annotator.hub.client import check_url
    from annotator.hub.sync import URL_KEY

    given = getattr(args, "hub", None)
    if given:
        url = check_url(given)
        if project.setting(URL_KEY) != url:
            project.set_setting(URL_KEY, url, who=default_annotator())
        return url
    url = project.setting(URL_KEY)
    if not url:
        raise DataError("this project has no hub yet: give --hub URL, or run "
                        "'annotator hub use URL'")
    return url


def run_init(args: argparse.Namespace) -> int:
    need_psycopg()
    from annotator.hub.admin import init_hub
    from annotator.hub.client import check_url, safe_url
    from annotator.hub.sync import URL_KEY

    url = check_url(args.url)
    session, old, new = init_hub(url)
    try:
        what = "created" if old == 0 else ("up to date" if old == new else
                                           f"upgraded from version {old}")
        print(f"hub {what} (schema version {new}) in {shown(session.database)}; "
              f"{shown(session.user)} is its lead")
    finally:
        session.close()
    with project_from(args) as project:
        project.set_setting(URL_KEY, url, who=default_annotator())
    print(f"this project syncs with {shown(safe_url(url))}")
    return 0


def run_use(args: argparse.Namespace) -> int:
    need_psycopg()
    from annotator.hub.client import check_url, hub_session, safe_url
    from annotator.hub.sync import URL_KEY

    url = check_url(args.url)
    with hub_session(url) as session:
        role = session.role or "not a member"
        print(f"{shown(session.user)} on {shown(session.database)}: {role}")
    with project_from(args) as project:
        project.set_setting(URL_KEY, url, who=default_annotator())
    print(f"this project syncs with {shown(safe_url(url))}")
    return 0


def _read_password(args: argparse.Namespace) -> str:
    if args.password_file:
        if args.password_file == "-":
            line = sys.stdin.readline()
        else:
            with Path(args.password_file).open(encoding="utf-8") as handle:
                line = handle.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise DataError(f"{args.password_file}: the first line (the password) is empty")
        return password
    if not sys.stdin.isatty():
        raise DataError("no terminal to ask the password on: give --password-file FILE")
    first = getpass.getpass(f"Password for {args.name}: ")
    second = getpass.getpass("Once more: ")
    if first != second:
        raise DataError("the two passwords differ; nothing was changed")
    if not first:
        raise DataError("the password is empty; nothing was changed")
    return first


def run_add_member(args: argparse.Namespace) -> int:
    from annotator.hub.client import hub_session
    from annotator.hub.roles import add_member

    with project_from(args) as project:
        url = hub_url(args, project)
    with hub_session(url) as session:
        session.require("lead", doing="add members")
        exists = session.conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s",
                                      [args.name]).fetchone() is not None
        password = _read_password(args) if (args.password_file or not exists) else None
        created = add_member(session, args.name, args.role, password)
    state = "created with its login role" if created else "updated"
    print(f"member {shown(args.name)} ({args.role}) {state}")
    return 0


def run_publish(args: argparse.Namespace) -> int:
    from annotator.hub.admin import publish
    from annotator.hub.client import hub_session
    from annotator.services.exporting import select_documents

    with project_from(args) as project:
        url = hub_url(args, project)
        ids = None
        if args.documents:
            ids = [d.id for d in select_documents(project, args.documents)]
        with hub_session(url) as session:
            report = publish(session, project, ids)
    print(f"published {report.documents_added} documents ({report.documents_known} already "
          f"there) and {report.labels} labels")
    if report.labels_kept:
        print("kept on the hub, still used by spans there: "
              + ", ".join(shown(n) for n in report.labels_kept))
    return 0


def run_assign(args: argparse.Namespace) -> int:
    from annotator.hub.admin import assign
    from annotator.hub.client import hub_session

    with project_from(args) as project:
        url = hub_url(args, project)
    with hub_session(url) as session:
        name, added = assign(session, args.document, args.members)
    print(f"{shown(name)}: {added} new assignment{'s' if added != 1 else ''} "
          f"({', '.join(shown(m) for m in args.members)})")
    return 0


def run_share(args: argparse.Namespace) -> int:
    from annotator.hub.admin import set_hub_setting
    from annotator.hub.client import hub_session
    from annotator.hub.schema import SEE_COLLEAGUES

    with project_from(args) as project:
        url = hub_url(args, project)
    with hub_session(url) as session:
        set_hub_setting(session, SEE_COLLEAGUES, args.state == "on")
    print("annotators " + ("now read" if args.state == "on" else "no longer read")
          + " colleagues' layers of their documents")
    return 0


def run_status(args: argparse.Namespace) -> int:
    from annotator.hub.admin import status
    from annotator.hub.client import hub_session
    from annotator.hub.sync import pending_changes

    with project_from(args) as project:
        url = hub_url(args, project)
        pending = pending_changes(project)
    with hub_session(url) as session:
        st = status(session)
        me, role = session.user, session.role
    if args.json:
        print(dumps_json({
            "me": me, "role": role, "pending_local_changes": pending,
            "members": [{"name": n, "role": r} for n, r in st.members],
            "settings": st.settings, "documents": st.documents, "spans": st.spans,
            "progress": [{**row, "last_change": row["last_change"]} for row in st.progress],
        }, indent=2))
        return 0
    print(f"{shown(me)} ({role or 'not a member'}); {pending} local changes not synced yet")
    print(f"{st.documents} documents, {st.spans} spans readable by me; annotators see "
          f"colleagues' layers: {'yes' if st.settings.get('annotators_see_colleagues') else 'no'}")
    print("members:")
    for name, member_role in st.members:
        print(f"  {shown(name)}\t{member_role}")
    print("progress (document, annotator, assigned, spans, status, last change):")
    for row in st.progress:
        print(f"  {shown(row['document'])}\t{shown(row['member'])}\t"
              f"{'assigned' if row['assigned'] else '-'}\t{row['spans']}\t{row['status']}\t"
              f"{row['last_change'] or '-'}")
    return 0
