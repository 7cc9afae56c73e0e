"""The customer's history over HTTP: a mention's author's other mentions and our replies
(GET /api/mentions/{id}/history), and linking two accounts as one person across
platforms (POST /api/people/link, /api/people/unlink; any signed-in user, recorded in the
audit log with who did it)."""

from __future__ import annotations

import unicodedata
from typing import Any

from aiohttp import web

from responder.clock import from_epoch
from responder.services import CLOCK, STORE
from responder.store.history import FIELDS, MAX_LINKED, Found, History, LinkError
from responder.store.people import MAX_ID, Account
from responder.web import labels
from responder.web.common import agent_of, json_response, unknown
from responder.web.filtered import index_of
from responder.web.validate import MENTION_ID, ApiError, Body, Field, mention_id, read_body

SHOWN = 20  # earlier mentions a detail shows at most (the total says how many are kept)
PAIR = Body(
    (
        Field(name="a", kind=dict, required=True),
        Field(name="b", kind=dict, required=True),
        Field(name="mention", max_length=16),  # the mention it is done from (audit log)
    )
)
PARTS = ("platform", "author_id")
REFUSED = {
    "same": (400, "不能把一个账号和它自己关联"),
    "linked": (409, "这两个账号已经关联为同一个人"),
    "not_linked": (409, "这两个账号没有关联"),
    "too_many": (409, f"一个人最多关联 {MAX_LINKED} 个账号"),
}

routes = web.RouteTableDef()


@routes.get("/api/mentions/{id}/history")
async def history(request: web.Request) -> web.Response:
    """The same person's other mentions (this platform, and the accounts linked to this
    one): the closed ones newest first, at most SHOWN, with how many are kept in all (a
    mention joins its author's history when it closes: store/people.py), and those still
    open, from this process's queue index (store/index.py)."""
    mid = mention_id(request)
    store = request.app[STORE]
    found = await History(store).of(mid, SHOWN)
    if found is None:
        raise unknown(mid)
    waiting: list[str] = []
    if found.account is not None:
        accounts = [(a.platform, a.author_id) for a in (found.account, *found.linked)]
        waiting = await index_of(request.app).open_of(accounts)
    ids = [i for i in dict.fromkeys(waiting) if i != mid][:SHOWN]
    return json_response(as_json(found, await store.mentions(ids, FIELDS)))


def as_json(found: Found, waiting: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """`items`: closed, newest first; `open`: still in the queue (this one left out), by
    deadline, at most SHOWN."""
    return {
        "account": found.account.as_json() if found.account else None,
        "linked": [a.as_json() for a in found.linked],
        "total": found.total,
        "limit": SHOWN,
        "items": [_item(row) for row in found.items],
        "open": [_item(row) for row in waiting or ()],
    }


def _item(row: dict[str, str]) -> dict[str, Any]:
    closed = row.get("closed_at")
    return {
        "id": row.get("id", ""),
        "platform": row.get("platform", ""),
        "account": row.get("account", ""),
        "kind": row.get("kind", ""),
        "author": {"id": row.get("author_id", ""), "name": row.get("author_name", "")},
        "text": row.get("text", ""),
        "state": row.get("state", ""),
        "created_at": from_epoch(float(row["created_at"])).isoformat(),
        "closed_at": from_epoch(float(closed)).isoformat() if closed else None,
        "closed_by": row.get("closed_by") or None,
        "reply_text": row.get("reply_text") or None,
        "dismiss_reason": row.get("dismiss_reason") or None,
        "reply_reason": row.get("reply_reason") or None,
        "followups": int(row.get("followups") or 0),
    }


@routes.post("/api/people/link")
async def link(request: web.Request) -> web.Response:
    """`{"a": {"platform", "author_id"}, "b": {...}, "mention"?}`: a and b are one person
    (and so is every account already linked to either)."""
    a, b, mid = await _pair(request)
    try:
        size = await History(request.app[STORE]).link(
            a, b, agent_of(request), request.app[CLOCK].now(), mid
        )
    except LinkError as exc:
        raise _refused(exc) from exc
    return json_response({"linked": True, "a": a.as_json(), "b": b.as_json(), "size": size})


@routes.post("/api/people/unlink")
async def unlink(request: web.Request) -> web.Response:
    """`{"a": ..., "b": ..., "mention"?}`: a is no longer the person b is (the rest of the
    group stays linked)."""
    a, b, mid = await _pair(request)
    try:
        await History(request.app[STORE]).unlink(
            a, b, agent_of(request), request.app[CLOCK].now(), mid
        )
    except LinkError as exc:
        raise _refused(exc) from exc
    return json_response({"linked": False, "a": a.as_json(), "b": b.as_json()})


def _refused(exc: LinkError) -> ApiError:
    status, message = REFUSED[exc.code]
    return ApiError(message, status=status, details={"code": exc.code})


async def _pair(request: web.Request) -> tuple[Account, Account, str]:
    body = await read_body(request, PAIR)
    mid = str(body.get("mention", ""))
    if mid and not MENTION_ID.fullmatch(mid):
        raise ApiError('"mention" 必须是提及的编号（16 位小写十六进制）', field="mention")
    return account_of(body["a"], "a"), account_of(body["b"], "b"), mid


def account_of(value: dict[str, Any], name: str) -> Account:
    """An account from `{"platform": ..., "author_id": ...}`, or a 400 saying what is wrong."""
    for part in value:
        if part not in PARTS:
            raise ApiError(f'"{name}" 里有不认识的字段 "{str(part)[:32]}"', field=f"{name}.{part}")
    platform, author = value.get("platform"), value.get("author_id")
    if not isinstance(platform, str) or platform not in labels.PLATFORMS:
        known = "、".join(labels.PLATFORMS)
        raise ApiError(f'"{name}.platform" 必须是这些平台之一：{known}', field=f"{name}.platform")
    if not isinstance(author, str) or not any(_shows(c) for c in author):
        raise ApiError(f'"{name}.author_id" 必须是非空的用户 ID', field=f"{name}.author_id")
    if len(author) > MAX_ID or any(unicodedata.category(c) in ("Cc", "Cs") for c in author):
        raise ApiError(
            f'"{name}.author_id" 不像用户 ID：最多 {MAX_ID} 个字符，不能有控制字符',
            field=f"{name}.author_id",
        )
    return Account(platform, author)


def _shows(char: str) -> bool:
    return not (char.isspace() or unicodedata.category(char) in ("Cc", "Cf"))
