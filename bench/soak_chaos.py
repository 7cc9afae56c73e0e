"""What the soak does to the processes: `kill -9` one every minute (the poll-lease holder
first), restart it on the same data dir, stop and restart Redis once; then wait for the
work in flight to settle."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field

import redis

from bench.soak_config import CONNECTOR, PLATFORM, PREFIX
from bench.soak_fakes import Forum
from bench.soak_procs import RedisServer, Tiexin
from responder.pipeline.worker import consumer_name
from responder.store.keys import NOTIFIER_GROUP, OUTBOX_GROUP, PIPELINE_GROUP, Keys, mention_id

KEYS = Keys(PREFIX)
FIRST_KILL_S = 30.0  # then one a minute
CHECK_EVERY_S = 1.0
HEALTH_EVERY_S = 3  # a look at every process's /api/health this often (seconds)
MID_SEND_WAIT_S = 10.0  # how long a mid-send kill waits for a reply in flight


@dataclass(frozen=True, slots=True)
class Kill:
    at: float  # seconds into the run
    index: int
    holder: bool  # it held the poll lease
    mid_send: bool  # it was posting a reply the forum had taken and not yet answered
    restart_s: float  # from the kill until the new process served


@dataclass
class Chaos:
    procs: list[Tiexin]
    server: RedisServer
    forum: Forum
    rng: random.Random
    redis_kill: bool = False  # SIGKILL Redis instead of SIGTERM (loses up to 1 s: everysec)
    redis_down_s: float = 1.0
    kills: list[Kill] = field(default_factory=list)
    outage_s: float = 0.0
    crashes: int = 0  # processes that exited without being killed (restarted too)
    health: list[tuple[float, int, int]] = field(default_factory=list)  # at, process, status

    def holder(self) -> int | None:
        """The index of the process holding the poll lease: named in the lease's value
        (`OWNER UNTIL`, OWNER `host:id` with the id kept in its data dir, or its pid), else
        the one polling process (all, or --role poller) whose health does not say standby."""
        client = self.server.client()
        try:
            value = str(client.get(KEYS.lease(CONNECTOR)) or "")
        except redis.RedisError:
            value = ""
        finally:
            client.close()
        owner = value.rsplit(" ", 1)[0]  # without UNTIL, which glued itself to the id
        parts = set(owner.split(":")) - {""}
        for p in self.procs:
            if str(p.pid) in parts or parts & p.names():
                return p.index
        pollers = [p for p in self.procs if p.role == "all" or "poller" in p.role.split(",")]
        polling = [p.index for p in pollers if p.source_state() not in ("standby", "")]
        return polling[0] if len(polling) == 1 else None

    def sender(self) -> int | None:
        """The index of a process posting a reply the forum has taken and not answered."""
        posts = [post for post, n in self.forum.answering.items() if n > 0]
        if not posts:
            return None
        mid = mention_id(PLATFORM, CONNECTOR, self.rng.choice(posts))
        client = self.server.client()
        try:
            by = client.hget(KEYS.mention(mid), "sending_by")
        except redis.RedisError:
            return None
        finally:
            client.close()
        return next((p.index for p in self.procs if consumer_name(p.data_dir) == by), None)

    async def run(self, seconds: float) -> None:
        t0 = time.monotonic()
        plan = [FIRST_KILL_S + 60.0 * k for k in range(int(seconds // 60) + 1)]
        plan = [at for at in plan if at < seconds]
        redis_at = seconds / 2
        if any(abs(redis_at - at) < 10 for at in plan):
            redis_at += 15.0  # not on top of a kill
        while time.monotonic() - t0 < seconds:
            elapsed = time.monotonic() - t0
            if plan and elapsed >= plan[0]:
                plan.pop(0)
                await self.kill_one(elapsed, len(self.kills))
            elif redis_at and elapsed >= redis_at:
                redis_at = 0.0
                await self.restart_redis()
            await self.revive()
            if int(elapsed) % HEALTH_EVERY_S == 0:
                await asyncio.to_thread(self.sample_health)
            await asyncio.sleep(CHECK_EVERY_S)

    def sample_health(self) -> None:
        for p in self.procs:
            if p.alive():
                self.health.append((time.time(), p.index, p.health()[0]))

    async def kill_one(self, elapsed: float, n: int) -> None:
        """Kill the lease holder first, then every third time one that is mid-send (if one
        is within a bound), else one at random; restart it on its data dir."""
        sending: int | None = None
        if n % 3 == 1:
            limit = time.monotonic() + MID_SEND_WAIT_S
            while sending is None and time.monotonic() < limit:
                sending = await asyncio.to_thread(self.sender)
                if sending is None:
                    await asyncio.sleep(0.05)
        held = await asyncio.to_thread(self.holder)
        index = sending if sending is not None else held if n == 0 else None
        if index is None:
            index = self.rng.randrange(len(self.procs))
        proc = self.procs[index]
        t0 = time.monotonic()
        proc.kill()
        proc.start()  # from the main thread: its parent-death signal follows this thread
        await asyncio.to_thread(proc.wait_serving)
        kill = Kill(elapsed, index, index == held, index == sending, time.monotonic() - t0)
        self.kills.append(kill)
        what = " (lease holder)" if kill.holder else ""
        what += " (mid-send)" if kill.mid_send else ""
        print(
            f"  +{elapsed:5.0f}s kill -9 process {index}{what}:"
            f" serving again in {kill.restart_s:.1f}s",
            flush=True,
        )

    async def restart_redis(self) -> None:
        t0 = time.monotonic()
        await asyncio.to_thread(self.server.interrupt, kill=self.redis_kill)
        interrupted_s = time.monotonic() - t0
        await asyncio.sleep(self.redis_down_s)
        self.server.launch()
        await asyncio.to_thread(self.server.wait_ready)
        self.outage_s = time.monotonic() - t0
        how = "SIGKILL" if self.redis_kill else "SIGTERM"
        print(f"  {self.server.outage(how, self.outage_s, interrupted_s)}", flush=True)

    async def revive(self) -> None:
        """Restart a process that exited by itself (counted: it should not happen)."""
        for proc in self.procs:
            if not proc.alive():
                self.crashes += 1
                print(f"  process {proc.index} exited by itself:\n{proc.tail()}", flush=True)
                proc.kill()
                proc.start()
                await asyncio.to_thread(proc.wait_serving)


def _drained(client: redis.Redis, stream: str, group: str) -> bool:
    """Every entry of `stream` was read by `group` and acknowledged."""
    if not client.exists(stream):
        return True
    last = client.xinfo_stream(stream)["last-generated-id"]
    for row in client.xinfo_groups(stream):
        if row["name"] == group:
            return int(row["pending"]) == 0 and row["last-delivered-id"] == last
    return False


def busy(client: redis.Redis, mention_keys: list[str]) -> list[str]:
    """What is still in flight: mentions not yet queued, stages not yet fired, pages and
    replies not yet delivered. Empty once everything settled."""
    out: list[str] = []
    pipe = client.pipeline(transaction=False)
    for key in mention_keys:
        pipe.exists(key)
    missing = sum(1 for found in pipe.execute() if not found)
    if missing:
        out.append(f"{missing} not queued")
    due = sum(int(client.zcard(k)) for k in client.scan_iter(f"{KEYS.root}:due:*"))
    if due:
        out.append(f"{due} stages to fire")
    for stream, group in (
        (KEYS.ingest, PIPELINE_GROUP),
        (KEYS.alerts, NOTIFIER_GROUP),
        (KEYS.outbox, OUTBOX_GROUP),
    ):
        if not _drained(client, stream, group):
            out.append(f"{stream} not drained")
    if client.zcard(KEYS.outbox_later):
        out.append("replies to retry")
    return out


async def settle(server: RedisServer, mention_keys: list[str], bound: float) -> list[str]:
    """Wait (at most `bound` seconds) until nothing is in flight; return what still is."""
    limit = time.monotonic() + bound
    left: list[str] = ["not looked"]
    while time.monotonic() < limit:
        client = server.client()
        try:
            left = await asyncio.to_thread(busy, client, mention_keys)
        except redis.RedisError as exc:
            left = [f"Redis: {exc}"]
        finally:
            client.close()
        if not left:
            return []
        await asyncio.sleep(2.0)
    return left
