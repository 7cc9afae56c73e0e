"""One mention: its detail, answering it (approve, reply, undo, sent) and the other moves
agents make on it (responder/web/api.py, replies.py, team.py, noreply.py, queue.py, ack.py,
history.py, incidents.py)."""

from __future__ import annotations

from typing import Any

from responder.web.openapi.common import (
    AT,
    BOOLEAN,
    INTEGER,
    MAYBE_TIME,
    MENTION,
    MENTION_ID_EXAMPLE,
    STRINGS,
    TIME,
    WRITE,
    Schema,
    array,
    json_answer,
    json_body,
    nullable,
    obj,
    operation,
    path_param,
    ref,
    string,
)
from responder.web.openapi.models import DETAIL_EXAMPLE, EXAMPLE

TAG = "mentions"
MID = MENTION_ID_EXAMPLE
MAYBE_STRING = nullable(string())

TEXT = string("回复内容（最多 2000 字，要有看得见的字）", maxLength=2000)
DRAFT = {"type": "integer", "minimum": 0, "maximum": 5, "description": "草稿序号（0-5）"}
ANSWER_FIELDS: dict[str, Schema] = {
    "text": TEXT,
    "override": {**BOOLEAN, "description": "不通过风格检查也发（会记录）"},
    "override_reason": string("为什么越过风格检查", maxLength=500),
    "seen": string("GET /api/mentions/{id} 给的 seen", maxLength=12),
    "resend": {**BOOLEAN, "description": "上次发送可能已发出，确认重发"},
}
APPROVE = obj({"draft": DRAFT, **ANSWER_FIELDS}, required=())
REPLY = obj(dict(ANSWER_FIELDS), required=("text",))
ANSWERED = obj(
    {
        "id": string(),
        "by": string(),
        "at": TIME,
        "text": string(),
        "template": MAYBE_STRING,
        "draft_use": string(enum=["as_is", "edited", "written"]),
        "overridden": {**STRINGS, "description": "越过的风格规则"},
        "resend": BOOLEAN,
        "state": string(enum=["held", "approved"]),
        "held_until": TIME,
        "again": {
            **BOOLEAN,
            "description": "重发的批准：上次已经记下了（那次的答复没送到），不会发两次",
        },
    },
    required=("id", "by", "at", "text", "template", "draft_use", "overridden", "resend", "state"),
)
ANSWERED_EXAMPLE = {
    "id": MID,
    "by": "amy",
    "at": AT,
    "text": "抱歉让你烦心了，X7 卡顿可以先试试……",
    "template": "complaint/lag",
    "draft_use": "as_is",
    "overridden": [],
    "resend": False,
    "state": "held",
    "held_until": "2026-12-03T01:20:10+00:00",
}
DONE = obj({"id": string(), "state": string(), "by": string(), "at": TIME})
NOTE = string("给同事的备注（不会发出）", maxLength=500)


def _post(
    op_id: str,
    suffix: str,
    summary: str,
    ok: Schema,
    *,
    body: Schema | None = None,
    errors: tuple[int, ...] = (400, 404, 409),
    description: str = "",
) -> tuple[str, str, dict[str, Any]]:
    op = operation(
        op_id,
        TAG,
        summary,
        ok=ok,
        errors=(*errors, 413) if body is not None else errors,
        params=(MENTION,),
        body=body,
        security=WRITE,
        description=description,
    )
    return f"/api/mentions/{{id}}/{suffix}", "post", op


