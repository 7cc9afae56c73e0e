"""Benchmark the metrics hooks alone: what counting costs a mention, and rendering a scrape.

    python bench/metrics.py [--batches 2000] [--batch 100]

The pipeline counts each batch it acknowledges with one `Metrics.ingested` call over its
(platform, account) pairs; this times that call per mention, an HTTP request's timing
(`Metrics.request`) and a first response (`Metrics.first_response`) per call, and one
`render` of a registry holding every metric (a scrape without its Redis reads). CPU time
of this process, so a loaded machine changes it less than wall time.

The last line is
`metrics ingest_ns_per_mention=<n> request_ns=<n> first_response_ns=<n> render_us=<n>`.
"""

from __future__ import annotations

import argparse
import time

from responder.metrics import Metrics, State

SOURCES = [("weibo", "lanxing"), ("wechat", "gh_3f2a9c1d7e5b"), ("tieba", "澜星")]


def main(args: argparse.Namespace) -> None:
    metrics = Metrics()
    batch = [SOURCES[i % len(SOURCES)] for i in range(args.batch)]
    start = time.process_time()
    for _ in range(args.batches):
        metrics.ingested(iter(batch))
    ingest = (time.process_time() - start) / (args.batches * args.batch)
    calls = args.batches * 10
    start = time.process_time()
    for _ in range(calls):
        metrics.request("/api/mentions/{id}/approve", "POST", 0.012)
    request = (time.process_time() - start) / calls
    start = time.process_time()
    for i in range(calls):
        metrics.first_response(float(i % 1200))
    response = (time.process_time() - start) / calls
    metrics.outbox("sent")
    metrics.page("hook", "sent")
    state = State(queue_depth=10_000, oldest_waiting_s=840.0, pipeline_lag_s=0.2)
    start = time.process_time()
    for _ in range(200):
        metrics.render(state)
    render = (time.process_time() - start) / 200
    print(
        f"metrics ingest_ns_per_mention={ingest * 1e9:.0f} request_ns={request * 1e9:.0f} "
        f"first_response_ns={response * 1e9:.0f} render_us={render * 1e6:.0f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--batches", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=100, help="mentions per pipeline batch")
    main(parser.parse_args())
