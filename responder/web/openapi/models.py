"""The mention as the API shows it (responder/store/views.py): in lists, in its detail, and
the example both answers use."""

from __future__ import annotations

from typing import Any

from responder.web.openapi.common import (
    AT,
    BOOLEAN,
    INTEGER,
    MAYBE_TIME,
    MENTION_ID_EXAMPLE,
    NUMBER,
    STRINGS,
    TIME,
    Schema,
    array,
    nullable,
    obj,
    string,
)

MAYBE_STRING = nullable(string())
AUTHOR = obj(
    {
        "id": string(),
        "name": string(),
        "followers": INTEGER,
        "verified": BOOLEAN,
        "verified_type": MAYBE_STRING,
    }
)
SENTIMENT = obj(
    {
        "score": NUMBER,
        "label": string(enum=["positive", "neutral", "negative"]),
        "cues": STRINGS,
        "corrected": MAYBE_STRING,
    }
)
CRISIS = obj({"flag": BOOLEAN, "words": STRINGS, "kinds": STRINGS})
PRIORITY = obj({"score": NUMBER, "base": NUMBER, "reasons": STRINGS})
INCIDENT_FIELDS: dict[str, Schema] = {
    "id": string(),
    "size": INTEGER,
    "reach": INTEGER,
    "lead": MAYBE_STRING,
}
INCIDENT_SUMMARY = obj(
    {**INCIDENT_FIELDS, "severity": {**NUMBER, "description": "严重程度（置顶的事件按它排）"}},
    tuple(INCIDENT_FIELDS),
    description="它所属的危机事件",
)

# Every field of to_api, in its order ("incident" only when it belongs to one).
MENTION_FIELDS: dict[str, Schema] = {
    "id": string("提及的编号"),
    "state": string("状态（见 GET /api/meta 的 states）"),
    "platform": string(),
    "account": string("品牌自己的账号"),
    "platform_id": string("平台上的编号"),
    "kind": string(),
    "thread_id": MAYBE_STRING,
    "author": AUTHOR,
    "text": string(),
    "reply_to": nullable(string("brand 或 user")),
    "role": nullable(string("说话的人：customer、bystander、media……")),
    "reply_needed": BOOLEAN,
    "reply_reason": MAYBE_STRING,
    "intent_confidence": nullable(NUMBER),
    "uncertain": BOOLEAN,
    "aspects": array(obj({"aspect": string(), "polarity": string()})),
    "product": MAYBE_STRING,
    "url": MAYBE_STRING,
    "created_at": TIME,
    "ingested_at": TIME,
    "ingest_lag_s": NUMBER,
    "at_risk": BOOLEAN,
    "sentiment": SENTIMENT,
    "intent": MAYBE_STRING,
    "intent_corrected": MAYBE_STRING,
    "intents": {"type": "array"},
    "crisis": CRISIS,
    "urgent": BOOLEAN,
    "spam": BOOLEAN,
    "priority": nullable(PRIORITY),
    "deadline": TIME,
    "seconds_left": {**NUMBER, "description": "离超时还有多少秒（负数：已超时）"},
    "warned_at": MAYBE_TIME,
    "breached_at": MAYBE_TIME,
    "escalated_at": MAYBE_TIME,
    "acked_by": MAYBE_STRING,
    "acked_at": MAYBE_TIME,
    "followups": INTEGER,
    "head": MAYBE_STRING,
    "claimed_by": MAYBE_STRING,
    "claim_until": MAYBE_TIME,
    "held_by": MAYBE_STRING,
    "held_until": MAYBE_TIME,
    "closed_at": MAYBE_TIME,
    "closed_by": MAYBE_STRING,
    "reply_text": MAYBE_STRING,
    "dismiss_reason": MAYBE_STRING,
    "reply_until": MAYBE_TIME,
    "window_closed": BOOLEAN,
    "sent_at": MAYBE_TIME,
    "reply_id": MAYBE_STRING,
    "send_error": MAYBE_STRING,
    "send_unknown": BOOLEAN,
    "send_url": MAYBE_STRING,
    "send_attempts": INTEGER,
    "incident": INCIDENT_SUMMARY,
}
OPTIONAL_FIELDS = ("incident",)
REQUIRED = tuple(k for k in MENTION_FIELDS if k not in OPTIONAL_FIELDS)

