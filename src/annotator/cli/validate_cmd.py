"""``annotator validate``: check a native JSONL file beyond what its JSON Schema can say."""

from __future__ import annotations

import argparse
import sys

from annotator.cli.common import path_argument, project_from, shown
from annotator.store import registry
from annotator.services.validation import Definitions, validate_file


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "validate", parents=[common], help="check a native JSONL export",
        description="Check every record: keys and types, span bounds, text[start:end] equals the "
        "span text, sha256, relations between spans of the same record (ends that exist, two "
        "different spans, one layer for the relation and both ends), attribute values that "
        "are texts or true/false, and (with --check-labels) that labels and relation types "
        "exist in the project, that each type allows the labels at its ends and that each "
        "span's attributes are declared by its label with valid values. Each problem is one "
        "line on standard error, 'annotator: error: FILE:LINE: problem'; exit status 1 when "
        "there is any.")
    parser.add_argument("file", type=path_argument)
    parser.add_argument("--check-labels", action="store_true",
                        help="also check labels, relation types and attributes against the "
                             "project's definitions")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    definitions = None
    if args.check_labels:
        with project_from(args) as project:
            definitions = Definitions.of(project)
    registry.check_not_open(args.file, "validate")
    problems = validate_file(args.file, definitions=definitions)
    for line, problem in problems:
        print(f"annotator: error: {shown(args.file)}:{line}: {shown(problem)}", file=sys.stderr)
    if problems:
        return 1
    print(f"{shown(args.file)}: valid", file=sys.stderr)
    return 0