def _ok(description: str, schema: Schema, example: Any) -> Schema:
    return json_answer(description, schema, {"ok": example})


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    """(path, method, operation) of every route this area has."""
    return [
        (
            "/api/mentions/{id}",
            "get",
            operation(
                "getMention",
                TAG,
                "一条提及的全部：草稿、事件记录、追问和 seen",
                ok=_ok("这条提及", ref("MentionDetail"), DETAIL_EXAMPLE),
                errors=(404,),
                params=(MENTION,),
            ),
        ),
        _post(
            "approveMention",
            "approve",
            "批准回复：原样发草稿，或发改过的文字",
            _ok("已批准（有撤销时间时先 held）", ANSWERED, ANSWERED_EXAMPLE),
            body=json_body(
                APPROVE,
                {
                    "draft": {"draft": 0, "seen": "0"},
                    "edited": {"draft": 0, "text": "抱歉让你烦心了，我们马上帮你看看"},
                },
            ),
            errors=(400, 403, 404, 409, 422),
            description='给 "draft" 或 "text"；没通过风格检查时 422（findings），加 '
            '"override": true 仍可发出；对方又发了消息时 409 code "stale"。',
        ),
        _post(
            "replyToMention",
            "reply",
            "用自己写的文字回复（同批准的检查）",
            _ok("已批准", ANSWERED, {**ANSWERED_EXAMPLE, "draft_use": "written"}),
            body=json_body(REPLY, {"own": {"text": "你好，我们马上帮你看看"}}),
            errors=(400, 403, 404, 409, 422),
        ),
        _post(
            "undoApproval",
            "undo",
            "撤销还在倒计时的批准：不发出，提及回到队列",
            _ok("已撤销", DONE, {"id": MID, "state": "queued", "by": "amy", "at": AT}),
            errors=(403, 404, 409),
        ),
        _post(
            "markSent",
            "sent",
            "手动发布（贴吧）的回复已经发出",
            _ok("已发送", DONE, {"id": MID, "state": "sent", "by": "amy", "at": AT}),
            body=json_body(
                obj({"url": string("发出的回复的链接", maxLength=1000)}, required=()),
                {"with_url": {"url": "https://tieba.baidu.com/p/1?pid=2"}},
                required=False,
            ),
        ),
        _post(
            "dismissMention",
            "dismiss",
            "忽略：不回复，移出队列",
            _ok("已忽略", DONE, {"id": MID, "state": "dismissed", "by": "amy", "at": AT}),
            body=json_body(
                obj({"reason": string("原因", maxLength=500)}, required=()),
                {"spam": {"reason": "spam"}},
                required=False,
            ),
        ),
        _post(
            "claimMention",
            "claim",
            "认领 5 分钟（再认领一次续期），别人认领会 409",
            _ok(
                "已认领",
                obj({"id": string(), "claimed_by": string(), "until": TIME}),
                {"id": MID, "claimed_by": "amy", "until": "2026-12-03T01:25:00+00:00"},
            ),
        ),
        _post(
            "releaseMention",
            "release",
            "放开自己的认领",
            _ok(
                "已放开",
                obj({"id": string(), "released": BOOLEAN, "by": string()}),
                {"id": MID, "released": True, "by": "amy"},
            ),
        ),
        _post(
            "correctSentiment",
            "sentiment",
            "更正情感标签（留作训练数据）",
            _ok(
                "已更正",
                obj({"id": string(), "label": string(), "by": string()}),
                {"id": MID, "label": "negative", "by": "amy"},
            ),
            body=json_body(
                obj({"label": string(enum=["positive", "neutral", "negative"])}),
                {"negative": {"label": "negative"}},
            ),
        ),
        _post(
            "correctIntent",
            "intent",
            "更正意图（名称见 GET /api/meta）",
            _ok(
                "已更正",
                obj({"id": string(), "intent": string(), "by": string()}),
                {"id": MID, "intent": "after_sales", "by": "amy"},
            ),
            body=json_body(
                obj({"intent": string(maxLength=64)}), {"after_sales": {"intent": "after_sales"}}
            ),
        ),
        _post(
            "addNote",
            "notes",
            "写给同事的内部备注（任何状态）",
            _ok(
                "已记下",
                obj({"id": string(), "by": string(), "at": TIME, "text": string()}),
                {"id": MID, "by": "amy", "at": AT, "text": "已私信要订单号"},
            ),
            body=json_body(
                obj({"text": string("备注", maxLength=1000)}), {"note": {"text": "已私信要订单号"}}
            ),
            errors=(400, 404),
        ),
        _post(
            "handOff",
            "handoff",
            "转给同事：对方认领 30 分钟并实时收到通知",
            _ok(
                "已转交",
                obj({"id": string(), "to": string(), "by": string(), "until": TIME}),
                {"id": MID, "to": "bo", "by": "amy", "until": "2026-12-03T01:50:00+00:00"},
            ),
            body=json_body(
                obj({"to": string("同事的登录名", maxLength=64), "note": NOTE}, required=("to",)),
                {"to_bo": {"to": "bo", "note": "这位是老顾客，麻烦跟进"}},
            ),
        ),
        _post(
            "ackMention",
            "ack",
            "确认告警：它不再升级",
            _ok(
                "已确认（first：是不是第一个确认的）",
                obj({"acked": BOOLEAN, "by": string(), "at": TIME, "first": BOOLEAN}),
                {"acked": True, "by": "amy", "at": AT, "first": True},
            ),
            errors=(400, 404),
        ),
        _post(
            "needsReply",
            "needs_reply",
            "从“无需回复”移回队列，计时从现在开始",
            _ok(
                "已进入队列",
                obj({"id": string(), "state": string(), "by": string(), "deadline": TIME}),
                {
                    "id": MID,
                    "state": "queued",
                    "by": "amy",
                    "deadline": "2026-12-03T01:35:00+00:00",
                },
            ),
            body=json_body(
                obj({"note": NOTE}, required=()), {"note": {"note": "其实在问售后"}}, required=False
            ),
        ),
        _post(
            "noReply",
            "no_reply",
            "标记为无需回复（reason 见 GET /api/meta 的 no_reply_reasons）",
            _ok(
                "已移出队列",
                obj(
                    {
                        "id": string(),
                        "state": string(),
                        "reason": string(),
                        "by": string(),
                        "at": TIME,
                    }
                ),
                {"id": MID, "state": "no_reply", "reason": "chatter", "by": "amy", "at": AT},
            ),
            body=json_body(
                obj({"reason": string(maxLength=32), "note": NOTE}, required=()),
                {"chatter": {"reason": "chatter"}},
                required=False,
            ),
        ),
        (
            "/api/mentions/{id}/history",
            "get",
            operation(
                "getHistory",
                TAG,
                "同一个人的其他提及（包括关联账号）和我们的回复",
                ok=_ok("这个人的历史", HISTORY, HISTORY_EXAMPLE),
                errors=(404,),
                params=(MENTION,),
            ),
        ),
        (
            "/api/incidents/{id}",
            "get",
            operation(
                "getIncident",
                TAG,
                "一个危机事件：规模、影响、成员和扩散",
                ok=_ok("这个事件", INCIDENT, INCIDENT_EXAMPLE),
                errors=(404,),
                params=(
                    path_param(
                        "id", "事件的编号（开启它的提及的编号）", MID, pattern="^[0-9a-f]{16}$"
                    ),
                ),
            ),
        ),
    ]


