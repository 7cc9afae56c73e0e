"""The notifier's reads and writes in Redis: the alerts stream, groups, delivery markers,
channel health and paging events in the mentions' logs."""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from responder.alerts import lua
from responder.alerts.channels.fallback import ChannelHealth
from responder.clock import from_epoch
from responder.store import packed
from responder.store.consumer import StreamGroup
from responder.store.keys import NOTIFIER_GROUP
from responder.store.stages import Stage
from responder.store.store import Store

SENT_TTL = 7 * 86400  # a delivery marker outlives any redelivery of its entry
GROUP_TTL = 2 * 86400  # a group's hash and members: long enough for acks and summaries
ROUNDS = 4  # placement calls before a stage whose open group keeps changing goes alone
MENTION_FIELDS = (
    "state",
    "platform",
    "account",
    "kind",
    "author_name",
    "author_followers",
    "text",
    "deadline",
    "clock_start",
    "crisis",
    "acked_at",
    "closed_at",
    "incident_id",
)
_READ = packed.fetch(MENTION_FIELDS)  # the hash fields that give them (store/packed.py)


@dataclass(frozen=True, slots=True, kw_only=True)
class Placement:
    """Where a stage's page goes: alone, as the opener of a group, or into an open group."""

    kind: str  # single | opened | joined | done (settled when first read)
    group: str = ""
    again: bool = False  # joined when read before (the page may not be in its log yet)


