"""Incidents in Redis: join a crisis mention to its incident, choose the queue row after
an answer, and read an incident with its members and spread."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from redis.asyncio import Redis

from responder.clock import from_epoch
from responder.config import IncidentsConfig
from responder.drafts.priority import PIN, weights
from responder.incidents import lua
from responder.incidents.match import STRONG, Facts, clues, hazards, marks
from responder.store.keys import Keys

ROUNDS = 8  # calls before giving up on an incident that keeps changing under us
FIRST_HAND = "customer"  # the role of the person it happened to


@dataclass(frozen=True, slots=True, kw_only=True)
class Severity:
    """Points of an incident's severity (the queue orders pinned incidents by it; a point
    weighs as much as a point of priority, responder/drafts/data/priority.toml)."""

    reach: float = 10.0  # per tenfold of the members' followers together
    size: float = 15.0  # per member…
    size_most: int = 20  # …counting this many at most
    injury: float = 150.0  # someone says they were hurt (a first-hand injury)


@dataclass(frozen=True, slots=True, kw_only=True)
class Joining:
    """One queued crisis mention to group, with what its incident keeps of it."""

    facts: Facts
    role: str
    followers: int
    created: datetime
    deadline: float  # epoch s
    base: float  # its priority's fixed part

    @property
    def first_hand(self) -> bool:
        return self.role == FIRST_HAND

    @property
    def injury(self) -> bool:
        return self.first_hand and "injury" in self.facts.kinds


class IncidentStore:
    """Every read and write of incidents, on the store's Redis and keys."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        config: IncidentsConfig | None = None,
        *,
        events_maxlen: int = 200_000,
        severity: Severity | None = None,
    ) -> None:
        self.redis, self.keys = redis, keys
        self.config = config or IncidentsConfig()
        self.maxlen = events_maxlen
        self.severity = severity or Severity()
        self._attach = redis.register_script(lua.ATTACH)
        self._repin = redis.register_script(lua.REPIN)

    def _order(self) -> dict[str, Any]:
        return {
            "pin_most": self.config.pin_most,
            "per_minute": weights().per_minute,
            "pin": PIN,
            "events_maxlen": self.maxlen,
        }

    async def attach(self, item: Joining, now: datetime) -> str:
        """Put a queued crisis mention in its incident (founding one if none fits); return
        the incident id ("" when it is no open conversation head). Idempotent."""
        k, f, cfg = self.keys, item.facts, self.config
        looked, marked = clues(f), marks(f)
        left = [mark for mark in marked if mark not in looked]
        every = [*looked, *left]
        pointed = [every.index(mark) + 1 for mark in marked]
        iid, row = f.id, ""
        ttl = max(int(cfg.window.total_seconds() * 4), 7 * 86400)
        for _ in range(ROUNDS):
            keys = [k.mention(f.id), k.incident(iid), k.incident_members(iid)]
            keys += [k.incident_open(iid), k.incident_due(iid), k.incident_spread(iid)]
            keys += [k.incidents_open, k.incident_rows, k.queue, k.priority, k.alerts]
            keys.append(k.mention(row) if row else k.mention(f.id))
            keys += [k.incident_match(c) for c in every]
            keys.append(k.events)
            packed = {
                **self._order(),
                "id": f.id,
                "iid": iid,
                "row": row,
                "strong": [1 if c.startswith(STRONG) else 0 for c in looked],
                "clues": len(looked),
                "marks": pointed,
                "at": round(now.timestamp(), 3),
                "created": round(item.created.timestamp(), 3),
                "followers": item.followers,
                "hand": 1 if item.first_hand else 0,
                "injury": 1 if item.injury else 0,
                "deadline": f"{item.deadline:.3f}",
                "base": f"{item.base:g}",
                "product": f.product,
                "hazard": ",".join(hazards(f.kinds)),
                "window": cfg.window.total_seconds(),
                "every": max(1, int(cfg.spread_every.total_seconds())),
                "ttl": ttl,
                "w": {
                    "reach": self.severity.reach,
                    "size": self.severity.size,
                    "size_most": self.severity.size_most,
                    "injury": self.severity.injury,
                },
            }
            reply = await self._attach(keys=keys, args=[self.maxlen, json.dumps(packed)])
            code = int(reply[0])
            if code != 3:
                return str(reply[1]) if code in (1, 2) else ""
            iid, row = str(reply[1]), str(reply[2])
        raise RuntimeError(f"incident of mention {f.id} kept changing while joining it")

    async def repin(self, iid: str, closed: str, now: datetime) -> str:
        """A member was answered: make the next open member the incident's row; return it
        ("" when every member is answered)."""
        k, top = self.keys, ""
        for _ in range(ROUNDS):
            keys = [k.incident(iid), k.incident_open(iid), k.incident_due(iid)]
            keys += [k.incidents_open, k.incident_rows, k.queue, k.priority]
            keys.append(k.mention(top) if top else k.incident(iid))
            keys.append(k.events)
            packed = {**self._order(), "iid": iid, "top": top, "at": round(now.timestamp(), 3)}
            reply = await self._repin(keys=keys, args=[closed, json.dumps(packed)])
            if int(reply[0]) == 1:
                return str(reply[1])
            top = str(reply[1])
        raise RuntimeError(f"incident {iid} kept changing while choosing its row")

    async def hidden(self) -> int:
        """How many open members are out of the queue, reached from their incident's row
        (the queue's size plus these is every open crisis conversation)."""
        iids = cast(list[str], await self.redis.zrange(self.keys.incidents_open, 0, -1))
        if not iids:
            return 0
        async with self.redis.pipeline(transaction=False) as pipe:
            for iid in iids:
                pipe.zcard(self.keys.incident_open(iid))
            counts = await pipe.execute()
        return sum(max(0, int(n) - 1) for n in counts)

    async def read(self, iid: str) -> dict[str, Any] | None:
        """An incident's summary, member ids (oldest first) and spread, or None."""
        k = self.keys
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(k.incident(iid))
            pipe.zrange(k.incident_members(iid), 0, -1)
            pipe.hgetall(k.incident_spread(iid))
            fields, members, spread = await pipe.execute()
        if not fields:
            return None
        return {
            **summary(cast(dict[str, str], fields)),
            "product": fields.get("product") or None,
            "hazards": [h for h in fields.get("hazard", "").split(",") if h],
            "opened": _iso(fields.get("opened")),
            "last": _iso(fields.get("last")),
            "row": fields.get("row") or None,
            "severity": float(fields.get("severity") or 0),
            "injury": fields.get("injury") == "1",
            "members": list(members),
            "spread": [
                {"at": _iso(at), "count": int(n)}
                for at, n in sorted(spread.items(), key=lambda kv: float(kv[0]))
            ],
        }


def summary(fields: dict[str, str]) -> dict[str, Any]:
    """What a queue item shows of its incident."""
    return {
        "id": fields["id"],
        "size": int(fields.get("size") or 0),
        "reach": int(fields.get("reach") or 0),
        "lead": fields.get("lead") or None,
    }


def _iso(epoch: str | None) -> str | None:
    return from_epoch(float(epoch)).isoformat() if epoch else None
