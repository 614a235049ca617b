"""The command line: ``annotator [--db PATH] [COMMAND ...]``.

Without a command it starts the desktop app. Commands never import Qt, so they start fast.
Exit status: 0 on success, 1 on a data error (the message names the file and line, and the
project is unchanged), 2 on a usage error.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sqlite3
import sys
from collections.abc import Sequence
from types import ModuleType

from annotator import __version__
from annotator.domain.errors import AnnotatorError
from annotator.domain.text import escape_unsafe as shown

# Each command's module has ``register(subparsers, common)``, which adds its sub-command and
# sets ``func`` (``func(args) -> int``) as the parser default. A module is imported only when
# its command runs (``annotator --help`` lists the commands from the help lines here, which
# the tests check against the modules).
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("import", "import_cmd", "import texts, JSONL, Label Studio, doccano, CoNLL ..."),
    ("export", "export_cmd", "export documents and spans"),
    ("labels", "labels_cmd", "show or change the label set"),
    ("stats", "stats_cmd", "documents, spans per label and per annotator"),
    ("validate", "validate_cmd", "check a native JSONL export"),
    ("merge", "merge_cmd", "merge colleagues' spans (JSONL export or project file)"),
    ("agree", "agree_cmd", "agreement between annotators"),
    ("check", "check_cmd", "consistency checks across the project"),
    ("review-status", "review_status_cmd", "show or set a document's review status"),
    ("search", "search_cmd",
     "find a word by reading (kana, romaji, kanji or an alias) in every document"),
    ("aliases", "aliases_cmd", "list, add or remove search aliases (Putin -> プーチン)"),
    ("numbers", "numbers_cmd", "fill in the values of number spans that have none"),
    ("hub", "hub_cmd", "a team hub on PostgreSQL: init, members, publish, assign, status"),
    ("sync", "sync_cmd", "exchange changes with the team hub"),
    ("relations", "relations_cmd", "show or change the relation types"),
    ("attributes", "attributes_cmd", "show or change the attributes labels declare"),
)
COMMAND_MODULES = tuple(f"annotator.cli.{module}" for _name, module, _help in COMMANDS)

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2
_EVERY = object()  # build_parser(): every command in full


def _modules() -> list[ModuleType]:
    return [importlib.import_module(name) for name in COMMAND_MODULES]


def build_parser(command: object = _EVERY) -> argparse.ArgumentParser:
    """The argument parser: the top level and every sub-command, or (``command``: a command's
    name, or None for none) only that sub-command in full, the others by their help line."""
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
    for name, module, text in COMMANDS:
        if command is _EVERY or name == command:
            importlib.import_module(f"annotator.cli.{module}").register(subparsers, common)
        else:  # listed in ``annotator --help``; never the parser of a command that runs
            subparsers.add_parser(name, help=text, add_help=False)
    return parser


def _command_in(argv: Sequence[str]) -> str | None:
    """The command ``argv`` names: its first word that is not an option or the value of
    ``--db`` (``""`` when that word is no command, None when there is no such word)."""
    words = iter(argv)
    for word in words:
        if word.startswith("-"):
            if len(word) > 2 and "--db".startswith(word):  # --db PATH (argparse takes --d)
                next(words, None)
            continue
        return word if any(word == name for name, _module, _text in COMMANDS) else ""
    return None


def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """``build_parser().parse_args(argv)``, importing only the module of the command that
    runs: the same namespace, the same messages and exit status for any ``argv``."""
    words = list(sys.argv[1:] if argv is None else argv)
    command = _command_in(words)
    if command == "":  # not a command: argparse says so, as ever
        return build_parser().parse_args(words)
    parser = build_parser(command)
    args, rest = parser.parse_known_args(words)
    if args.command != command:  # argparse read the words otherwise: the full parser
        return build_parser().parse_args(words)
    if rest:
        parser.parse_args(words)  # reports the unrecognised arguments and exits
    return args


def start_app(db: str | None) -> int:
    """Start the desktop window (imported only now: the commands stay Qt-free)."""
    app = importlib.import_module("annotator.ui.app")
    return int(app.run(db))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    Every error a user can cause ends as one line ``annotator: error: FILE[:LINE]: reason``
    on standard error and exit status 1, never a traceback: the project's own errors
    (:class:`AnnotatorError`), and what the operating system or SQLite report (a full disk, a
    file too large, an unreadable or damaged project file). Programming errors (SQLite's
    ``ProgrammingError``, anything else) still raise; ``ANNOTATOR_DEBUG=1`` re-raises all.
    """
    args = parse_arguments(argv)
    if args.command is not None and hasattr(sys.stdout, "reconfigure"):
        # Exports, --json and names are UTF-8 whatever the locale's encoding (latin-1, cp1252).
        sys.stdout.reconfigure(encoding="utf-8")
    debug = os.environ.get("ANNOTATOR_DEBUG", "") not in ("", "0")
    try:
        if args.command is None:
            return start_app(args.db)
        status = int(args.func(args))
        sys.stdout.flush()  # a full disk under `> file` shows here, not at exit
        return status
    except AnnotatorError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        print("annotator: interrupted; nothing was written", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_OK
    except sqlite3.Error as exc:
        if debug or not _is_file_error(exc):
            raise
        return _fail(f"{_project_path(args)}: {_sqlite_reason(exc)}")
    except OSError as exc:
        if debug:
            raise
        if exc.filename is None:
            _silence_stdout()
        return _fail(_os_reason(exc))


def _fail(message: str) -> int:
    print(f"annotator: error: {shown(message)}", file=sys.stderr)
    return EXIT_DATA


def _is_file_error(exc: sqlite3.Error) -> bool:
    """SQLite errors about the file or the disk (not about how it was called)."""
    return isinstance(exc, sqlite3.OperationalError) or type(exc) is sqlite3.DatabaseError


def _sqlite_reason(exc: sqlite3.Error) -> str:
    text = str(exc)
    code = getattr(exc, "sqlite_errorname", None)
    if code and code != "SQLITE_ERROR" and code not in text:
        text = f"{text}, {code}"
    if "full" in text or "disk I/O" in text:
        return f"cannot write the project ({text}); the change was rolled back"
    # Text the project wrote is UTF-8, so text that does not decode was damaged on disk.
    if "malformed" in text or "not a database" in text or "Could not decode to UTF-8" in text:
        return (f"the project file is damaged ({text}); restore it from a backup or an "
                f"export")
    return f"the project file could not be read or written ({text})"


def _os_reason(exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    if exc.filename is not None:
        return f"{exc.filename}: {reason}"
    return f"cannot write the output ({reason})"


def _project_path(args: argparse.Namespace) -> str:
    if getattr(args, "db", None):
        return str(args.db)
    from annotator.services.default_project import default_project_path

    return str(default_project_path())


def _silence_stdout() -> None:
    """After a failed write to standard output, point it at /dev/null so that the exit does
    not fail again flushing what is left (and print a second, Python-made message)."""
    try:
        sys.stdout.flush()
    except OSError:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):
            pass
