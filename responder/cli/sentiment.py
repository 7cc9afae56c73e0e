"""`tiexin sentiment ...`: split, train and evaluate the sentiment model."""

from __future__ import annotations

import argparse
import asyncio
import csv
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast

from tqdm import tqdm

from sentiment.base import Scorer
from sentiment.data import DataError, Example, read_all, read_labelled
from sentiment.metrics import report


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `sentiment split|train|eval` under the main parser."""
    group = commands.add_parser("sentiment", help="split, train and evaluate the sentiment model")
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
        "--model",
        default="default",
        help='"default" (the shipped model), "snownlp", or a model file',
    )
    train = actions.add_parser("train", help="train a model file from labelled CSVs")
    train.add_argument(
        "--data",
        nargs="+",
        required=True,
        metavar="CSV[:WEIGHT]",
        help="labelled CSVs, each with an optional weight (default 1)",
    )
    train.add_argument(
        "--calibrate-on",
        type=Path,
        help="calibrate probabilities on this one of the files (default: the first)",
    )
    train.add_argument(
        "--include-corrections",
        action="store_true",
        help="add the corrections agents made (from the configured Redis)",
    )
    train.add_argument("--corrections-weight", type=float, default=3.0)
    train.add_argument(
        "--config", type=Path, help="config file naming the Redis (with corrections)"
    )
    train.add_argument("--out", type=Path, required=True, help="model file to write")
    split = actions.add_parser("split", help="hold out a stratified part of a labelled CSV")
    split.add_argument("path", type=Path)
    split.add_argument("--fraction", type=float, default=0.2)
    split.add_argument("--seed", type=int, default=2026)
    split.add_argument("--out-dir", type=Path, required=True)
    for parser in (evaluate, train):
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    """Run a `sentiment` action; return the exit status."""
    try:
        if args.action == "split":
            return _split(args)
        if args.action == "train":
            return _train(args)
        return _eval(args)
    except (DataError, ValueError, OSError) as exc:
        print(f"tiexin: {exc}", file=sys.stderr)
        return 2


def load_scorer(name: str) -> Scorer:
    """Return the scorer a --model option names."""
    if name == "snownlp":
        from sentiment.snow import SnowScorer

        return SnowScorer()
    from sentiment.linear import LinearScorer

    return LinearScorer(None if name == "default" else Path(name))


def _eval(args: argparse.Namespace) -> int:
    examples = read_all(args.data)
    scorer = load_scorer(args.model)
    scorer.score("预热")  # load lazily-loaded models before timing
    predicted: list[str] = []
    started = time.perf_counter()
    for example in _progress(examples, "scoring", args.no_progress):
        predicted.append("pos" if scorer.score(example.text).score >= 0.5 else "neg")
    elapsed = time.perf_counter() - started
    print("\n".join(report([e.label for e in examples], predicted, elapsed).lines()))
    return 0


def _train(args: argparse.Namespace) -> int:
    from sentiment.linear import save
    from sentiment.train import Source, train

    sources: list[Source] = []
    for i, spec in enumerate(args.data):
        path_text, _, weight_text = spec.rpartition(":") if _has_weight(spec) else (spec, "", "1")
        path = Path(path_text)
        calibrate = path == args.calibrate_on if args.calibrate_on else i == 0
        sources.append(
            Source(
                name=path.name,
                examples=read_labelled(path),
                weight=float(weight_text),
                calibrate=calibrate,
            )
        )
    if args.include_corrections:
        corrections = asyncio.run(_corrections(args.config))
        print(f"corrections from agents: {len(corrections)}", file=sys.stderr)
        if corrections:
            sources.append(
                Source(name="corrections", examples=corrections, weight=args.corrections_weight)
            )
    started = time.perf_counter()
    trained = train(sources, progress=lambda it, what: _progress(it, what, args.no_progress))
    trained.header.provenance.update(
        {
            "trained_on": {s.name: {"rows": len(s.examples), "weight": s.weight} for s in sources},
            "calibrated_on": [s.name for s in sources if s.calibrate],
            "command": "tiexin sentiment train " + " ".join(sys.argv[3:]),
        }
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save(args.out, trained.header, trained.names, trained.weights)
    size = args.out.stat().st_size
    print(
        f"trained on {trained.stats['rows']} texts in {time.perf_counter() - started:.0f} s;"
        f" kept {trained.stats['kept']} of {trained.stats['vocabulary']} features;"
        f" wrote {args.out} ({size / 1e6:.1f} MB)"
    )
    return 0


def _split(args: argparse.Namespace) -> int:
    from sentiment.split import split

    train, held = split(read_labelled(args.path), args.fraction, args.seed)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    stem = args.path.stem
    for part, rows in (("train", train), ("holdout", held)):
        target = args.out_dir / f"{stem}.{part}.csv"
        with target.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["text", "label"])
            writer.writerows((e.text, e.label) for e in rows)
        print(f"{target}: {len(rows)} rows")
    return 0


async def _corrections(config_path: Path | None) -> list[Example]:
    from responder.cli import config_for
    from responder.store.connect import open_store

    config = config_for(config_path)
    async with open_store(config.redis, share_running=True) as store:
        rows = await store.corrections()
    mapping = {"positive": "pos", "negative": "neg"}  # neutral corrections do not train a polarity
    return [
        Example(text=r["text"], label=mapping[r["label"]]) for r in rows if r["label"] in mapping
    ]


def _has_weight(spec: str) -> bool:
    head, sep, tail = spec.rpartition(":")
    return bool(sep and head) and tail.replace(".", "", 1).isdigit()


def _progress(items: Iterable[Any], what: str, disabled: bool) -> Iterable[Any]:
    bar = tqdm(items, desc=what, disable=disabled, file=sys.stderr, mininterval=0.5, leave=False)
    return cast(Iterable[Any], bar)