ACCOUNT = obj({"platform": string(), "author_id": string()})
HISTORY_ITEM = obj(
    {
        "id": string(),
        "platform": string(),
        "account": string(),
        "kind": string(),
        "author": obj({"id": string(), "name": string()}),
        "text": string(),
        "state": string(),
        "created_at": TIME,
        "closed_at": MAYBE_TIME,
        "closed_by": MAYBE_STRING,
        "reply_text": MAYBE_STRING,
        "dismiss_reason": MAYBE_STRING,
        "reply_reason": MAYBE_STRING,
        "followups": INTEGER,
    }
)
HISTORY = obj(
    {
        "account": nullable(ACCOUNT),
        "linked": array(ACCOUNT),
        "total": INTEGER,
        "limit": INTEGER,
        "items": {**array(HISTORY_ITEM), "description": "已关闭的，最新的在前"},
        "open": {**array(HISTORY_ITEM), "description": "还在队列里的"},
    }
)
HISTORY_EXAMPLE = {
    "account": {"platform": "weibo", "author_id": "u1"},
    "linked": [],
    "total": 1,
    "limit": 20,
    "items": [
        {
            "id": "0a1b2c3d4e5f6071",
            "platform": "weibo",
            "account": "lanxing",
            "kind": "comment",
            "author": {"id": "u1", "name": "小林"},
            "text": "快递到哪了",
            "state": "sent",
            "created_at": "2026-11-30T08:00:00+00:00",
            "closed_at": "2026-11-30T08:04:00+00:00",
            "closed_by": "bo",
            "reply_text": "帮你查了，明天就到",
            "dismiss_reason": None,
            "reply_reason": "question",
            "followups": 0,
        }
    ],
    "open": [],
}
INCIDENT = obj(
    {
        "id": string(),
        "size": INTEGER,
        "reach": INTEGER,
        "lead": MAYBE_STRING,
        "product": MAYBE_STRING,
        "hazards": STRINGS,
        "opened": MAYBE_TIME,
        "last": MAYBE_TIME,
        "row": MAYBE_STRING,
        "severity": {"type": "number"},
        "injury": BOOLEAN,
        "members": {**array(ref("Mention")), "description": "成员，最早的在前"},
        "spread": array(obj({"at": MAYBE_TIME, "count": INTEGER})),
    }
)
INCIDENT_EXAMPLE = {
    "id": MID,
    "size": 1,
    "reach": 120,
    "lead": MID,
    "product": "X7 Pro",
    "hazards": ["fire"],
    "opened": AT,
    "last": AT,
    "row": MID,
    "severity": 3.0,
    "injury": False,
    "members": [{**EXAMPLE, "crisis": {"flag": True, "words": ["起火"], "kinds": ["fire"]}}],
    "spread": [{"at": AT, "count": 1}],
}
