"""The rollup step: count the global event stream's new entries into the reports'
hourly and daily counters, each entry exactly once across processes.

Every `tiexin run` process runs it as a supervised loop. A step reads the cursor, the
entries after it and what the tally needs of their mentions, counts them (tally.py) and
applies the counts with one script that first checks the cursor is unchanged
(compare-and-set: lua.py). Two processes racing both count the same batch, one applies
it, the other finds the cursor moved and reads on from there; a crash before the script
applies nothing, and the batch is read again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any, cast
from zoneinfo import ZoneInfo

from responder.config import ReportsConfig
from responder.reports.lua import APPLY
from responder.reports.tally import FIELDS, Tally
from responder.store.records import stream_events
from responder.store.store import Store

log = logging.getLogger(__name__)
IDLE = 1.0  # seconds to wait when the stream has nothing new
Entry = tuple[str, dict[str, str]]


class Rollup:
    """Keeps the reports' counters up with the event stream."""

    def __init__(self, store: Store, config: ReportsConfig, zone: str) -> None:
        self.store = store
        self.config = config
        self.zone = ZoneInfo(zone)
        self._apply = store.redis.register_script(APPLY)
        self._gap_told = False

    async def step(self) -> float:
        """Count one batch; return how long to wait before the next step."""
        keys = self.store.keys
        cursor = cast(str | None, await self.store.redis.get(keys.report_cursor)) or ""
        low = f"({cursor}" if cursor else "-"
        entries = cast(
            list[Entry],
            await self.store.redis.xrange(keys.events, min=low, count=self.config.batch),
        )
        if not entries:
            return IDLE
        await self._check_gap(cursor)
        tally = await self.tally(entries)
        applied = await self.apply(tally, cursor, entries[-1][0])
        if not applied:
            log.debug("rollup batch after %s was counted by another process", cursor)
        return 0.0

    async def tally(self, entries: Sequence[Entry]) -> Tally:
        """Count `entries`, reading what they need of their mentions in one call."""
        ids = list(dict.fromkeys(fields["mention"] for _, fields in entries))
        rows = await self.rows(ids, wanted=_approved(entries))
        tally = Tally(self.zone)
        for _, fields in entries:
            mid = fields["mention"]
            for ev in stream_events(fields):
                tally.add(mid, ev, rows.get(mid))
        return tally

    async def rows(self, ids: Sequence[str], wanted: set[str]) -> dict[str, dict[str, Any]]:
        """The FIELDS of mentions `ids` (those that still exist); for those in `wanted`,
        also `templates`, the templates of the drafts they were offered."""
        rows = await self.store.mentions(ids, ("id", *FIELDS))
        found: dict[str, dict[str, Any]] = {row["id"]: dict(row) for row in rows}
        approved = [mid for mid in ids if mid in wanted and mid in found]
        if approved:  # the drafts are the bulk of a hash: read only for approvals
            for row in await self.store.mentions(approved, ("id", "drafts", "drafts_llm")):
                found[row["id"]]["templates"] = await self._templates(row)
        return found

    async def _templates(self, row: Mapping[str, str]) -> list[str]:
        drafts = await self.store.drafts(row["drafts"]) if row.get("drafts") else []
        drafts += json.loads(row.get("drafts_llm") or "[]")
        return [str(d[1]) for d in drafts if len(d) > 1 and d[1]]

    async def apply(self, tally: Tally, cursor: str, last: str) -> bool:
        """Apply `tally` if the cursor is still `cursor`, moving it to `last`."""
        day = 86400.0
        names, arg = tally.payload(
            self.store.keys,
            hours_kept=self.config.hours_kept.total_seconds(),
            days_kept=self.config.days_kept.total_seconds() or day,
            listed=self.config.listed,
        )
        keys = self.store.keys
        done = await self._apply(
            keys=[keys.report_cursor, keys.report_backlog, *names], args=[cursor, last, arg]
        )
        return int(done) == 1

    async def _check_gap(self, cursor: str) -> None:
        """Say once when the capped stream dropped entries the rollups never counted
        (Redis 7 reports the newest id it trimmed)."""
        if not cursor or self._gap_told:
            return
        info: dict[str, Any] = await self.store.redis.xinfo_stream(self.store.keys.events)
        trimmed = str(info.get("max-deleted-entry-id") or "0-0")
        if _key(trimmed) > _key(cursor):
            log.warning(
                "rollups fell behind the event stream's cap: entries after %s up to %s were "
                "trimmed uncounted (tiexin report rebuild counts what the mentions kept)",
                cursor,
                trimmed,
            )
            self._gap_told = True


def _key(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


def _approved(entries: Sequence[Entry]) -> set[str]:
    return {fields["mention"] for _, fields in entries if fields.get("type") == "approved"}
