"""`tiexin drafts ...`: evaluate how mentions are understood."""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from pathlib import Path

from responder.drafts.data import DataError


def demo_path() -> Path:
    """Return the labelled demo mentions shipped with Tiexin."""
    return Path(str(resources.files("connectors") / "demo" / "mentions.jsonl"))


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `drafts eval` under the main parser."""
    group = commands.add_parser("drafts", help="understand mentions and draft replies")
    actions = group.add_subparsers(dest="action", required=True)
    evaluate = actions.add_parser(
        "eval", help="intent precision/recall, crisis recall, sentiment accuracy and speed"
    )
    evaluate.add_argument(
        "--data",
        type=Path,
        nargs="+",
        help="labelled jsonl files (default: the demo mentions)",
    )
    evaluate.add_argument(
        "--errors", action="store_true", help="also list every mention judged wrongly"
    )


def run(args: argparse.Namespace) -> int:
    """Run a `drafts` action; return the exit status."""
    from responder.drafts.evaluate import evaluate, read_rows

    try:
        rows = read_rows(args.data or [demo_path()])
        print("\n".join(evaluate(rows).lines(errors=args.errors)))
    except DataError as exc:
        print(f"tiexin: {exc}", file=sys.stderr)
        return 2
    return 0
