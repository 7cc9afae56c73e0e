"""Benchmark the agents' workspace: the queue page, approving, and live updates.

    python bench/ui.py [--pending 10000] [--agents 20] [--rounds 50] [--pages 100]
                       [--changes 30] [--view unassigned|all]

1. Fills a fresh embedded Redis with --pending open mentions through the real write path
   (bench/queue_api.py `fill`).
2. Serves the real app in a child process (as bench/queue_api.py does), with the live
   broadcaster running as the runtime runs it (`Supervisor.loop`).
3. Opens --pages SSE connections to GET /api/live and keeps them open throughout, so the
   agents' load below is measured while every approval is fanned out to every page.
4. --agents concurrent agents each run --rounds of `GET /api/queue?limit=50&view=<--view>` then
   `POST /api/mentions/{id}/approve` on a listed mention no other agent took; p95 of each
   (after one warm-up round).
5. SSE fan-out: --changes times, one claim through the API; the time from sending it until
   the claim's message reached all --pages pages; p95 over the changes.

The last line is `ui queue_p95_ms=<n> approve_p95_ms=<n> sse_fanout_ms=<n>`.
Pages (the queue list and detail) join this bench as the UI lands.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import aiohttp
from aiohttp import web

HERE = Path(__file__).resolve()
# Run the checkout this file is in (and its bench.queue_api), not an installed copy.
sys.path.insert(0, str(HERE.parent.parent))

from bench.queue_api import AUTH, BENCH_USER, PREFIX, _p95, _stop_server, fill  # noqa: E402
from responder.config import Config, RedisConfig, defaults  # noqa: E402
from responder.live.broadcaster import LIVE  # noqa: E402
from responder.pipeline.scoring import ScoringPool  # noqa: E402
from responder.runtime import create_app  # noqa: E402
from responder.services import SERVICES  # noqa: E402
from responder.store.embedded import EmbeddedRedis  # noqa: E402

REPLY = "谢谢反馈，马上处理"
BOUND = 30.0  # seconds one change may take to reach every page before the bench fails


def auth_headers(agent: str) -> dict[str, str]:
    """The headers that sign an agent in: the bench user's API token (every agent of the
    bench is that one user; claims and approvals still go to distinct mentions)."""
    del agent
    return dict(AUTH)


async def serve(url: str) -> None:
    """The real app on 127.0.0.1 port 0 with the broadcaster running; print the port once
    the scoring workers are ready; stop on SIGTERM."""
    config: Config = replace(
        defaults(), connectors=(), redis=RedisConfig(url=url, prefix=PREFIX), users=(BENCH_USER,)
    )
    app = create_app(config, background=False)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    services = app[SERVICES]
    assert services.supervisor is not None and services.pipeline is not None
    services.supervisor.loop("live", app[LIVE].step)
    await cast(ScoringPool, services.pipeline.scorer).ready()
    print(f"port {runner.addresses[0][1]}", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await services.supervisor.stop()
    await runner.cleanup()


async def _start_server(url: str) -> tuple[asyncio.subprocess.Process, str]:
    command = [sys.executable, str(HERE), "--serve", url]
    process = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE)
    assert process.stdout is not None
    line = (await process.stdout.readline()).decode().split()
    if len(line) != 2 or line[0] != "port":
        await process.wait()
        raise RuntimeError(f"the app did not start (exit status {process.returncode})")
    return process, f"http://127.0.0.1:{line[1]}"


class Pages:
    """--pages open SSE connections; each notes when the claim being watched reaches it."""

    def __init__(self) -> None:
        self.watching = ""  # the mention id whose claim is being timed
        self.arrived: list[float] = []
        self.open = 0
        self.all_open = asyncio.Event()
        self.messages = 0
        self.everyone = asyncio.Event()
        self.count = 0

    async def page(self, session: aiohttp.ClientSession, base: str) -> None:
        async with session.get(f"{base}/api/live", headers=auth_headers("page")) as resp:
            if resp.status != 200:
                raise RuntimeError(f"GET /api/live: {resp.status}")
            self.open += 1
            if self.open == self.count:
                self.all_open.set()
            tail = b""  # the end of the last chunk: a message may span two
            noted = ""  # the claim this page has seen already
            async for chunk in resp.content.iter_any():
                self.messages += chunk.count(b"\nevent: mention")
                seen, tail = tail + chunk, chunk[-4096:]
                watching = self.watching
                if watching != noted and f'"claimed","id":"{watching}"'.encode() in seen:
                    noted = watching
                    self.arrived.append(time.perf_counter())
                    if len(self.arrived) == self.count:
                        self.everyone.set()

    async def time_claim(self, session: aiohttp.ClientSession, base: str, mid: str) -> float:
        """Claim `mid`; return ms until the claim's message reached every page."""
        self.watching, self.arrived, self.everyone = mid, [], asyncio.Event()
        started = time.perf_counter()
        body: dict[str, str] = {}
        url = f"{base}/api/mentions/{mid}/claim"
        async with session.post(url, json=body, headers=auth_headers("bench-live")) as resp:
            if resp.status != 200:
                raise RuntimeError(f"POST claim: {resp.status} {await resp.text()}")
        await asyncio.wait_for(self.everyone.wait(), BOUND)
        return (max(self.arrived) - started) * 1000


