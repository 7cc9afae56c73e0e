"""Benchmark the shipped sentiment model: speed per text on one core, load time, size.

    python bench/scoring.py [--data CSV ...] [--repeat 3]

Speed is features + scoring + cues for every text, best of --repeat passes, in this one
process (one core). Load time is the median of five fresh processes importing the package
and loading the model. Prints `sentiment ms_per_text=<n> load_s=<n> size_mb=<n>` last.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from sentiment.data import read_all
from sentiment.linear import LinearScorer, default_model_path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.timing import load_seconds, passes_ms  # noqa: E402  (after the path is set)

DEFAULT_DATA = [HERE.parent / "tests" / "data" / "demo_sentiment.csv"]
LOAD = (
    "import time; t = time.perf_counter(); from sentiment.linear import LinearScorer; "
    "LinearScorer(); print(time.perf_counter() - t)"
)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, nargs="+", default=DEFAULT_DATA)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    texts = [e.text for e in read_all(args.data)]
    scorer = LinearScorer()
    passes = passes_ms(scorer.score, texts, args.repeat)
    loads = load_seconds(LOAD)
    size = default_model_path().stat().st_size / 1e6
    print(
        f"{len(texts)} texts, {sum(len(t) for t in texts) / len(texts):.0f} characters on average"
    )
    print(f"speed {min(passes):.3f} ms/text (passes: {', '.join(f'{p:.3f}' for p in passes)})")
    print(f"load {statistics.median(loads):.3f} s (median of 5 processes), size {size:.2f} MB")
    load = statistics.median(loads)
    print(f"sentiment ms_per_text={min(passes):.3f} load_s={load:.3f} size_mb={size:.2f}")


if __name__ == "__main__":
    main()
