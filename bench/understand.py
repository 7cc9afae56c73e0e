"""Benchmark understanding: time per mention on one core, load, size.

    python bench/understand.py [--data JSONL ...] [--repeat 3]

Speed is all of responder.drafts.understand.understand_all for every mention, in batches
of 50 as a scoring process gets them: the rules (tokens, intents, crisis words, tone) on
the text and its thread, the model's features and its seven heads (one numpy pass per
batch), and the combination; best of --repeat passes, in this one process (one core),
after a warm-up pass that loads jieba's dictionary. The sentiment model's
score is computed before timing (bench/timing.py's sentiment bench has its cost). Load
time is the median of five fresh processes importing the module and loading the model.
Prints `understand ms_per_mention=<n> load_s=<n> size_mb=<n>` last.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from responder.drafts.understand_eval import BATCH, read_rows, understand_rows
from responder.drafts.understand_model import UnderstandModel, default_model_path
from sentiment import score_texts

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.timing import load_seconds, passes_ms  # noqa: E402  (after the path is set)

DATA = HERE.parent / "tests" / "data"
DEFAULT_DATA = [DATA / "understanding_heldout.jsonl", DATA / "understanding_train.jsonl"]
LOAD = (
    "import time; t = time.perf_counter(); "
    "from responder.drafts.understand_model import UnderstandModel; "
    "UnderstandModel(); print(time.perf_counter() - t)"
)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, nargs="+", default=DEFAULT_DATA)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = [row for path in args.data for row in read_rows(path)]
    model = UnderstandModel()
    moods = score_texts([str(r.get("text") or "") for r in rows])
    batches = [(rows[i : i + BATCH], moods[i : i + BATCH]) for i in range(0, len(rows), BATCH)]
    understand_rows(*batches[0], model)  # jieba's dictionary
    per_batch = passes_ms(lambda batch: understand_rows(*batch, model), batches, args.repeat)
    passes = [ms * len(batches) / len(rows) for ms in per_batch]
    loads = load_seconds(LOAD)
    size = default_model_path().stat().st_size / 1e6
    chars = sum(len(str(r.get("text") or "")) for r in rows) / len(rows)
    print(f"{len(rows)} mentions, {chars:.0f} characters on average")
    print(f"speed {min(passes):.3f} ms/mention (passes: {', '.join(f'{p:.3f}' for p in passes)})")
    load = statistics.median(loads)
    print(f"load {load:.3f} s (median of 5 processes), size {size:.2f} MB")
    print(f"understand ms_per_mention={min(passes):.3f} load_s={load:.3f} size_mb={size:.2f}")


if __name__ == "__main__":
    main()
