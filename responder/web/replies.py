"""Answering a mention: approve a draft or an edited reply, after the style check."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from responder.clock import from_epoch
from responder.drafts.drafter import channel_of, default_directory
from responder.drafts.learning import usage
from responder.drafts.quoting import Quotes, load_quotes
from responder.drafts.said import sentences
from responder.drafts.style import StyleRules, check, load_style
from responder.outbox.holds import Holds
from responder.outbox.store import OutboxStore
from responder.services import CLOCK, STORE, config_of
from responder.store.records import State
from responder.store.store import Bookkeeping, Outcome, Result
from responder.store.views import to_api
from responder.web import incidents
from responder.web.approving import CLAIM_AFTER, FIELDS, book_json, commit, repeated
from responder.web.auth import Role, current_user
from responder.web.common import agent_of, check_outcome, json_response, unknown
from responder.web.validate import ApiError, Body, Field, int_param, mention_id, read_body


@dataclass(slots=True)
class ReplyRules:
    """What answering reads from the templates folder: the style rules the reply check
    applies, and the knowledge base's answers (which entry a draft quotes). A reload puts
    new ones in place (responder/reload/parts.py)."""

    style: StyleRules
    quotes: Quotes

    @classmethod
    def load(cls, templates: Path | None) -> ReplyRules:
        folder = templates or default_directory()
        kb = folder / "kb.toml"  # a folder from before it keeps the packaged one
        return cls(
            style=load_style(folder / "style.toml"),
            quotes=load_quotes(kb if kb.exists() else default_directory() / "kb.toml"),
        )


RULES = web.AppKey("reply_rules", ReplyRules)
TEXT = Field(name="text", max_length=2000, visible=True)
# Three template drafts, then up to three generated ones ([drafts.llm] max_drafts).
DRAFT = Field(name="draft", kind=int, low=0, high=5)
OVERRIDE = Field(name="override", kind=bool)
OVERRIDE_REASON = Field(name="override_reason", max_length=500, visible=True)
# `seen`: GET /api/mentions/{id}'s token (follow-ups read); a newer follow-up refuses.
SEEN = Field(name="seen", max_length=12, one_line=True)
# `resend`: the last send of this mention may have gone out (`send_unknown`); a person
# looked on the platform and wants it sent again. Without it such a mention answers 409.
RESEND = Field(name="resend", kind=bool)
APPROVE = Body((DRAFT, TEXT, OVERRIDE, OVERRIDE_REASON, SEEN, RESEND))
UNDO = Body((), optional=True)
REPLY = Body(
    (Field(name="text", max_length=2000, required=True, visible=True), *APPROVE.fields[2:])
)

# What holding answers (as closing would refuse) in the store's terms.
_HELD_RESULTS = {
    1: Result.OK,
    0: Result.NOT_OPEN,
    -1: Result.UNKNOWN,
    2: Result.CLAIMED,
    4: Result.MAYBE_SENT,
    6: Result.HELD,
}

routes = web.RouteTableDef()


@routes.post("/api/mentions/{id}/undo")
async def undo(request: web.Request) -> web.Response:
    """Take back an approval still waiting out its send delay: nothing is sent, and the
    mention is open again (claimed by the one who approved it). The approver may undo
    their own; a lead or an admin anyone's."""
    mid = mention_id(request)
    await read_body(request, UNDO)
    user, now = current_user(request), request.app[CLOCK].now()
    holds = Holds(request.app[STORE])
    code, value = await holds.undo(mid, user.name, now, anyone=user.role >= Role.LEAD)
    if code == -1:
        raise unknown(mid)
    if code == 0:
        raise ApiError(
            "这条回复已经发出或正在发送，无法撤销", status=409, details={"code": "not_held"}
        )
    if code == 2:
        raise ApiError(f"这是 {value} 批准的回复，只有本人或组长可以撤销", status=403)
    return json_response({"id": mid, "state": value, "by": user.name, "at": now.isoformat()})


