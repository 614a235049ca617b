"""The command line: ``annotator [--db PATH] [COMMAND ...]``.

Without a command it starts the desktop app. Commands never import Qt, so they start fast.
Exit status: 0 on success, 1 on a data error (the message names the file and line, and the
project is unchanged), 2 on a usage error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

from annotator import __version__
from annotator.domain.errors import AnnotatorError

# Each module has ``register(subparsers, common)``, which adds its sub-command and sets
# ``func`` (``func(args) -> int``) as the parser default.
COMMAND_MODULES = (
    "annotator.cli.import_cmd",
    "annotator.cli.export_cmd",
    "annotator.cli.labels_cmd",
    "annotator.cli.stats_cmd",
    "annotator.cli.validate_cmd",
    "annotator.cli.merge_cmd",
    "annotator.cli.agree_cmd",
    "annotator.cli.check_cmd",
    "annotator.cli.review_status_cmd",
    "annotator.cli.search_cmd",
    "annotator.cli.aliases_cmd",
    "annotator.cli.numbers_cmd",
)

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2


def _modules() -> list[ModuleType]:
    return [importlib.import_module(name) for name in COMMAND_MODULES]


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (the top level and every sub-command)."""
    parser = argparse.ArgumentParser(
        prog="annotator",
        description="Label character spans in source texts; import, export, review.",
    )
    parser.add_argument("--version", action="version", version=f"annotator {__version__}")
    parser.add_argument("--db", metavar="PATH", help="project file (default: your default project)")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS,
                        help="project file (default: your default project)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _modules():
        module.register(subparsers, common)
    return parser


def start_app(db: str | None) -> int:
    """Start the desktop window (imported only now: the commands stay Qt-free)."""
    app = importlib.import_module("annotator.ui.app")
    return int(app.run(db))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is not None and hasattr(sys.stdout, "reconfigure"):
        # Exports, --json and names are UTF-8 whatever the locale's encoding (latin-1, cp1252).
        sys.stdout.reconfigure(encoding="utf-8")
    try:
        if args.command is None:
            return start_app(args.db)
        return int(args.func(args))
    except AnnotatorError as exc:
        print(f"annotator: error: {exc}", file=sys.stderr)
        return EXIT_DATA
    except KeyboardInterrupt:
        print("annotator: interrupted; nothing was written", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