async def _agent(
    base: str,
    name: str,
    rounds: int,
    taken: set[str],
    queue_ms: list[float],
    ok_ms: list[float],
    view: str,
) -> None:
    """One agent: list the queue, approve a reply to a mention nobody else took.

    An approval waits out the send delay in the queue (待发出, claimed by its approver), so
    agents reading the whole queue see the same head again and again and soon find nothing
    left to approve (30 approvals in 1,000 rounds); agents working 未认领 (the default view
    here) get fresh mentions each round, as a team working the queue does."""
    async with aiohttp.ClientSession(base, headers=auth_headers(name)) as session:
        for n in range(rounds + 1):  # round 0 warms the connection up, unmeasured
            started = time.perf_counter()
            async with session.get("/api/queue", params={"limit": "50", "view": view}) as resp:
                data: dict[str, Any] = await resp.json()
                if resp.status != 200:
                    raise RuntimeError(f"GET /api/queue: {resp.status}")
            if n:
                queue_ms.append((time.perf_counter() - started) * 1000)
            mid = next((item["id"] for item in data["items"] if item["id"] not in taken), None)
            if mid is None:
                continue
            taken.add(mid)
            started = time.perf_counter()
            body = {"text": REPLY}
            async with session.post(f"/api/mentions/{mid}/approve", json=body) as resp:
                await resp.read()
                if resp.status not in (200, 409):
                    raise RuntimeError(f"POST approve: {resp.status}")
            if n:
                ok_ms.append((time.perf_counter() - started) * 1000)


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(base: str, server: int, args: argparse.Namespace) -> tuple[float, float, float]:
    pages = Pages()
    pages.count = args.pages
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        readers = [asyncio.create_task(pages.page(session, base)) for _ in range(args.pages)]
        try:
            await asyncio.wait_for(pages.all_open.wait(), BOUND)
            queue_ms: list[float] = []
            ok_ms: list[float] = []
            taken: set[str] = set()
            started, cpu = time.perf_counter(), _cpu_s(server)
            await asyncio.gather(
                *(
                    _agent(base, f"agent{i}", args.rounds, taken, queue_ms, ok_ms, args.view)
                    for i in range(args.agents)
                )
            )
            wall, cpu = time.perf_counter() - started, _cpu_s(server) - cpu
            print(
                f"agents: {len(queue_ms)} queue reads, {len(ok_ms)} approvals in {wall:.1f} s"
                f" with {args.pages} pages open ({pages.messages} live messages received);"
                f" the server used {cpu:.1f} s of CPU, {cpu / max(1, len(ok_ms)) * 1000:.1f} ms"
                " per approval"
            )
            # Not those approved above (they wait out the send delay, claimed by their
            # approver, so claiming them again changes nothing a page would hear of): 未认领.
            url = f"{base}/api/queue?view=unassigned&limit={args.changes}"
            async with session.get(url, headers=auth_headers("bench-live")) as resp:
                items = (await resp.json())["items"]
            ids = [item["id"] for item in items if not item.get("held_by")]
            fanout = [await pages.time_claim(session, base, mid) for mid in ids]
            print(
                f"live: {len(fanout)} claims reached all {args.pages} pages;"
                f" p50 {sorted(fanout)[len(fanout) // 2]:.1f} ms, max {max(fanout):.1f} ms"
            )
        finally:
            for reader in readers:
                reader.cancel()
            await asyncio.gather(*readers, return_exceptions=True)
    return _p95(queue_ms), _p95(ok_ms), _p95(fanout)


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedRedis(Path(tmp) / "redis")
        server.start()
        try:
            started = time.perf_counter()
            await fill(server.url, args.pending)
            print(f"fill: {args.pending} mentions in {time.perf_counter() - started:.1f} s")
            process, base = await _start_server(server.url)
            try:
                queue_p95, approve_p95, fanout_p95 = await measure(base, process.pid, args)
            finally:
                await _stop_server(process)
        finally:
            await asyncio.to_thread(server.stop)
    print(
        f"ui queue_p95_ms={queue_p95:.1f} approve_p95_ms={approve_p95:.1f}"
        f" sse_fanout_ms={fanout_p95:.1f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pending", type=int, default=10_000)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=50, help="queue reads + approvals each")
    parser.add_argument("--pages", type=int, default=100, help="open SSE connections")
    parser.add_argument("--changes", type=int, default=30, help="claims timed to every page")
    parser.add_argument(
        "--view",
        default="unassigned",
        choices=("unassigned", "all"),
        help="the queue view agents read (default 未认领: approved ones wait there no more)",
    )
    parser.add_argument("--serve", metavar="REDIS_URL", help=argparse.SUPPRESS)
    parsed = parser.parse_args()
    if parsed.serve:
        asyncio.run(serve(parsed.serve))
    else:
        asyncio.run(main(parsed))