@routes.post("/api/mentions/{id}/approve")
async def approve(request: web.Request) -> web.Response:
    """Send draft N as it is (`{"draft": N}`), or an edited reply (`{"text": ...}`, with
    the draft it came from if any); a reply failing the style check needs `override`."""
    mid, body = mention_id(request), await read_body(request, APPROVE)
    if "draft" not in body and "text" not in body:
        raise ApiError('give "draft" (0-5) to send a draft, or "text" to send your own')
    return await answer(request, mid, body)


@routes.post("/api/mentions/{id}/reply")
async def reply(request: web.Request) -> web.Response:
    """Send a reply written or edited by hand (approve with `text`)."""
    mid, body = mention_id(request), await read_body(request, REPLY)
    return await answer(request, mid, body)


@routes.get("/api/manual")
async def manual(request: web.Request) -> web.Response:
    """Approved replies a person must post (Tieba), oldest first: each with `reply_text`
    and `send_url`; `POST /api/mentions/{id}/sent` once posted."""
    limit = int_param(request, "limit", 100, 1, 1000)
    offset = int_param(request, "offset", 0, 0, 10**9)
    store = request.app[STORE]
    total, ids = await OutboxStore(store).manual(limit, offset)
    now = request.app[CLOCK].now()
    items = [to_api(row, now) for row in await store.mentions(ids)]
    return json_response({"now": now.isoformat(), "total": total, "items": items})


MARK = Body((Field(name="url", max_length=1000, visible=True, one_line=True),), optional=True)


@routes.post("/api/mentions/{id}/sent")
async def mark_sent(request: web.Request) -> web.Response:
    """Say that a reply waiting to be posted by hand (Tieba) was posted; `url` optional."""
    mid, body = mention_id(request), await read_body(request, MARK)
    agent, now = agent_of(request), request.app[CLOCK].now()
    extra = {"posted_url": body["url"]} if body.get("url") else {}
    code, state = await OutboxStore(request.app[STORE]).mark_sent(mid, agent, now, **extra)
    if code == -1:
        raise unknown(mid)
    if code == 0:
        raise ApiError(f"mention {mid} is {state}, not waiting to be posted by hand", status=409)
    return json_response({"id": mid, "state": "sent", "by": agent, "at": now.isoformat()})


