"""The soak's verdict, from the outside: Redis as redis-py reads it, the forum's posts and
replies, the webhook's pages. Nothing here asks a Tiexin process."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import redis

from bench.soak_config import CONNECTOR, PLATFORM, PREFIX, Timers
from bench.soak_fakes import Delivered, Post, Reply
from responder.store import packed, steps
from responder.store.keys import Keys, mention_id

STAGES = ("warned", "breached", "escalated")
CLOSING = ("approved", "dismissed")
STAGE_SLACK_S = 15.0  # a stage may fire this late (a sweep, a Redis restart) and not be missed
PAGE_GRACE_S = 90.0  # answered within this of firing: the notifier may rightly skip its page
GROUP_SLACK_S = 2.0  # a member joins its group page's window at most this after it closed
BATCH = 500


@dataclass
class Figures:
    mentions: int = 0
    lost: int = 0
    doubled: int = 0
    missed_stages: int = 0
    missed_pages: int = 0
    double_pages: int = 0
    double_replies: int = 0
    ingest_gap_max_s: float = 0.0
    started: float = 0.0  # epoch seconds: examples give times from here
    info: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def example(self, what: str, text: str) -> None:
        if len(self.examples[what]) < 5:
            self.examples[what].append(text)

    def line(self, minutes: float) -> str:
        return (
            f"soak minutes={minutes:g} mentions={self.mentions} lost={self.lost}"
            f" doubled={self.doubled} missed_stages={self.missed_stages}"
            f" missed_pages={self.missed_pages} double_pages={self.double_pages}"
            f" double_replies={self.double_replies}"
            f" ingest_gap_max_s={self.ingest_gap_max_s:.1f}"
        )


@dataclass(frozen=True, slots=True)
class Stored:
    """One mention as Redis holds it: its hash and its event log."""

    post: Post
    fields: dict[str, str]
    events: list[dict[str, Any]]

    def first(self, *types: str) -> float | None:
        times = [float(e["at"]) for e in self.events if e.get("type") in types]
        return min(times) if times else None


def read(client: redis.Redis, posts: list[Post]) -> list[Stored]:
    keys = Keys(PREFIX)
    out: list[Stored] = []
    for i in range(0, len(posts), BATCH):
        chunk = posts[i : i + BATCH]
        pipe = client.pipeline(transaction=False)
        for post in chunk:
            mid = mention_id(PLATFORM, CONNECTOR, str(post.id))
            pipe.hgetall(keys.mention(mid))
            pipe.lrange(keys.mention_events(mid), 0, -1)
        answers = pipe.execute()
        for n, post in enumerate(chunk):
            fields, events = answers[2 * n], answers[2 * n + 1]
            events += _logged(fields)
            fields = packed.unpack(fields)
            logged = steps.logged(events, fields)
            out.append(Stored(post, fields, logged))
    return out


def _logged(fields: dict[str, str]) -> list[str]:
    """The events a mention hash holds (`e:1`... `e:n`), oldest first, taken out of
    `fields`; a list key of the mention's own holds those data written before kept."""
    count = int(fields.pop("e:n", "0"))
    return [e for i in range(1, count + 1) if (e := fields.pop(f"e:{i}", None)) is not None]


def judge(
    stored: list[Stored],
    replies: list[Reply],
    pages: list[Delivered],
    timers: Timers,
    *,
    started: float,
    ended: float,
    health: list[tuple[float, int, int]],
) -> Figures:
    """Count losses, doubles and misses; `started` is when the inflow began (examples give
    times from there), `ended` when the processes were stopped; `health` holds samples
    (at, process, status) of /api/health taken during the run."""
    f = Figures(mentions=len(stored), started=started)
    arrived: dict[str, float] = {}
    for page in pages:
        arrived.setdefault(page.key, page.at)
    for key, n in Counter(p.key for p in pages).items():
        if n > 1:
            f.double_pages += n - 1
            f.example("double_pages", f"{key} x{n}")
    f.info["pages"] = len(pages)
    f.info["group_pages"] = sum(1 for p in pages if p.key.startswith("group:"))
    own = {tuple(key.split(":")[:2]) for key in arrived}  # (mention, stage) paged alone
    for s in stored:
        _queued_once(f, s)
        if s.fields and not _set_aside(s):
            _stages(f, s, timers, ended)
            _pages(f, s, arrived, own, timers)
    f.info["set_aside"] = sum(1 for s in stored if s.fields and _set_aside(s))
    _replies(f, stored, replies)
    gaps = stretches(stored)
    f.ingest_gap_max_s = gaps[0][1] - gaps[0][0] if gaps else 0.0
    for a, b in gaps[:3]:
        f.example("ingest_gaps", f"{b - a:.1f}s from +{a - started:.1f}s")
    after = 2 * timers.poll_interval
    f.info["health_200_while_ingest_stalled"] = stalled_health(gaps, health, after)
    lags = [
        float(s.fields["queued_at"]) - s.post.created for s in stored if "queued_at" in s.fields
    ]
    f.info["queue_lag_max_s"] = int(max(lags, default=0.0))
    return f


def _set_aside(s: Stored) -> bool:
    """Placed in 无需回复 and never moved back: no timer, so no stage is owed."""
    types = {e.get("type") for e in s.events}
    return "no_reply" in types and "needs_reply" not in types


