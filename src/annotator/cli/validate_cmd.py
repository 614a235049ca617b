"""``annotator validate``: check a native JSONL file beyond what its JSON Schema can say."""

from __future__ import annotations

import argparse
import sys

from annotator.cli.common import path_argument, project_from, shown
from annotator.store import registry
from annotator.services.validation import validate_file


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "validate", parents=[common], help="check a native JSONL export",
        description="Check every record: keys and types, span bounds, text[start:end] equals the "
        "span text, sha256, and (with --check-labels) that labels exist in the project. Each "
        "problem is one line on standard error, 'annotator: error: FILE:LINE: problem'; exit "
        "status 1 when there is any.")
    parser.add_argument("file", type=path_argument)
    parser.add_argument("--check-labels", action="store_true",
                        help="also require every label to exist in the project")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    labels = None
    if args.check_labels:
        with project_from(args) as project:
            labels = {label.name for label in project.labels()}
    registry.check_not_open(args.file, "validate")
    problems = validate_file(args.file, labels)
    for line, problem in problems:
        print(f"annotator: error: {shown(args.file)}:{line}: {shown(problem)}", file=sys.stderr)
    if problems:
        return 1
    print(f"{shown(args.file)}: valid", file=sys.stderr)
    return 0
