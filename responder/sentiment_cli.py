"""`tiexin sentiment ...`: evaluate (and, later, train) the sentiment model."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from tqdm import tqdm

from sentiment.base import Scorer
from sentiment.data import DataError, read_all
from sentiment.metrics import report
from sentiment.snow import SnowScorer


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `sentiment eval` under the main parser."""
    group = commands.add_parser("sentiment", help="evaluate the sentiment model")
    actions = group.add_subparsers(dest="action", required=True)
    evaluate = actions.add_parser("eval", help="accuracy, macro-F1, confusion matrix and speed")
    evaluate.add_argument(
        "--data",
        type=Path,
        nargs="+",
        required=True,
        help="CSV files with text,label columns (label pos or neg)",
    )
    evaluate.add_argument(
        "--model", default="snownlp", choices=["snownlp"], help="which model to evaluate"
    )
    evaluate.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    """Run a `sentiment` action; return the exit status."""
    try:
        examples = read_all(args.data)
    except DataError as exc:
        print(f"tiexin: {exc}", file=sys.stderr)
        return 2
    scorer: Scorer = SnowScorer()
    scorer.score("预热")  # load the model before timing
    predicted: list[str] = []
    started = time.perf_counter()
    for example in tqdm(
        examples,
        desc="scoring",
        unit="text",
        disable=args.no_progress,
        file=sys.stderr,
        mininterval=0.5,
    ):
        predicted.append("pos" if scorer.score(example.text).score >= 0.5 else "neg")
    elapsed = time.perf_counter() - started
    result = report([e.label for e in examples], predicted, elapsed)
    print("\n".join(result.lines()))
    return 0