def _queued_once(f: Figures, s: Stored) -> None:
    """Placed exactly once: queued, or set aside as 无需回复 (both are the pipeline's)."""
    queued = sum(1 for e in s.events if e.get("type") in ("queued", "no_reply"))
    if not s.fields or not queued:
        f.lost += 1
        f.example("lost", f"post {s.post.id}")
    elif queued > 1:
        f.doubled += 1
        f.example("doubled", f"{s.fields.get('id')} queued {queued} times")


def _stages(f: Figures, s: Stored, t: Timers, ended: float) -> None:
    """Each stage due while the mention was open (and before the end) fired."""
    fired = {e.get("type") for e in s.events}
    for stage in STAGES:
        f.info[f"fired_{stage}"] += stage in fired
    queued = float(s.fields.get("queued_at") or s.post.created)
    for e in s.events:  # how late the sweep fired each stage (after it was due and queued)
        if e.get("type") in STAGES and "due" in e:
            late = int(float(e["at"]) - max(float(e["due"]), queued))
            f.info["stage_late_max_s"] = max(f.info["stage_late_max_s"], late)
    closed = s.first(*CLOSING)
    acked = s.first("acked")
    deadline = float(s.fields["deadline"])
    due = {
        "warned": float(s.fields["warn_at"]),
        "breached": deadline,
        "escalated": deadline + t.escalate_after,
    }
    for stage, at in due.items():
        at = max(at, queued)
        if at + STAGE_SLACK_S > ended or stage in fired:
            continue
        if closed is not None and closed <= at + STAGE_SLACK_S:
            continue  # answered in time (or about then)
        if stage == "escalated" and (acked is not None or "breached" not in fired):
            continue
        f.missed_stages += 1
        end = "open" if closed is None else f"closed +{closed - f.started:.1f}s"
        f.example("missed_stages", f"{s.fields['id']} {stage} due +{at - f.started:.1f}s, {end}")


def _pages(
    f: Figures, s: Stored, arrived: dict[str, float], own: set[tuple[str, ...]], t: Timers
) -> None:
    """Each fired stage was paged alone, or its group's page went out in its window."""
    mid = s.fields["id"]
    closed = s.first(*CLOSING)
    for e in s.events:
        stage = e.get("type")
        if stage not in STAGES:
            continue
        at = float(e["at"])
        paged = [p for p in s.events if p.get("type") == "paged" and p.get("stage") == stage]
        if (mid, stage) in own:  # its own page came
            continue
        if any(p.get("key") in arrived and "group" not in p for p in paged):
            continue
        ok, why = False, "no page"
        for p in paged:
            gid = p.get("group")
            key = p.get("key") or f"group:{gid}"
            when = arrived.get(key)
            if when is None:
                why = f"{key} never reached the webhook"
            elif "key" not in p and float(p["at"]) > when + t.group_window + GROUP_SLACK_S:
                why = f"joined {key} {float(p['at']) - when:.0f}s after its page went out"
            else:
                ok = True
        if ok:
            continue
        if not paged and closed is not None and closed <= at + PAGE_GRACE_S:
            f.info["answered_before_page"] += 1
            continue
        f.missed_pages += 1
        f.example("missed_pages", f"{mid} {stage} at +{at - f.started:.1f}s: {why}")


def _replies(f: Figures, stored: list[Stored], replies: list[Reply]) -> None:
    per_post = Counter(r.post for r in replies)
    first: dict[str, int] = {}
    for r in replies:
        first.setdefault(r.post, r.id)
    for post, n in per_post.items():
        if n > 1:
            f.double_replies += 1
            f.example("double_replies", f"post {post}: {n} replies")
    f.info["replies"] = len(replies)
    for s in stored:
        state = s.fields.get("state", "")
        f.info[f"state_{state or 'missing'}"] += 1
        post = str(s.post.id)
        types = [e.get("type") for e in s.events]
        f.info["send_failed_events"] += types.count("send_failed")
        if state == "sent" and post not in per_post:
            f.info["sent_without_reply"] += 1
        if state == "sent" and s.fields.get("reply_id") not in (str(first.get(post)), None):
            f.info["reply_id_not_first"] += 1
        if state not in ("sent",) and post in per_post:
            f.info["reply_not_recorded"] += 1


def stretches(stored: list[Stored]) -> list[tuple[float, float]]:
    """Each stretch in which a mention was waiting to be ingested and none was, as (from,
    to): at each ingest, from the previous ingest or from when the oldest mention still
    waiting was written, whichever is later. Longest first."""
    pairs = sorted(
        (float(s.fields["ingested_at"]), s.post.created)
        for s in stored
        if "ingested_at" in s.fields
    )
    oldest = [0.0] * len(pairs)  # per ingest: the oldest creation among it and those after
    low = float("inf")
    for i in range(len(pairs) - 1, -1, -1):
        low = min(low, pairs[i][1])
        oldest[i] = low
    out = [(oldest[0], pairs[0][0])] if pairs else []
    for i in range(1, len(pairs)):
        start = max(pairs[i - 1][0], oldest[i])
        if pairs[i][0] > start:
            out.append((start, pairs[i][0]))
    return sorted(out, key=lambda s: s[0] - s[1])


def stalled_health(
    stalls: list[tuple[float, float]], samples: list[tuple[float, int, int]], after: float
) -> int:
    """How many health answers (at, process, status) said 200 while ingest had stood still
    for more than `after` seconds."""
    return sum(
        1
        for at, _, status in samples
        if status == 200 and any(a + after < at < b for a, b in stalls)
    )
