"""What the fake Weibo knows: users, statuses and comments keyed by int id, listed with
since_id/max_id/count/page exactly as PLATFORMS.md §1.5 and §4.1 say."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

BRAND_UID = 5309864355
BRAND_NAME = "品牌官方"
MAX_COUNT = 200
# New comments get ids above 2^53 (9007199254740992), so a float anywhere shows.
FIRST_NEW_ID = 9_100_000_000_000_000
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
CST = timezone(timedelta(hours=8))
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=CST)


def weibo_time(when: datetime) -> str:
    """Format like "Tue Oct 07 20:42:48 +0800 2014" (English names whatever the locale)."""
    local = when.astimezone(CST)
    return (
        f"{_DAYS[local.weekday()]} {_MONTHS[local.month - 1]} {local.day:02d} "
        f"{local:%H:%M:%S} +0800 {local.year}"
    )


def user(uid: int, name: str, *, followers: int = 10, verified: bool = False) -> dict[str, Any]:
    """A user object with the fields of the real capture that matter here."""
    return {
        "id": uid,
        "idstr": str(uid),
        "class": 1,
        "screen_name": name,
        "name": name,
        "followers_count": followers,
        "verified": verified,
        "verified_type": 2 if verified else -1,
        "lang": "zh-cn",
    }


BRAND = user(BRAND_UID, BRAND_NAME, followers=120000, verified=True)


class WeiboState:
    """Statuses, comments and the brand account; comments embed their status and reply."""

    def __init__(self, brand: Mapping[str, Any] = BRAND) -> None:
        self.brand = dict(brand)
        self.statuses: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, dict[str, Any]] = {}
        self.last_text: str | None = None  # the brand's previous comment, for 20019
        self._next = FIRST_NEW_ID

    @property
    def brand_uid(self) -> int:
        return int(self.brand["idstr"])

    def add_status(
        self, sid: int, text: str, *, by: Mapping[str, Any] | None = None, at: datetime = T0
    ) -> dict[str, Any]:
        """Add a status; one whose text has "@<brand name>" is listed by statuses/mentions."""
        item = {
            "created_at": weibo_time(at),
            "id": sid,
            "mid": str(sid),
            "idstr": str(sid),
            "text": text,
            "source": '<a href="http://weibo.com/" rel="nofollow">微博 weibo.com</a>',
            "favorited": False,
            "truncated": False,
            "pic_urls": [],
            "geo": None,
            "user": dict(by or BRAND),
            "reposts_count": 0,
            "comments_count": 0,
            "attitudes_count": 0,
        }
        self.statuses[sid] = item
        return item

    def add_comment(
        self,
        cid: int,
        status_id: int,
        text: str,
        *,
        by: Mapping[str, Any] | None = None,
        reply_to: int | None = None,
        at: datetime = T0,
    ) -> dict[str, Any]:
        """Add a comment on a status, optionally answering another comment."""
        item: dict[str, Any] = {
            "created_at": weibo_time(at),
            "id": cid,
            "mid": str(cid),
            "idstr": str(cid),
            "text": text,
            "source": '<a href="http://weibo.com/" rel="nofollow">新浪微博</a>',
            "user": dict(by or BRAND),
            "status": dict(self.statuses[status_id]),
            "pic_ids": [],
            "floor_num": 1,
        }
        if reply_to is not None:
            replied = self.comments[reply_to]
            item["reply_comment"] = {
                k: replied[k] for k in ("created_at", "id", "idstr", "mid", "text", "user")
            }
        self.comments[cid] = item
        return item

    def new_id(self) -> int:
        self._next += 1
        return self._next

    def listing(self, endpoint: str, query: Mapping[str, str]) -> dict[str, Any]:
        """Answer a list endpoint: since_id < id <= max_id (0: no bound), newest first."""
        key, items = self._select(endpoint)
        since, max_id = int(query.get("since_id") or 0), int(query.get("max_id") or 0)
        default = 20 if key == "statuses" else 50
        count = min(max(int(query.get("count") or default), 1), MAX_COUNT)
        page = max(int(query.get("page") or 1), 1)
        chosen = sorted(
            (i for i in items if i["id"] > since and (max_id == 0 or i["id"] <= max_id)),
            key=lambda i: i["id"],
            reverse=True,
        )
        return {
            key: chosen[(page - 1) * count : page * count],
            "hasvisible": False,
            "previous_cursor": 0,
            "next_cursor": 0,
            "total_number": len(chosen),
            "interval": 0,
        }

    def _select(self, endpoint: str) -> tuple[str, list[dict[str, Any]]]:
        at_us = "@" + str(self.brand["screen_name"])
        ours = str(self.brand_uid)
        comments = list(self.comments.values())
        to_me = [
            c
            for c in comments
            if c["user"]["idstr"] != ours
            and (
                c["status"]["user"]["idstr"] == ours
                or c.get("reply_comment", {}).get("user", {}).get("idstr") == ours
            )
        ]
        by_me = [c for c in comments if c["user"]["idstr"] == ours]
        if endpoint == "statuses/mentions":
            return "statuses", [s for s in self.statuses.values() if at_us in s["text"]]
        if endpoint == "comments/mentions":
            return "comments", [c for c in comments if at_us in c["text"]]
        if endpoint == "comments/to_me":
            return "comments", to_me
        if endpoint == "comments/by_me":
            return "comments", by_me
        if endpoint == "comments/timeline":
            return "comments", to_me + by_me
        raise KeyError(endpoint)

    def to_dict(self) -> dict[str, Any]:
        """Everything, for a state file."""
        return {
            "brand": self.brand,
            "statuses": list(self.statuses.values()),
            "comments": list(self.comments.values()),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WeiboState:
        """Load a state file: full items as the API shows them (statuses, then comments)."""
        state = cls(data.get("brand") or BRAND)
        for status in data.get("statuses", []):
            state.statuses[int(status["idstr"])] = dict(status)
        for comment in data.get("comments", []):
            state.comments[int(comment["idstr"])] = dict(comment)
        return state


def now_cst() -> datetime:
    return datetime.now(UTC).astimezone(CST)