async def answer(request: web.Request, mid: str, body: dict[str, Any]) -> web.Response:
    store, now = request.app[STORE], request.app[CLOCK].now()
    row, expect = await store.for_closing(mid, FIELDS)
    if row is None:
        raise unknown(mid)
    incidents.check_approver(request, row)
    _check_seen(body, len(expect[1]))
    until = row.get("reply_until")
    if until and float(until) <= now.timestamp():
        closed = from_epoch(float(until))
        local = closed.astimezone(ZoneInfo(config_of(request.app).drafts.timezone))
        raise ApiError(
            f"回复窗口已关闭：平台只接受 {local:%m月%d日 %H:%M} 之前的回复。"
            "请换个渠道联系对方，或忽略这条",
            status=422,
            details={"reply_until": closed.isoformat()},
        )
    # The template drafts, then the generated ones, as GET /api/mentions/{id} numbers them.
    drafts: list[list[str]] = json.loads(row.get("drafts") or "[]")
    drafts += json.loads(row.get("drafts_llm") or "[]")
    chosen: int | None = body.get("draft")
    if chosen is not None and chosen >= len(drafts):
        raise ApiError(f"mention {mid} has {len(drafts)} drafts", field="draft")
    text: str = body["text"] if "text" in body else drafts[chosen or 0][0]
    findings = check(
        text,
        platform=row["platform"],
        channel=channel_of(row["platform"], row["kind"]),
        tone=row.get("tone") or "neutral",
        rules=request.app[RULES].style,
    )
    found = [{"rule": f.rule, "message": f.message, "words": list(f.words)} for f in findings]
    if findings and not body.get("override"):
        raise ApiError(
            "这条回复没通过风格检查：" + "；".join(f.message for f in findings),
            field="text",
            status=422,
            details={"findings": found},
        )
    use = usage([d[0] for d in drafts], text, chosen)
    template = drafts[use.chosen][1] if use.chosen is not None else ""
    how = "written" if use.chosen is None else "edited" if use.edited else "as_is"
    details: dict[str, Any] = {"draft_use": how}
    details |= _entries(request.app[RULES].quotes, [d[0] for d in drafts], use.chosen)
    if use.diff:
        details["diff"] = use.diff
    if findings:
        details["override"] = {"findings": found, "reason": body.get("override_reason", "")}
    agent = agent_of(request)
    resend = bool(body.get("resend")) and row.get("send_unknown") == "1"
    if resend:  # recorded in the approval's event: who confirmed sending it again
        details["resend"] = True
    thread = row.get("thread_id")
    where = (row["platform"], row["account"], thread or "", row["author_id"])
    book = Bookkeeping(
        counts=use.counts([d[1] for d in drafts]),
        said_key=store.keys.said(*where) if thread else None,
        sentences=tuple(sentences(text)),
        context_key=store.keys.context(*where) if thread else None,
        reply=text,
    )
    approval = {
        "agent": agent,
        "at": now.timestamp(),
        "details": details,
        "book": book_json(book),
        "text": text,
        "template": template,
        "how": how,
        "overridden": bool(findings),
        "resend": resend,
    }
    answered = {
        "id": mid,
        "by": agent,
        "at": now.isoformat(),
        "text": text,
        "template": template or None,
        "draft_use": how,
        "overridden": [f["rule"] for f in found],
        "resend": resend,
    }
    delay = config_of(request.app).outbox.undo_seconds
    if delay:  # it counts once the delay ends, unless undone (the Committer task)
        code, value = await Holds(store).hold(
            mid, agent, now, timedelta(seconds=delay), approval, claim=CLAIM_AFTER, resend=resend
        )
        outcome = Outcome(result=_HELD_RESULTS[code], detail=value)
        if outcome.result is Result.OK:
            until = from_epoch(float(value)).isoformat()
            return json_response({**answered, "state": "held", "held_until": until})
    else:
        outcome = await commit(request.app, mid, approval, row, expect)
        if outcome.result is Result.OK:
            return json_response({**answered, "state": str(State.APPROVED)})
    # Refused: unless it is this very approval, made before by a request whose answer did
    # not arrive, and now sent again (answered as the first was).
    again = await repeated(request.app, mid, agent, text, outcome)
    if again is None:
        check_outcome(mid, outcome)  # raises: every result but OK is a refusal
    return json_response({**answered, **(again or {})})


def _check_seen(body: dict[str, Any], followups: int) -> None:
    """Refuse (409 "stale") a reply written before the author's latest follow-up arrived."""
    seen = body.get("seen")
    if seen is None:
        return  # API clients that do not send it keep the old behaviour
    if not (seen.isascii() and seen.isdigit()):
        raise ApiError('"seen" must be the token GET /api/mentions/{id} returned', field="seen")
    if int(seen) < followups:
        raise ApiError(
            "对方又发了新消息，请先看完最新内容再回复",
            status=409,
            details={"code": "stale", "seen": str(followups)},
        )


def _entries(quotes: Quotes, texts: list[str], chosen: int | None) -> dict[str, Any]:
    """What the approval's event records of the knowledge base (the reports count it):
    `kb_offered`, the entries the drafts offered quote, and `draft_kb`, the chosen draft's.
    Nothing when no draft quotes one."""
    quoted = [quotes.entry_of(text) for text in texts]
    offered = sorted({ident for ident in quoted if ident})
    if not offered:
        return {}
    used = quoted[chosen] if chosen is not None else ""
    return {"kb_offered": offered, **({"draft_kb": used} if used else {})}
