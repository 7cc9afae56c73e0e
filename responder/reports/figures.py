"""The reports' figures for a range of days in the team's zone, read from the rollups
(never from the event log): day hashes for the days, hour hashes for the hours."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from responder.reports.buckets import BOUNDS, HOUR, day_start, days, hours_of, percentile
from responder.store.store import Store

HOUR_FIELDS = ("in", "need", "ok", "miss", "bl")
OUTBOX = ("sent", "send_failed", "send_retry", "manual", "marked_sent")
LISTED = 500  # breaches and escalations the JSON lists at most (the CSV: all kept)
# KEYS: hour hashes; ARGV: fields. Returns each hash's values of the fields, flat.
_HOURS = """
local out = {}
for _, k in ipairs(KEYS) do
  local row = redis.call('HMGET', k, unpack(ARGV))
  for i = 1, #ARGV do out[#out + 1] = row[i] end
end
return out
"""
KNOWLEDGE = ("offered", "as_is", "edited", "written")  # k:<entry id>|<how>
AGENT = ("handled", "approved", "as_is", "edited", "written", "dismissed", "set_aside")


@dataclass(frozen=True, slots=True, kw_only=True)
class Span:
    """A range of whole days in the team's zone."""

    since: date
    until: date
    zone: ZoneInfo

    def named(self) -> dict[str, str]:
        """What every figure says of its range."""
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "zone": str(self.zone),
        }


