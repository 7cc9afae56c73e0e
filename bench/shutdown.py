"""Benchmark a stop under load: SIGTERM to exit of a real `tiexin run`, losing nothing.

    python bench/shutdown.py [--mentions 4000] [--runs 5] [--checkout PATH]

Each run starts `tiexin run` (embedded Redis with AOF, default pipeline) in a fresh data
dir on a replay feed of --mentions fresh mentions polled as fast as it goes (100 every
50 ms), sends SIGTERM once a third of them are queued, while the poller, the pipeline
and the scoring workers are busy, and times until the process has exited. It then starts
again on the same data dir and waits until every mention is queued: entries read but not
acknowledged at the stop come back (`stats.redelivered`), none may be missing.
`--checkout` runs another checkout's code (to compare with an older commit).
The last line is `shutdown runs=<n> stop_p50_s=<n> stop_max_s=<n> lost=<n>`.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Run the checkout this file is in (`python bench/NAME.py` puts only bench/ on the path).
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.fresh import bench_mention  # noqa: E402  (after the path is set)
from bench.soak_config import TOKEN, USERS  # noqa: E402

LIMIT = 120.0  # seconds a start or a catch-up may take before the run is declared failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=4000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--checkout", type=Path, default=ROOT)
    args = parser.parse_args()
    stops: list[float] = []
    lost = 0
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory() as tmp:
            took, missing, stats = one_run(Path(tmp), args.mentions, args.checkout.resolve())
        stops.append(took)
        lost += missing
        print(f"run {run}: stopped in {took:.2f}s, lost {missing}, stats {stats}", flush=True)
    print(
        f"shutdown runs={args.runs} stop_p50_s={statistics.median(stops):.2f}"
        f" stop_max_s={max(stops):.2f} lost={lost}"
    )


def one_run(tmp: Path, mentions: int, checkout: Path) -> tuple[float, int, dict[str, int]]:
    """Start, load, SIGTERM, time the exit; start again and count what is missing."""
    now = datetime.now(UTC)
    feed = tmp / "feed.jsonl"
    feed.write_text("".join(bench_mention(n, now).to_json() + "\n" for n in range(mentions)))
    port = _free_port()
    config = tmp / "config.toml"
    config.write_text(
        f'[server]\nport = {port}\n[redis]\ndata_dir = "data"\n'
        '[connectors.feed]\ntype = "replay"\npath = "feed.jsonl"\n'
        'poll_interval = "50ms"\nbatch_size = 100\n' + USERS,  # USERS: health's details
        "utf-8",
    )
    process = _start(config, checkout)
    try:
        _until(lambda: _health(port).get("queued", 0) >= mentions // 3, process)
        sent = time.monotonic()
        process.send_signal(signal.SIGTERM)
        while process.poll() is None and time.monotonic() - sent < LIMIT:
            time.sleep(0.002)  # polling a real process for its exit
        took = time.monotonic() - sent
        if process.returncode != 0:
            raise SystemExit(f"tiexin exited with {process.returncode} on SIGTERM")
    finally:
        process.kill()
        process.wait()
    again = _start(config, checkout)
    try:
        _until(lambda: _health(port).get("queued", 0) >= mentions, again, quiet=True)
        body = _health(port)
    finally:
        again.send_signal(signal.SIGTERM)
        again.wait(LIMIT)
    return took, mentions - int(body.get("queued", 0)), dict(body.get("stats", {}))


def _start(config: Path, checkout: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "responder.cli", "run", "--config", str(config)]
    command += ["--log-level", "ERROR"]
    quiet = subprocess.DEVNULL
    return subprocess.Popen(command, cwd=checkout, stdout=quiet, stderr=quiet, env=os.environ)


def _until(check: Any, process: subprocess.Popen[bytes], *, quiet: bool = False) -> None:
    limit = time.monotonic() + LIMIT
    while time.monotonic() < limit:
        if process.poll() is not None:
            raise SystemExit(f"tiexin exited early ({process.returncode})")
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.05)  # polling a real process
    if not quiet:
        raise SystemExit("tiexin did not get there in time")


def _health(port: int) -> dict[str, Any]:
    url = f"http://127.0.0.1:{port}/api/health"
    asking = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})
    try:
        with urllib.request.urlopen(asking, timeout=5) as resp:
            body: dict[str, Any] = json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        body = json.loads(exc.read())
    return body


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


if __name__ == "__main__":
    main()
