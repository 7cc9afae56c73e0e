"""Replay connector: feeds mentions from a JSONL file (demo, backfill, load tests)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Literal

from connectors.base import Batch, ReplyReceipt
from connectors.errors import BadPayload, Unavailable
from connectors.model import Mention

log = logging.getLogger(__name__)


def demo_path() -> Path:
    """Return the bundled demo file of mentions of the fictional brand 澜星."""
    return Path(str(resources.files("connectors") / "demo" / "mentions.jsonl"))


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplayConfig:
    """Options of a `type = "replay"` connector."""

    path: Path | None = None  # None: the bundled demo file
    batch_size: int = 1
    loop: bool = False  # start over at the end; ids get a "~rN" suffix per round
    time_mode: Literal["original", "now"] = "original"  # "now": stamp mentions at fetch time
    replies_path: Path | None = None  # append posted replies here (JSONL)

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        if self.path is not None and not self.path.is_file():
            raise ValueError(f"path: no such file: {self.path}")


class ReplayConnector:
    """Read a JSONL file of mentions; the cursor is "round:byte offset"."""

    def __init__(
        self,
        name: str,
        config: ReplayConfig,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.name = name
        self.config = config
        self.path = config.path or demo_path()
        self._now = now

    async def start(self) -> None:
        if not self.path.is_file():
            raise Unavailable(f"replay file not found: {self.path}")

    async def stop(self) -> None:
        return None

    async def fetch(self, cursor: str | None) -> Batch:
        return await asyncio.to_thread(self._read, cursor)

    def _read(self, cursor: str | None) -> Batch:
        round_no, offset = _parse_cursor(cursor)
        mentions: list[Mention] = []
        rejected: list[BadPayload] = []
        try:
            handle = self.path.open("rb")
        except OSError as exc:
            raise Unavailable(f"cannot read replay file {self.path}: {exc}") from exc
        with handle:
            handle.seek(offset)
            while len(mentions) + len(rejected) < self.config.batch_size:
                line = handle.readline()
                if not line:
                    if not self.config.loop or offset == 0:  # offset 0: empty file
                        break
                    round_no, offset = round_no + 1, 0
                    handle.seek(0)
                    continue
                offset += len(line)
                if not line.strip():
                    continue
                try:
                    mentions.append(self._adapt(Mention.from_json(line), round_no))
                except Exception as exc:  # no line may stop the feed: keep it and go on
                    bad = exc if isinstance(exc, BadPayload) else _unusable(exc, line)
                    log.warning("%s: skipping bad line at byte %d: %s", self.name, offset, bad)
                    rejected.append(bad)
        return Batch(
            mentions=tuple(mentions),
            cursor=f"{round_no}:{offset}",
            rejected=tuple(rejected),
        )

    def _adapt(self, mention: Mention, round_no: int) -> Mention:
        if round_no:
            mention = replace(mention, platform_id=f"{mention.platform_id}~r{round_no}")
            if mention.thread_id:
                mention = replace(mention, thread_id=f"{mention.thread_id}~r{round_no}")
        if self.config.time_mode == "now":
            mention = replace(mention, created_at=self._now())
        return mention

    async def send_reply(self, mention: Mention, text: str) -> ReplyReceipt:
        digest = hashlib.sha1(f"{mention.identity}{text}".encode()).hexdigest()[:12]
        receipt = ReplyReceipt(reply_id=f"replay-{digest}", sent_at=self._now())
        if self.config.replies_path:
            record = {"to": mention.platform_id, "text": text, "reply_id": receipt.reply_id}
            line = json.dumps(record, ensure_ascii=False) + "\n"
            await asyncio.to_thread(_append, self.config.replies_path, line)
        return receipt


def _unusable(exc: Exception, line: bytes) -> BadPayload:
    text = line.decode("utf-8", "replace")[:2000]
    return BadPayload(f"{type(exc).__name__}: {exc}", raw=text)


def _append(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line)


def _parse_cursor(cursor: str | None) -> tuple[int, int]:
    if not cursor:
        return 0, 0
    try:
        round_text, offset_text = cursor.split(":", 1)
        return int(round_text), int(offset_text)
    except ValueError as exc:
        raise BadPayload(f"replay cursor is malformed: {cursor!r}", raw=cursor) from exc
