"""What each event adds to the reports' counters: pure, so the rollup step, the rebuild
and the bench count alike (docs/reports.md defines each figure).

Counter fields of an hour's or a day's hash (`|p:<platform>`, `|a:<platform>/<account>`
and `|g:<agent>` narrow one to a platform, an account or an agent; `<i>` is a
response-time bucket, buckets.BOUNDS):

- `in` mentions taken in; `joined` follow-ups folded into an open conversation;
- `need` mentions that needed an answer (counted where their timer started), `ok`
  answered within the timer (an approval at the deadline itself counts), `miss` not
  (breached unanswered, or answered late), `late` answered after the deadline, `ans`
  answered, `rt:<i>` time to the first answer; SLA attainment is ok / (ok + miss);
- `nr:<reason>` set aside by the pipeline as needing no answer, `nra:<reason>` set aside
  by an agent, `back` moved back to the queue;
- `dismissed`, `warned`, `breached`, `escalated`;
- `sent`, `send_failed`, `send_retry`, `manual`, `marked_sent` (the outbox);
- per agent `handled`, `approved`, `as_is`, `edited`, `written`, `ht:<i>` handling time
  (first claim to close);
- per template `t:<template>|offered`, `|as_is`, `|edited`;
- per knowledge-base entry `k:<entry id>|offered` (approvals offered a draft quoting it),
  `|as_is`, `|edited` (the chosen draft quoted it), `|written` (offered, written anew);
- `bl` the open conversations after the last event of the bucket (a gauge).

SLA figures are counted in the hour and day the mention's timer started; everything
else where its event happened. A failed send counts as answered when it was approved.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from responder.reports.buckets import HOUR, bucket_of, day_start, hour_of, local_day
from responder.store.keys import Keys
from responder.voice.topics import FIELDS as VOICE_FIELDS
from responder.voice.topics import counted

# What the tally reads of a mention (the rollup adds `templates`, the drafts offered).
FIELDS = (
    *("platform", "account", "clock_start", "created_at", "deadline", "incident_id"),
    "rollup",
    *VOICE_FIELDS,
)
MARK = "rollup"  # the mention's own field: what the rollups counted of it (JSON)
OPENING = frozenset({"queued", "needs_reply", "send_failed"})  # into the queue
OUTBOX = {"sent": "sent", "send_failed": "send_failed", "send_retry": "send_retry"}
OUTBOX |= {"manual": "manual", "marked_sent": "marked_sent"}
STAGES = frozenset({"warned", "breached", "escalated"})
LISTED = frozenset({"breached", "escalated"})

Bucket = tuple[str, int | str]  # ("h", epoch hour) or ("d", local day)


@dataclass(slots=True)
class Tally:
    """Counter increments of a batch of events, and what the rollups remember per
    mention (`marks`: s = ok|miss, a = answered, n = need counted, c = first claim)."""

    zone: ZoneInfo
    since: float = 0.0  # events before this (epoch s) update marks only (a rebuild)
    before: int = 0  # the backlog's change from the events before `since`
    counts: dict[Bucket, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    marks: dict[str, dict[str, Any]] = field(default_factory=dict)
    listed: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    samples: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    backlog: dict[tuple[int, str], int] = field(default_factory=dict)
    incidents: dict[str, float] = field(default_factory=dict)
    replies: dict[str, float] = field(default_factory=dict)
    _changed: set[str] = field(default_factory=set)
    _days: dict[int, str] = field(default_factory=dict)

    def count(self, at: float, name: str, n: int = 1) -> None:
        if at < self.since:
            return
        hour = hour_of(at)
        for bucket in (("h", hour), ("d", self.day_of(hour))):
            fields = self.counts[bucket]
            fields[name] = fields.get(name, 0) + n

    def day_of(self, hour: int) -> str:
        """The local day of an hour (that of its start: a zone whose offset is not whole
        hours counts an hour in the day it starts in), remembered: each count asks."""
        day = self._days.get(hour)
        if day is None:
            day = self._days[hour] = local_day(hour * HOUR, self.zone)
        return day

    def add(self, mid: str, ev: Mapping[str, Any], row: Mapping[str, Any] | None) -> None:
        """Count one event of mention `mid` (`row`: its hash's FIELDS, None if gone)."""
        kind, at, actor = str(ev.get("type", "")), float(ev.get("at") or 0), ev.get("actor")
        if not at:
            return
        mark = self._mark(mid, row)
        where = _where(row)
        if row and row.get("incident_id"):
            iid = row["incident_id"]
            self.incidents[iid] = min(self.incidents.get(iid, at), at)
        if kind == "ingested":
            self._dims(at, "in", where)
            self._voice(mid, at, row)
        elif kind == "joined":
            self.count(at, "joined")
        elif kind in OPENING:
            self._open(mid, kind, at, row, mark, where)
        elif kind == "no_reply":
            self.count(at, f"nr:{ev.get('reason') or 'other'}")
        elif kind == "marked_no_reply":
            self.count(at, f"nra:{ev.get('reason') or 'other'}")
            self._closed(mid, at, str(actor), row, mark, "set_aside")
        elif kind == "dismissed":
            self.count(at, "dismissed")
            self._closed(mid, at, str(actor), row, mark, "dismissed")
        elif kind == "approved":
            self._approved(mid, ev, at, str(actor), row, mark, where)
        elif kind in STAGES:
            self.count(at, kind)
            if kind in LISTED:
                item = {
                    "id": mid,
                    "type": kind,
                    "at": at,
                    **dict(zip(("platform", "account"), where, strict=False)),
                }
                if at >= self.since:
                    self.listed[self.day_of(hour_of(at))].append(json.dumps(item))
            if kind == "breached" and row is not None and not mark.get("s"):
                self._set(mid, mark, s="miss")
                self._dims(_start(row, at), "miss", where)
        elif kind == "claimed" and row is not None and "c" not in mark:
            self._set(mid, mark, c=at)
        if kind in OUTBOX:
            self.count(at, OUTBOX[kind])

    def _open(
        self,
        mid: str,
        kind: str,
        at: float,
        row: Mapping[str, Any] | None,
        mark: dict[str, Any],
        where: tuple[str, ...],
    ) -> None:
        self._backlog(at, 1)
        if kind == "needs_reply":
            self.count(at, "back")
        if kind == "send_failed" or row is None or mark.get("n"):
            return
        self._set(mid, mark, n=1)
        self._dims(_start(row, at), "need", where)

    def _approved(
        self,
        mid: str,
        ev: Mapping[str, Any],
        at: float,
        agent: str,
        row: Mapping[str, Any] | None,
        mark: dict[str, Any],
        where: tuple[str, ...],
    ) -> None:
        how = str(ev.get("draft_use") or "written")
        self._closed(mid, at, agent, row, mark, "approved")
        self.count(at, f"{how}|g:{agent}")
        templates: Sequence[str] = (row or {}).get("templates") or ()
        for template in templates:
            self.count(at, f"t:{template}|offered")
        chosen = ev.get("draft_template")
        if chosen and how in ("as_is", "edited"):
            self.count(at, f"t:{chosen}|{how}")
        self._entries(at, ev, how)
        if row is None or mark.get("a"):
            return  # answered before (a failed send approved again): counted then
        self._set(mid, mark, a=1)
        start = _start(row, at)
        self.count(start, "ans")
        self.count(start, f"rt:{bucket_of(at - start)}")
        if row.get("incident_id"):
            iid = row["incident_id"]
            self.replies[iid] = min(self.replies.get(iid, at), at)
        deadline = float(row.get("deadline") or 0)
        if deadline and at <= deadline:
            if mark.get("s") == "miss":  # the breach fired at the very deadline
                self._dims(start, "miss", where, -1)
            self._set(mid, mark, s="ok")
            self._dims(start, "ok", where)
            self.count(start, f"ok|g:{agent}")
        else:
            self.count(start, "late")
            self.count(start, f"late|g:{agent}")
            if not mark.get("s"):
                self._set(mid, mark, s="miss")
                self._dims(start, "miss", where)

    def _entries(self, at: float, ev: Mapping[str, Any], how: str) -> None:
        """The knowledge-base entries of an approval (its event says which the drafts
        offered quoted, web/replies.py): offered once per approval, and how it was used."""
        offered: Sequence[str] = ev.get("kb_offered") or ()
        for entry in offered:
            self.count(at, f"k:{entry}|offered")
        if how == "written":
            for entry in offered:
                self.count(at, f"k:{entry}|written")
        elif used := ev.get("draft_kb"):
            self.count(at, f"k:{used}|{how}")

    def _closed(
        self,
        mid: str,
        at: float,
        agent: str,
        row: Mapping[str, Any] | None,
        mark: dict[str, Any],
        what: str,
    ) -> None:
        self._backlog(at, -1)
        self.count(at, f"handled|g:{agent}")
        self.count(at, f"{what}|g:{agent}")
        began = float(mark.get("c") or _start(row, at))
        self.count(at, f"ht:{bucket_of(at - began)}|g:{agent}")

    def _voice(self, mid: str, at: float, row: Mapping[str, Any] | None) -> None:
        """The voice of the customer's counts (responder/voice): a complaint's topic
        (`v:<intent>|<aspect>`, the day's first complaints kept as samples) and a named
        product's sentiment (`vp:<product>|<sentiment>`), where the mention was taken in."""
        found = counted(row) if row and at >= self.since else None
        if found is None:
            return
        topic, felt = found
        if topic:
            self.count(at, f"v:{topic}")
            self.samples[self.day_of(hour_of(at))].append(mid)
        if felt:
            self.count(at, f"vp:{felt}")

    def _dims(self, at: float, name: str, where: tuple[str, ...], n: int = 1) -> None:
        self.count(at, name, n)
        if where:
            platform, account = where
            self.count(at, f"{name}|p:{platform}", n)
            self.count(at, f"{name}|a:{platform}/{account}", n)

    def _backlog(self, at: float, delta: int) -> None:
        if at < self.since:
            self.before += delta
            return
        hour = hour_of(at)
        bucket = (hour, self.day_of(hour))
        self.backlog[bucket] = self.backlog.get(bucket, 0) + delta

    def _mark(self, mid: str, row: Mapping[str, Any] | None) -> dict[str, Any]:
        if mid not in self.marks:
            stored = (row or {}).get(MARK)
            self.marks[mid] = json.loads(stored) if stored else {}
        return self.marks[mid]

    def changed_marks(self) -> dict[str, str]:
        """The marks this tally changed, as their field's value, by mention id."""
        return {mid: json.dumps(self.marks[mid]) for mid in sorted(self._changed)}

    def _set(self, mid: str, mark: dict[str, Any], **values: Any) -> None:
        mark.update(values)
        self._changed.add(mid)

    def payload(
        self,
        keys: Keys,
        *,
        hours_kept: float,
        days_kept: float,
        listed: int,
        marks: bool = True,
        **extra: Any,
    ) -> tuple[list[str], str]:
        """The keys and the JSON argument of the apply script (reports/lua.py); each
        bucket expires `hours_kept` or `days_kept` seconds after it ends."""
        names: list[str] = []
        index: dict[str, int] = {}
        expire: dict[int, int] = {}

        def key(name: str) -> int:
            if name not in index:
                names.append(name)
                index[name] = len(names) + 2  # after the cursor and the backlog
            return index[name]

        def bucket(kind: str, value: int | str) -> int:
            if kind == "h":
                k = key(keys.report_hour(int(value)))
                expire[k] = int((int(value) + 1) * HOUR + hours_kept)
            else:
                k = key(keys.report_day(str(value)))
                expire[k] = int(_day_end(str(value), self.zone) + days_kept)
            return k

        inc = [[bucket(*b), *_flat(fields)] for b, fields in self.counts.items() if fields]
        # In hour order: the gauge after an hour is the sum of the changes up to it, so
        # events counted in any order within a batch (or a rebuild) give the same values.
        ordered = sorted(self.backlog.items())
        backlog = [[delta, bucket("h", h), bucket("d", d)] for (h, d), delta in ordered]
        lists = [[key(keys.report_list(day)), *items] for day, items in self.listed.items()]
        lists += [[key(keys.voice_samples(day)), *ids] for day, ids in self.samples.items()]
        for day in self.listed:
            expire[key(keys.report_list(day))] = int(_day_end(day, self.zone) + days_kept)
        for day in self.samples:
            expire[key(keys.voice_samples(day))] = int(_day_end(day, self.zone) + days_kept)
        changed = sorted(self._changed) if marks else []
        marked = [[key(keys.mention(mid)), json.dumps(self.marks[mid])] for mid in changed]
        incidents = [key(keys.report_incidents), key(keys.report_incident_reply)]
        arg = {
            "inc": inc,
            "expire": [[k, at] for k, at in expire.items()],
            "bl": backlog,
            "list": lists,
            "cap": listed,
            "mark": marked,
            "inc_seen": [v for iid, at in self.incidents.items() for v in (at, iid)],
            "inc_reply": [v for iid, at in self.replies.items() for v in (iid, at)],
            "inc_keys": incidents,
            "mark_field": MARK,
            **extra,
        }
        return names, json.dumps(arg, ensure_ascii=False)


def _flat(fields: Mapping[str, int]) -> list[Any]:
    return [v for name, n in fields.items() if n for v in (name, n)]


def _where(row: Mapping[str, Any] | None) -> tuple[str, ...]:
    if not row or not row.get("platform"):
        return ()
    return (str(row["platform"]), str(row.get("account", "")))


def _start(row: Mapping[str, Any] | None, at: float) -> float:
    """When the mention's timer started (its hash's clock_start, else when written)."""
    if not row:
        return at
    return float(row.get("clock_start") or row.get("created_at") or at)


def _day_end(day: str, zone: ZoneInfo) -> float:
    return day_start(date.fromisoformat(day) + timedelta(days=1), zone).timestamp()