class AlertStore:
    def __init__(self, store: Store) -> None:
        self.store, self.redis, self.keys = store, store.redis, store.keys
        self.stream = StreamGroup(self.redis, self.keys.alerts, NOTIFIER_GROUP)
        self._group = self.redis.register_script(lua.GROUP)
        self._claim = self.redis.register_script(lua.CLAIM)
        self._release = self.redis.register_script(lua.RELEASE)
        self._log = self.redis.register_script(lua.LOG_ALERT)
        self._take = self.redis.register_script(lua.TAKE)

    async def mentions(self, ids: Sequence[str]) -> list[dict[str, str] | None]:
        """The fields a page needs, per mention (None once it expired)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for mid in ids:
                pipe.hmget(self.keys.mention(mid), _READ)
            rows = await pipe.execute()
        out: list[dict[str, str] | None] = []
        for row in rows:
            fields = {f: v for f, v in zip(_READ, row, strict=True) if v is not None}
            out.append(packed.unpack(fields, MENTION_FIELDS) if "state" in fields else None)
        return out

    async def coming(self, stage: Stage, now: datetime, until: datetime, limit: int) -> list[str]:
        """Mentions whose `stage` is due after now and by `until`, soonest first."""
        ids = await self.redis.zrangebyscore(
            self.keys.due(stage), f"({now.timestamp():.3f}", until.timestamp(), 0, limit
        )
        return [str(i) for i in ids]

    async def place(
        self,
        stage: Stage,
        mid: str,
        now: datetime,
        *,
        window: float,
        minimum: int,
        others: int,
        summary_at: datetime | None,
        marker: str,
    ) -> Placement:
        """Group this stage's page with others due about now, or say it goes alone.

        Each call offers a fresh id for a group it may open; it joins an open group only
        by naming it, so a group whose window closed between two calls is never reopened
        (its page may have gone out already): a new one opens under a new id."""
        k = self.keys
        join = ""
        for _ in range(ROUNDS):
            gid = secrets.token_hex(8)
            reply = await self._group(
                keys=[
                    k.alert_open_group(stage),
                    k.alert_group(gid),
                    k.alert_group_members(gid),
                    k.due(stage),
                    k.alert_groups,
                    k.alert_sent(marker),
                    k.alert_sent(group_key(gid)),
                    k.alert_group(join or gid),
                    k.alert_group_members(join or gid),
                ],
                args=[
                    gid,
                    join,
                    mid,
                    f"{now.timestamp():.3f}",
                    window,
                    minimum,
                    others,
                    f"{summary_at.timestamp():.3f}" if summary_at else "",
                    GROUP_TTL,
                    SENT_TTL,
                    str(stage),
                ],
            )
            what = [str(v) for v in reply]
            if what[0] == "retry":
                join = what[1]
                continue
            if what[0] == "taken":
                continue
            if what[0] in ("opened", "joined"):
                return Placement(kind=what[0], group=what[1], again=what[2:] == ["again"])
            if what[0] == "done":
                return Placement(kind="done")
            return Placement(kind="single")
        return Placement(kind="single")  # the open group kept changing: page it alone

    async def delivered(self, key: str) -> bool:
        """Whether the page under `key` went out."""
        value = await self.redis.get(self.keys.alert_sent(key))
        return value is not None and str(value).startswith("sent:")

    async def owed(self, markers: Sequence[str]) -> list[str]:
        """Per entry marker, the group it opened whose page is still owed, or ""."""
        if not markers:
            return []
        values = await self.redis.mget([self.keys.alert_sent(m) for m in markers])
        return [_opened(v) for v in values]

    async def group(self, gid: str) -> tuple[dict[str, str], list[str]]:
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(self.keys.alert_group(gid))
            pipe.smembers(self.keys.alert_group_members(gid))
            fields, members = await pipe.execute()
        return cast(dict[str, str], fields), sorted(str(m) for m in members)

    async def claim(self, key: str, consumer: str, lease_s: float) -> tuple[str, str]:
        reply = await self._claim(
            keys=[self.keys.alert_sent(key)], args=[consumer, int(lease_s * 1000)]
        )
        values = [str(v) for v in reply]
        return values[0], values[1] if len(values) > 1 else ""

    async def sent(self, key: str, how: str) -> None:
        await self.redis.set(self.keys.alert_sent(key), "sent:" + how, ex=SENT_TTL)

    async def release(self, key: str, consumer: str) -> None:
        await self._release(keys=[self.keys.alert_sent(key)], args=[consumer])

    async def log(self, ids: Sequence[str], record: dict[str, Any]) -> None:
        """Append a paging event to each mention's log and the global event stream."""
        if not ids:
            return
        keys = [self.keys.events]
        for mid in ids:
            keys += [self.keys.mention(mid), self.keys.mention_events(mid)]
        await self._log(keys=keys, args=[self.store.retention.events, _dumps(record), *ids])

    async def take_summaries(self, now: datetime, lease_s: float, limit: int = 20) -> list[str]:
        """Groups due for their summary, taken for `lease_s`."""
        due = await self.redis.zrangebyscore(
            self.keys.alert_groups, "-inf", now.timestamp(), 0, limit
        )
        if not due:
            return []
        until = now.timestamp() + lease_s
        taken = await self._take(
            keys=[self.keys.alert_groups],
            args=[f"{now.timestamp():.3f}", f"{until:.3f}", *[str(g) for g in due]],
        )
        return [str(g) for g in taken]

    async def summary_later(self, gid: str, at: datetime) -> None:
        await self.redis.zadd(self.keys.alert_groups, {gid: at.timestamp()})

    async def summary_done(self, gid: str) -> None:
        await self.redis.zrem(self.keys.alert_groups, gid)

    async def save_health(self, rows: Sequence[ChannelHealth]) -> None:
        """Each channel's last success and failure, kept across processes (latest wins)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for row in rows:
                fields: dict[str, str] = {}
                if row.last_success:
                    fields["last_success"] = f"{row.last_success.timestamp():.3f}"
                if row.last_failure:
                    fields["last_failure"] = f"{row.last_failure.timestamp():.3f}"
                    fields["last_reason"] = row.last_reason[:300]
                if fields:
                    pipe.hset(self.keys.channel_health(row.name), mapping=fields)  # type: ignore[arg-type]
            await pipe.execute()

    async def health(self, names: Sequence[str]) -> list[ChannelHealth]:
        """What /api/health shows per channel, from every process's deliveries."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.hgetall(self.keys.channel_health(name))
            rows = cast(list[dict[str, str]], await pipe.execute())
        return [
            ChannelHealth(
                name=name,
                last_success=_when(row.get("last_success")),
                last_failure=_when(row.get("last_failure")),
                last_reason=row.get("last_reason", ""),
            )
            for name, row in zip(names, rows, strict=True)
        ]


def group_key(gid: str) -> str:
    """The delivery key of a group's page (its marker, the webhook's Idempotency-Key)."""
    return f"group:{gid}"


def _opened(value: object) -> str:
    text = str(value) if value is not None else ""
    return text.removeprefix("opened:") if text.startswith("opened:") else ""


def _when(value: str | None) -> datetime | None:
    return from_epoch(float(value)) if value else None


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
