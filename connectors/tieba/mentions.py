"""Turn aiotieba's `At` and `Reply` objects into Mentions, keeping the item as received."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from aiotieba.api.get_replys.protobuf import ReplyMeResIdl_pb2
from google.protobuf.json_format import MessageToDict  # type: ignore[import-untyped]  # no stubs

from connectors.errors import BadPayload
from connectors.model import Author, Mention, clean

log = logging.getLogger(__name__)
PLATFORM = "tieba"
POST_URL = "https://tieba.baidu.com/p/{tid}?pid={pid}#{pid}"  # the link format is unverified


def post_url(tid: int | str, pid: int | str) -> str:
    """Return the web link to one post of a thread."""
    return POST_URL.format(tid=tid, pid=pid)


def build(feed: str, item: Any, raw: dict[str, Any], account: str) -> Mention:
    """Build a Mention from an `At` (feed "at") or a `Reply` (feed "reply").

    `Reply.text` is built from the last `new_floor_info` entry only, without emoji or
    images; when that leaves nothing, the item's plain `content` is used instead.
    """
    try:
        tid = int(item.thread.tid)
        pid = int(item.pid)
        parent = int(item.post.pid)
        text = item.text or (str(raw.get("content") or "") if feed == "reply" else "")
        user = item.user
        return Mention(
            platform=PLATFORM,
            account=account,
            platform_id=str(pid),
            kind=feed,
            thread_id=str(tid) if tid else None,
            parent_id=str(parent) if parent else None,
            author=Author(
                id=str(user.user_id), name=clean(user.show_name or "") or str(user.user_id)
            ),
            text=clean(text),
            created_at=datetime.fromtimestamp(int(item.create_time), UTC),
            url=post_url(tid, pid) if tid else None,
            raw=raw,
        )
    except (ValueError, TypeError, OverflowError, OSError) as exc:
        shown = json.dumps(raw, ensure_ascii=False, default=str)[:4096]
        raise BadPayload(f"tieba {feed} {getattr(item, 'pid', '?')}: {exc}", raw=shown) from exc


def raw_items(feed: str, body: bytes) -> dict[int, dict[str, Any]]:
    """Return the items of one answer as received, by post id (aiotieba keeps only its own
    objects). The answer was already parsed by aiotieba, so failing here is unexpected."""
    try:
        if feed == "at":
            items = json.loads(body).get("at_list") or []
            return {int(item["post_id"]): item for item in items}
        answer = ReplyMeResIdl_pb2.ReplyMeResIdl()
        answer.ParseFromString(body)
        return {
            int(item.post_id): MessageToDict(item, preserving_proto_field_name=True)
            for item in answer.data.reply_list
        }
    except Exception as exc:  # raw is a courtesy: never lose the mentions over it
        log.warning("tieba %s: could not keep the raw items: %s", feed, exc)
        return {}
