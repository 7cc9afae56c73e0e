"""The library in Redis, under the store's key root: approvals waiting to be sent,
candidates settling, entries by intent (newest first, at most `keep` each), a version
that grows with every change the scoring workers must see.

An entry's id is the id of the mention its reply answered."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from redis.asyncio import Redis

from responder.library import lua
from responder.library.pattern import Pattern
from responder.store.keys import Keys
from responder.store.records import EventType, event

log = logging.getLogger(__name__)
STATES = ("candidate", "active", "pinned", "retired", "failed")
LISTED = STATES[:-1]  # what a list shows unless asked for failed ones too
SHOWN = ("active", "pinned")  # the states the scoring workers propose from
APPROVAL_KEPT = timedelta(days=7)  # an approval never sent is forgotten after this
FAILED_KEPT = timedelta(days=7)  # a failed candidate stays visible this long
FAILED_MOST = 500  # failed candidates listed at most
MIN_PREFIX = 4  # characters of an id a lead must type


class LibraryError(ValueError):
    """A lead's request the library cannot do (an unknown id, a failed entry)."""


class UnknownEntry(LibraryError):
    """No entry has that id (or that prefix names none, or several)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Complaint:
    """A negative mention that may answer one of our replies badly."""

    watch: str  # the watch key of its conversation (Library.watch)
    mention: str  # its id
    at: float  # when it was written (epoch s)


class Library:
    """Library reads and writes over the store's Redis and key root."""

    def __init__(self, redis: Redis, keys: Keys, *, events_maxlen: int = 200_000) -> None:
        self.redis, self.keys, self.events_maxlen = redis, keys, events_maxlen
        self._sent = redis.register_script(lua.SENT)
        self._complaint = redis.register_script(lua.COMPLAINT)
        self._admit = redis.register_script(lua.ADMIT)
        self._mark = redis.register_script(lua.MARK)

    # -- keys ----------------------------------------------------------------
    def _key(self, *parts: str) -> str:
        return ":".join((self.keys.root, "lib", *parts))

    def entry_key(self, eid: str) -> str:
        return self._key("e", eid)

    def approval_key(self, mid: str) -> str:
        return self._key("approved", mid)

    def index_key(self, intent: str) -> str:
        return self._key("i", intent)

    @property
    def version_key(self) -> str:
        return self._key("version")

    def watch(self, platform: str, account: str, thread: str, author: str) -> str:
        """SET of candidates one person's conversation could still fail."""
        tail = "\x1f".join((platform, account, thread, author)).encode()
        return self._key("watch", hashlib.blake2b(tail, digest_size=8).hexdigest())

    # -- the life of a candidate ------------------------------------------------
    async def approved(
        self,
        mid: str,
        pattern: Pattern | None,
        *,
        row: Mapping[str, str],
        how: str,
        agent: str,
        now: datetime,
        settle: timedelta,
    ) -> None:
        """Remember an approved reply until it is sent (`pattern` None: forget any, as for a
        draft sent as is)."""
        key = self.approval_key(mid)
        if pattern is None:
            await self.redis.delete(key)
            return
        thread = row.get("thread_id", "")
        fields = {
            "intent": row.get("intent", ""),
            "tone": row.get("tone", ""),
            "lang": pattern.lang,
            "mention": pattern.mention,
            "reply": pattern.reply,
            "slots": " ".join(pattern.slots),
            "agent": agent,
            "how": how,
            "platform": row.get("platform", ""),
            "channel": row.get("channel", ""),
            "approved_at": f"{now.timestamp():.3f}",
            "settle": str(int(settle.total_seconds())),
            "watch": self.watch(
                row.get("platform", ""), row.get("account", ""), thread, row.get("author_id", "")
            ),
        }
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            pipe.hset(key, items=[item for pair in fields.items() for item in pair])
            pipe.expire(key, int(APPROVAL_KEPT.total_seconds()))
            await pipe.execute()

    async def sent(self, mid: str, at: datetime) -> bool:
        """The reply to `mid` was sent: an approval written or edited becomes a candidate."""
        settle, watch = await self.redis.hmget(self.approval_key(mid), ["settle", "watch"])
        if not settle or not watch:
            return False
        keys = [self.approval_key(mid), self.entry_key(mid), self._key("settling"), watch]
        done = await self._sent(keys=keys, args=[f"{at.timestamp():.3f}", settle, mid])
        if int(done):
            log.info("library_candidate id=%s", mid)
        return bool(int(done))

    async def complaints(self, found: Sequence[Complaint]) -> int:
        """Fail the candidates these negative follow-ups answer; return how many failed."""
        if not found:
            return 0
        async with self.redis.pipeline(transaction=False) as pipe:
            for complaint in found:
                pipe.smembers(complaint.watch)
            members = cast(list[set[str]], await pipe.execute())
        failed = 0
        for complaint, ids in zip(found, members, strict=True):
            if not ids:
                continue
            ordered = sorted(ids)
            keys = [self._key("settling"), self._key("failed")]
            keys += [self.entry_key(i) for i in ordered]
            args = [str(int(FAILED_KEPT.total_seconds())), complaint.mention, f"{complaint.at:.3f}"]
            failed += int(await self._complaint(keys=keys, args=[*args, *ordered]))
        if failed:
            log.info("library_candidates_failed count=%d (a complaint followed)", failed)
            await self.redis.zremrangebyrank(self._key("failed"), 0, -FAILED_MOST - 1)
        return failed

    async def settle(self, now: datetime, keep: int, limit: int = 200) -> list[str]:
        """Admit the candidates whose window has passed; keep `keep` entries per intent."""
        due = cast(
            list[str],
            await self.redis.zrangebyscore(
                self._key("settling"), "-inf", now.timestamp(), start=0, num=limit
            ),
        )
        if not due:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for eid in due:
                pipe.hget(self.entry_key(eid), "intent")
            intents = [str(i or "") for i in await pipe.execute()]
        keys = [self._key("settling"), self.version_key, self._key("intents")]
        args: list[str] = [f"{now.timestamp():.3f}"]
        for eid, intent in zip(due, intents, strict=True):
            keys += [self.entry_key(eid), self.index_key(intent)]
            args += [eid, intent]
        admitted = [str(a) for a in await self._admit(keys=keys, args=args)]
        for intent in sorted({i for e, i in zip(due, intents, strict=True) if e in admitted}):
            await self._trim(intent, keep)
        if admitted:
            log.info("library_admitted count=%d ids=%s", len(admitted), ",".join(admitted))
        return admitted

    async def _trim(self, intent: str, keep: int) -> None:
        """Drop the oldest entries of an intent past `keep` (pinned ones stay)."""
        index = self.index_key(intent)
        ids = cast(list[str], await self.redis.zrange(index, 0, -1))  # oldest first
        if len(ids) <= keep:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for eid in ids:
                pipe.hget(self.entry_key(eid), "state")
            states = await pipe.execute()
        extra = len(ids) - keep
        drop = [e for e, s in zip(ids, states, strict=True) if s != "pinned"][:extra]
        if not drop:
            return
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zrem(index, *drop)
            pipe.delete(*[self.entry_key(e) for e in drop])
            pipe.incr(self.version_key)
            await pipe.execute()

    # -- a lead's controls ------------------------------------------------------
    async def mark(self, given: str, state: str, by: str, now: datetime) -> dict[str, str]:
        """Pin or retire an entry (a unique id prefix will do); return it as it was.
        Recorded in the audit log with who did it."""
        eid = await self.resolve(given)
        row = cast(dict[str, str], await self.redis.hgetall(self.entry_key(eid)))
        if not row:
            raise UnknownEntry(f"没有这条范例：{given}")
        kind = EventType.LIBRARY_PINNED if state == "pinned" else EventType.LIBRARY_RETIRED
        record = event(kind, now, by, entry=eid, intent=row.get("intent", ""))
        record["reply"] = row.get("reply", "")
        intent = row.get("intent", "")
        keys = [self.entry_key(eid), self.index_key(intent), self._key("settling")]
        keys += [self.version_key, self._key("intents"), self.keys.events]
        args = [str(self.events_maxlen), eid, state, by, f"{now.timestamp():.3f}", intent]
        args += [json.dumps(record, ensure_ascii=False), eid]
        code, old = await self._mark(keys=keys, args=args)
        if int(code) == -1:
            raise UnknownEntry(f"没有这条范例：{given}")
        if int(code) == 0:
            raise LibraryError(f"范例 {eid} 已失效（{_reason(row)}），不能置顶或停用")
        return {**row, "state": str(old)}

    async def resolve(self, given: str) -> str:
        """The entry id `given` names: the whole id or a unique prefix of it."""
        given = given.strip().lower()
        if await self.redis.exists(self.entry_key(given)):
            return given
        if len(given) < MIN_PREFIX:
            raise UnknownEntry(f"没有这条范例：{given}（编号至少输入 {MIN_PREFIX} 位）")
        found = sorted(i for i in await self._all_ids() if i.startswith(given))
        if not found:
            raise UnknownEntry(f"没有这条范例：{given}（用 tiexin drafts library list 查看编号）")
        if len(found) > 1:
            raise UnknownEntry(f"编号 {given} 不唯一：{'、'.join(found[:5])}，请多输入几位")
        return found[0]

    # -- reads -------------------------------------------------------------------
    async def version(self) -> int:
        return int(await self.redis.get(self.version_key) or 0)

    async def entries(
        self, intent: str | None = None, states: Iterable[str] = LISTED
    ) -> list[dict[str, str]]:
        """Entries (and candidates, failed ones) of the states asked, newest first."""
        wanted = set(states)
        ids: list[str] = []
        if wanted & {"active", "pinned", "retired"}:
            known = cast(set[str], await self.redis.smembers(self._key("intents")))
            intents = [intent] if intent else sorted(known)
            for name in intents:
                ids += cast(list[str], await self.redis.zrange(self.index_key(name), 0, -1))
        if "candidate" in wanted:
            ids += cast(list[str], await self.redis.zrange(self._key("settling"), 0, -1))
        if "failed" in wanted:
            ids += cast(list[str], await self.redis.zrange(self._key("failed"), 0, -1))
        async with self.redis.pipeline(transaction=False) as pipe:
            for eid in dict.fromkeys(ids):
                pipe.hgetall(self.entry_key(eid))
            rows = cast(list[dict[str, str]], await pipe.execute())
        found = [
            r
            for r in rows
            if r and r.get("state") in wanted and (not intent or r.get("intent") == intent)
        ]
        return sorted(found, key=lambda r: -float(r.get("sent_at") or 0))

    async def snapshot(self) -> tuple[int, list[dict[str, str]]]:
        """The version and every entry the workers may propose (active and pinned)."""
        version = await self.version()
        return version, await self.entries(states=SHOWN)

    async def _all_ids(self) -> list[str]:
        return [r["id"] for r in await self.entries(states=STATES) if r.get("id")]


def _reason(row: Mapping[str, Any]) -> str:
    if row.get("reason") == "complaint":
        return f"对方在观察期内又发了负面消息 {row.get('complaint', '')}".strip()
    return str(row.get("reason") or "未通过")
