"""The command line imports a command's module only when that command runs, and reads every
command line exactly as the parser with every command in full does (the same namespace, help,
messages and exit status)."""

from __future__ import annotations

import argparse
import contextlib
import io
import subprocess
import sys

import pytest

from annotator.cli import COMMAND_MODULES, COMMANDS, build_parser, parse_arguments


def _sub_commands(parser: argparse.ArgumentParser) -> argparse._SubParsersAction:
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return action


def test_the_listed_commands_are_those_the_modules_register() -> None:
    action = _sub_commands(build_parser())
    registered = [(choice.dest, choice.help) for choice in action._choices_actions]
    assert registered == [(name, text) for name, _module, text in COMMANDS]
    assert len(COMMAND_MODULES) == len(COMMANDS)


def _paths(parser: argparse.ArgumentParser, prefix: list[str]):
    yield prefix
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _paths(sub, [*prefix, name])


def _outcome(read, argv: list[str]) -> tuple:
    """What reading ``argv`` gives: the namespace (without its function) or the exit status,
    and what was printed."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            args = read(argv)
        except SystemExit as exc:
            return ("exit", exc.code, out.getvalue(), err.getvalue())
    fields = {k: v for k, v in vars(args).items() if k != "func"}
    func = getattr(args, "func", None)
    return ("args", fields, getattr(func, "__module__", None), out.getvalue(), err.getvalue())


ODD_LINES = [
    [], ["-h"], ["--version"], ["--db"], ["--bogus"], ["bogus"], ["bogus", "--help"],
    ["--db", "x.annotator"], ["--db", "stats", "export"], ["--db=x", "export", "--bogus"],
    ["--d", "x", "stats"], ["--d", "stats"], ["--", "stats"], ["-h", "export"],
    ["export", "--format", "nope"], ["export", "extra", "words"], ["agree"],
    ["agree", "--annotators", "a", "b", "--json"], ["stats", "--db", "p.annotator"],
    ["labels", "add"], ["labels", "add", "x", "--color", "#112233"], ["labels", "bogus"],
    ["import", "a.txt", "--bogus"], ["check", "--limit", "x"], ["search"], ["hub", "status"],
    ["sync", "--bogus"], ["stats", "stats"], ["exp"], ["agree", "-h", "--json"],
]


def test_every_help_and_odd_line_reads_as_with_every_command_in_full() -> None:
    def full(argv):
        return build_parser().parse_args(argv)

    lines = [[*path, "--help"] for path in _paths(build_parser(), [])] + ODD_LINES
    assert len(lines) > 50
    for argv in lines:
        assert _outcome(parse_arguments, argv) == _outcome(full, argv), argv


def _imported_after(code: str) -> set[str]:
    program = (f"import sys\n{code}\n"
               "print(' '.join(n for n in sys.modules if n.startswith('annotator.')))")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


def test_help_imports_no_command_and_no_store() -> None:
    modules = _imported_after("from annotator.cli import main\n"
                              "try:\n    main(['--help'])\nexcept SystemExit:\n    pass")
    assert not modules & set(COMMAND_MODULES)
    assert "annotator.store" not in modules and "annotator.services.review" not in modules


@pytest.mark.parametrize("command", ["export", "stats"])
def test_a_command_imports_its_own_module_only(command: str, tmp_path) -> None:
    path = tmp_path / "p.annotator"
    modules = _imported_after(
        "from annotator.store import Project\n"
        f"Project.open({str(path)!r}).close()\n"
        "from annotator.cli import main\n"
        f"status = main([{command!r}, '--db', {str(path)!r}])\n"
        "assert status == 0, status")
    assert f"annotator.cli.{command}_cmd" in modules
    assert modules & set(COMMAND_MODULES) == {f"annotator.cli.{command}_cmd"}
