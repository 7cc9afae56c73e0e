"""Benchmark the queue index alone (store/index.py): memory per open conversation and the
time of one filtered query, at two queue sizes, in this process (no Redis, no HTTP).

    python bench/queue_index.py [--sizes 10000,100000] [--filter "view=unassigned&q=卡"]

Rows are the demo feed's mentions (text, author, platform, account, kind, the labels it
was written with), cycled to each size, a tenth of them claimed by one of 20 agents and
half of those claims run out. Memory is tracemalloc's count of what the index holds once
built, over the rows. A query's time is the median and p95 of 200 runs of `find` for a
page of 50. The last line is `queue_index <size>:<us_p95>us/<bytes>B ...`.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
import tracemalloc
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from connectors.model import Mention
from connectors.replay import demo_path
from responder.store.index import SHOWN, QueueFilter, QueueIndex, Row, fold

AGENTS = tuple(f"agent{i}" for i in range(20))
NOW = datetime(2026, 12, 6, 12, tzinfo=UTC)


def _rows(size: int) -> list[tuple[str, Row]]:
    lines = demo_path().read_text("utf-8").splitlines()
    demo = [(Mention.from_json(line), json.loads(line).get("labels", {})) for line in lines]
    rng = random.Random(size)
    out = []
    for i in range(size):
        m, labels = demo[i % len(demo)]
        claimed = rng.random() < 0.1
        facets = {
            "platform": m.platform,
            "account": m.account,
            "kind": m.kind,
            "intent": str(labels.get("intent", "other")),
            "sentiment": str(labels.get("sentiment", "neutral")),
            "state": "queued",
        }
        row = Row(
            facets=tuple(facets[name] for name in SHOWN),
            claimed_by=rng.choice(AGENTS) if claimed else "",
            claim_until=NOW.timestamp() + rng.choice((-60, 240)) if claimed else 0.0,
            author=f"{m.platform}\n{m.author.id}",
            words=fold(f"{m.text}\n{m.author.name}"),
            scores=(NOW.timestamp() + i, NOW.timestamp() + rng.random() * 900),
        )
        out.append((f"{i:016x}", row))
    return out


def measure(size: int, want: QueueFilter) -> tuple[float, float, float, int]:
    """(median us, p95 us, bytes a row, matches) of `want` over an index of `size`."""
    rows = _rows(size)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    index = QueueIndex()
    for mid, row in rows:
        index.put(mid, row)
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    times = []
    total = 0
    for _ in range(200):
        started = time.perf_counter()
        total, _page = index.find(want, 50, 0, by="deadline", now=NOW)
        times.append((time.perf_counter() - started) * 1e6)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95)], held / size, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--filter", default="view=unassigned&q=卡")
    args = parser.parse_args()
    want = QueueFilter(user=AGENTS[0], **dict(parse_qsl(args.filter)))
    figures = []
    for size in (int(s) for s in args.sizes.split(",")):
        median, p95, per_row, total = measure(size, want)
        print(
            f"{size} open, {args.filter}: {total} match; find median {median:.0f} us,"
            f" p95 {p95:.0f} us; index {per_row:.0f} B a row"
        )
        figures.append(f"{size}:{p95:.0f}us/{per_row:.0f}B")
    print("queue_index " + " ".join(figures))


if __name__ == "__main__":
    main()