async def figures(
    store: Store,
    span: Span,
    now: datetime,
    listed_most: int | None = LISTED,
    titles: Mapping[str, tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """Every figure of the reports page for `span`; the newest `listed_most` breaches and
    escalations (None: all kept); `titles`: each knowledge-base entry's title and first
    question, by id (responder/drafts/quoting.py)."""
    day_list = days(span.since, span.until)
    hours = [h for d in day_list for h in hours_of(d, span.zone)]
    k = store.keys
    async with store.redis.pipeline(transaction=False) as pipe:
        for d in day_list:
            pipe.hgetall(k.report_day(d.isoformat()))
        # The hours' few fields in one command: a pipeline of 720 HMGETs spent most of
        # its time packing them.
        pipe.eval(_HOURS, len(hours), *(k.report_hour(h) for h in hours), *HOUR_FIELDS)
        for d in reversed(day_list):
            pipe.lrange(k.report_list(d.isoformat()), 0, -1)
        replies = await pipe.execute()
    n = len(day_list)
    per_day = [_ints(cast(dict[str, str], r)) for r in replies[:n]]
    flat, width = replies[n], len(HOUR_FIELDS)
    per_hour = [
        dict(zip(HOUR_FIELDS, flat[i * width : (i + 1) * width], strict=True))
        for i in range(len(hours))
    ]
    listed = _newest(replies[n + 1 :], listed_most)
    total = _sum(per_day)
    named = span.named()
    out: dict[str, Any] = {"range": named, "generated_at": now.isoformat()}
    out["sla"] = {"range": named, **_sla(total)}
    out["sla_by_day"] = _table(
        named, [{"day": d.isoformat(), **_sla(c)} for d, c in zip(day_list, per_day, strict=True)]
    )
    out["sla_by_hour"] = _table(named, _by_hour_of_day(hours, per_hour, span.zone))
    out["sla_by_platform"] = _table(named, _dims(total, "p", "platform"))
    out["sla_by_account"] = _table(named, _dims(total, "a", "account"))
    out["sla_by_agent"] = _table(named, _agents_sla(total))
    out["response_time"] = {"range": named, **_response(total)}
    out["volume"] = _table(named, _volume(day_list, per_day))
    out["volume_by_hour"] = _table(named, _volume_hours(hours, per_hour, span.zone))
    out["breaches"] = _table(
        named,
        _breaches(listed, span.zone),
        counts=_pick(total, ("warned", "breached", "escalated")),
        listed_most=listed_most,
    )
    out["incidents"] = _table(named, await _incidents(store, span))
    out["agents"] = _table(named, _agents(total))
    out["no_reply"] = _table(named, _no_reply(total), counts={"back": total.get("back", 0)})
    out["templates"] = _table(named, _templates(total))
    out["knowledge"] = _table(named, _knowledge(total, titles or {}))
    out["outbox"] = {"range": named, **_pick(total, OUTBOX)}
    return out


def _newest(lists: list[list[str]], most: int | None) -> list[dict[str, Any]]:
    """The items of the day lists (newest day first), up to `most`, parsed."""
    out: list[dict[str, Any]] = []
    for items in lists:
        for item in reversed(items):
            if most is not None and len(out) >= most:
                return out
            out.append(json.loads(item))
    return out


def _table(named: Mapping[str, str], rows: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"range": dict(named), "rows": rows, **extra}


def _ints(fields: Mapping[str, str]) -> dict[str, int]:
    return {name: int(value) for name, value in fields.items()}


def _sum(buckets: Iterable[Mapping[str, int]]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for bucket in buckets:
        for name, value in bucket.items():
            if name != "bl":
                out[name] += value
    return dict(out)


def _pick(total: Mapping[str, int], names: Iterable[str]) -> dict[str, int]:
    return {name: total.get(name, 0) for name in names}


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _sla(c: Mapping[str, Any], suffix: str = "") -> dict[str, Any]:
    ok, miss = int(c.get("ok" + suffix) or 0), int(c.get("miss" + suffix) or 0)
    return {
        "need": int(c.get("need" + suffix) or 0),
        "ok": ok,
        "miss": miss,
        "attainment": _share(ok, ok + miss),
    }


def _by_hour_of_day(
    hours: list[int], rows: list[dict[str, Any]], zone: ZoneInfo
) -> list[dict[str, Any]]:
    acc: dict[int, dict[str, int]] = {h: defaultdict(int) for h in range(24)}
    for hour, row in zip(hours, rows, strict=True):
        local = datetime.fromtimestamp(hour * HOUR, zone).hour
        for name in ("need", "ok", "miss"):
            acc[local][name] += int(row.get(name) or 0)
    return [{"hour": h, **_sla(acc[h])} for h in range(24)]


def _dims(total: Mapping[str, int], kind: str, label: str) -> list[dict[str, Any]]:
    names = sorted(
        {
            name.split("|", 1)[1][2:]
            for name in total
            if name.startswith(("need|", "ok|", "miss|")) and f"|{kind}:" in name
        }
    )
    return [{label: name, **_sla(total, f"|{kind}:{name}")} for name in names]


def _agents_of(total: Mapping[str, int]) -> list[str]:
    return sorted({name.split("|g:", 1)[1] for name in total if "|g:" in name})


def _agents_sla(total: Mapping[str, int]) -> list[dict[str, Any]]:
    rows = []
    for agent in _agents_of(total):
        ok, late = total.get(f"ok|g:{agent}", 0), total.get(f"late|g:{agent}", 0)
        if ok or late:
            rows.append(
                {
                    "agent": agent,
                    "answered": ok + late,
                    "ok": ok,
                    "late": late,
                    "attainment": _share(ok, ok + late),
                }
            )
    return rows


def _histogram(total: Mapping[str, int], prefix: str, suffix: str = "") -> list[int]:
    return [total.get(f"{prefix}{i}{suffix}", 0) for i in range(len(BOUNDS) + 1)]


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _response(total: Mapping[str, int]) -> dict[str, Any]:
    counts = _histogram(total, "rt:")
    return {
        "answered": total.get("ans", 0),
        "late": total.get("late", 0),
        "p50_s": _seconds(percentile(counts, 0.5)),
        "p90_s": _seconds(percentile(counts, 0.9)),
        "p99_s": _seconds(percentile(counts, 0.99)),
        "buckets": [
            {"up_to_s": BOUNDS[i] if i < len(BOUNDS) else None, "count": c}
            for i, c in enumerate(counts)
        ],
    }


def _volume(day_list: list[date], per_day: list[dict[str, int]]) -> list[dict[str, Any]]:
    rows, backlog = [], None
    for d, c in zip(day_list, per_day, strict=True):
        backlog = c.get("bl", backlog)
        no_reply = sum(v for name, v in c.items() if name.startswith("nr:"))
        rows.append(
            {
                "day": d.isoformat(),
                "in": c.get("in", 0),
                "need": c.get("need", 0),
                "no_reply": no_reply,
                "joined": c.get("joined", 0),
                "answered": c.get("ans", 0),
                "backlog": backlog,
            }
        )
    return rows


def _volume_hours(
    hours: list[int], rows: list[dict[str, Any]], zone: ZoneInfo
) -> list[dict[str, Any]]:
    out, backlog = [], None
    for hour, row in zip(hours, rows, strict=True):
        backlog = int(row["bl"]) if row.get("bl") is not None else backlog
        at = datetime.fromtimestamp(hour * HOUR, zone).isoformat()
        out.append({"at": at, "in": int(row.get("in") or 0), "backlog": backlog})
    return out


def _breaches(listed: list[dict[str, Any]], zone: ZoneInfo) -> list[dict[str, Any]]:
    rows = []
    for item in sorted(listed, key=lambda i: i["at"]):
        at = datetime.fromtimestamp(item["at"], zone)
        rows.append({**item, "at": at.isoformat(), "link": f"/?m={item['id']}"})
    return rows


async def _incidents(store: Store, span: Span) -> list[dict[str, Any]]:
    low = day_start(span.since, span.zone).timestamp()
    high = day_start(span.until + timedelta(days=1), span.zone).timestamp()
    k = store.keys
    found = cast(
        list[tuple[str, float]],
        await store.redis.zrangebyscore(k.report_incidents, low, f"({high}", withscores=True),
    )
    if not found:
        return []
    async with store.redis.pipeline(transaction=False) as pipe:
        for iid, _ in found:
            pipe.hmget(k.incident(iid), ("product", "hazard", "opened", "size", "reach"))
        pipe.hmget(k.report_incident_reply, [iid for iid, _ in found])
        replies = await pipe.execute()
    answered = replies[-1]
    rows = []
    for (iid, seen), fields, reply in zip(found, replies[:-1], answered, strict=True):
        product, hazard, opened, size, reach = fields
        start = float(opened or seen)
        rows.append(
            {
                "id": iid,
                "product": product or "",
                "hazards": [h for h in (hazard or "").split(",") if h],
                "opened": datetime.fromtimestamp(start, span.zone).isoformat(),
                "size": int(size or 0),
                "reach": int(reach or 0),
                "first_reply_s": round(float(reply) - start, 1) if reply else None,
            }
        )
    return rows


def _agents(total: Mapping[str, int]) -> list[dict[str, Any]]:
    rows = []
    for agent in _agents_of(total):
        counts = {name: total.get(f"{name}|g:{agent}", 0) for name in AGENT}
        if not counts["handled"]:
            continue
        median = percentile(_histogram(total, "ht:", f"|g:{agent}"), 0.5)
        rows.append({"agent": agent, **counts, "median_handling_s": _seconds(median)})
    return rows


def _no_reply(total: Mapping[str, int]) -> list[dict[str, Any]]:
    rows = []
    for name, count in sorted(total.items()):
        if name.startswith(("nr:", "nra:")) and count:
            by, reason = name.split(":", 1)
            rows.append(
                {"reason": reason, "by": "pipeline" if by == "nr" else "agent", "count": count}
            )
    return sorted(rows, key=lambda r: -r["count"])


def _templates(total: Mapping[str, int]) -> list[dict[str, Any]]:
    names = sorted({name[2:].rsplit("|", 1)[0] for name in total if name.startswith("t:")})
    rows = []
    for name in names:
        offered = total.get(f"t:{name}|offered", 0)
        as_is, edited = total.get(f"t:{name}|as_is", 0), total.get(f"t:{name}|edited", 0)
        rows.append(
            {
                "template": name,
                "offered": offered,
                "as_is": as_is,
                "edited": edited,
                "acceptance": _share(as_is + edited, offered),
            }
        )
    return rows


def _knowledge(
    total: Mapping[str, int], titles: Mapping[str, tuple[str, str]]
) -> list[dict[str, Any]]:
    """Per knowledge-base entry: approvals offered a draft quoting it, and how many sent
    the one that did as is or edited, or wrote their own; most offered first. An entry
    since taken out of the knowledge base keeps its id, without a title."""
    ids = {name[2:].rsplit("|", 1)[0] for name in total if name.startswith("k:")}
    rows = []
    for ident in ids:
        counts = {how: total.get(f"k:{ident}|{how}", 0) for how in KNOWLEDGE}
        title, question = titles.get(ident, ("", ""))
        used = counts["as_is"] + counts["edited"]
        rows.append(
            {
                "entry": ident,
                "title": title,
                "question": question,
                **counts,
                "acceptance": _share(used, counts["offered"]),
            }
        )
    return sorted(rows, key=lambda r: (-r["offered"], r["entry"]))
