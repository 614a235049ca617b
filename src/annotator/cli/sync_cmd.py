"""``annotator sync``: push my layer's changes to the team hub and pull everyone else's."""

from __future__ import annotations

import argparse

from annotator.cli.common import dumps_json, project_from, shown


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "sync", parents=[common], help="exchange changes with the team hub",
        description="Push the changes of my layer since the last sync and pull what changed "
        "on the hub (colleagues' layers I may read, review decisions, the label set, new "
        "assignments). Safe to interrupt: the next sync completes the work.")
    parser.add_argument("--hub", metavar="URL", default=None,
                        help="the hub's address (remembered in the project; no password)")
    parser.add_argument("--json", action="store_true", help="print what moved as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from annotator.cli.hub_cmd import hub_url, need_psycopg

    need_psycopg()
    from annotator.hub.client import hub_session
    from annotator.hub.sync import sync

    with project_from(args) as project:
        url = hub_url(args, project)
        with hub_session(url) as session:
            report = sync(project, session)
    if args.json:
        print(dumps_json(asdict(report)))
    else:
        print(shown(report.summary()))
        for line in report.skipped[:20]:
            print(f"  not applied: {shown(line)}")
    return 0