DRAFT = obj(
    {
        "index": INTEGER,
        "text": string(),
        "template": string("它来自的模板"),
        "source": string(enum=["llm"]),
    },
    required=("index", "text", "template"),
)
MEMBER = obj(
    {
        "id": string(),
        "platform": string(),
        "name": string(),
        "followers": INTEGER,
        "role": string(),
        "state": string(),
        "text": string(),
    }
)
DETAIL_FIELDS: dict[str, Schema] = {
    **MENTION_FIELDS,
    "tone": MAYBE_STRING,
    "intent_words": STRINGS,
    "drafts": array(DRAFT),
    "incident": {
        **obj({**INCIDENT_FIELDS, "members": array(MEMBER)}),
        "description": "它所属的危机事件，和事件里的人",
    },
    "approval": obj(
        {"lead_required": BOOLEAN, "reason": MAYBE_STRING, "allowed": BOOLEAN},
        description="批准它是否需要组长",
    ),
    "events": array(
        {
            "type": "object",
            "required": ["type", "at"],
            "properties": {"type": string(), "at": NUMBER, "actor": string()},
            "description": "它的事件记录，最早的在前（at：Unix 秒）",
        }
    ),
    "thread": {"type": "array", "items": {"$ref": "#/components/schemas/Mention"}},
    "seen": string("批准时回传：之后对方再发消息，批准会得到 409 stale"),
}

MENTION = obj(MENTION_FIELDS, REQUIRED, description="一条提及（队列里的样子）")
DETAIL = obj(
    DETAIL_FIELDS,
    (*REQUIRED, "tone", "intent_words", "drafts", "approval", "events", "thread", "seen"),
    description="一条提及的全部：草稿、事件、追问",
)


def page_of(item: Schema, **more: Schema) -> Schema:
    """A page of a list: the time it was read, how many match, the items."""
    return obj({"now": TIME, "total": INTEGER, "items": array(item), **more})


EXAMPLE: dict[str, Any] = {
    "id": MENTION_ID_EXAMPLE,
    "state": "queued",
    "platform": "weibo",
    "account": "lanxing",
    "platform_id": "5120334455",
    "kind": "comment",
    "thread_id": None,
    "author": {
        "id": "u1",
        "name": "小林",
        "followers": 120,
        "verified": False,
        "verified_type": None,
    },
    "text": "X7 又卡了，烦死了",
    "reply_to": "brand",
    "role": "customer",
    "reply_needed": True,
    "reply_reason": "complaint",
    "intent_confidence": 0.91,
    "uncertain": False,
    "aspects": [{"aspect": "smoothness", "polarity": "neg"}],
    "product": "X7",
    "url": None,
    "created_at": AT,
    "ingested_at": AT,
    "ingest_lag_s": 0.4,
    "at_risk": False,
    "sentiment": {"score": 0.08, "label": "negative", "cues": ["卡", "烦"], "corrected": None},
    "intent": "complaint",
    "intent_corrected": None,
    "intents": ["complaint"],
    "crisis": {"flag": False, "words": [], "kinds": []},
    "urgent": False,
    "spam": False,
    "priority": {"score": 2.4, "base": 2.0, "reasons": ["负面情绪"]},
    "deadline": "2026-12-03T01:35:00+00:00",
    "seconds_left": 600.0,
    "warned_at": None,
    "breached_at": None,
    "escalated_at": None,
    "acked_by": None,
    "acked_at": None,
    "followups": 0,
    "head": None,
    "claimed_by": None,
    "claim_until": None,
    "held_by": None,
    "held_until": None,
    "closed_at": None,
    "closed_by": None,
    "reply_text": None,
    "dismiss_reason": None,
    "reply_until": None,
    "window_closed": False,
    "sent_at": None,
    "reply_id": None,
    "send_error": None,
    "send_unknown": False,
    "send_url": None,
    "send_attempts": 0,
}
DETAIL_EXAMPLE: dict[str, Any] = {
    **EXAMPLE,
    "tone": "upset",
    "intent_words": ["卡"],
    "drafts": [
        {"index": 0, "text": "抱歉让你烦心了，X7 卡顿可以先试试……", "template": "complaint/lag"},
    ],
    "approval": {"lead_required": False, "reason": None, "allowed": True},
    "events": [{"type": "ingested", "at": 1796260800.0, "actor": "demo"}],
    "thread": [],
    "seen": "0",
}


def schemas() -> dict[str, Schema]:
    """This module's part of components/schemas."""
    return {"Mention": MENTION, "MentionDetail": DETAIL}
