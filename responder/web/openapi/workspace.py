"""What the workspace reads and the team's own settings: the queue, manual posts, labels,
the live stream, colleagues, snippets, linked people and who am I (responder/web/queue.py,
replies.py, live.py, team.py, snippets.py, history.py, login.py)."""

from __future__ import annotations

from typing import Any

from responder.web.openapi.common import (
    AT,
    BOOLEAN,
    INTEGER,
    LIMIT,
    NAMES,
    OFFSET,
    WRITE,
    Schema,
    array,
    json_answer,
    json_body,
    nullable,
    obj,
    operation,
    query,
    ref,
    string,
)
from responder.web.openapi.mentions import ACCOUNT
from responder.web.openapi.models import EXAMPLE, page_of

TAG = "workspace"
NOW = AT


def _ok(description: str, schema: Schema, example: Any) -> Schema:
    return json_answer(description, schema, {"ok": example})


def _text(name: str, description: str, longest: int) -> Schema:
    return query(name, description, {"type": "string", "maxLength": longest})


QUEUE_PARAMS = (
    LIMIT,
    OFFSET,
    query(
        "sort",
        "排序：deadline（默认）或 priority；危机总在最前",
        {"type": "string", "enum": ["deadline", "priority"]},
    ),
    query(
        "view",
        "all、mine（我认领的）、unassigned（没人认领的）、no_reply（无需回复的提及，带 reasons）",
        {"type": "string", "enum": ["all", "mine", "unassigned", "no_reply"]},
    ),
    _text("platform", "平台", 64),
    _text("account", "品牌账号", 64),
    _text("kind", "类型", 64),
    query("intent", "意图（见 GET /api/meta）", {"type": "string"}),
    query("sentiment", "情感", {"type": "string", "enum": ["positive", "neutral", "negative", ""]}),
    query(
        "state",
        "queued、failed 或 open",
        {"type": "string", "enum": ["queued", "failed", "open", ""]},
    ),
    _text("q", "关键词", 100),
)
QUEUE = {
    **page_of(ref("Mention"), reasons={**NAMES, "additionalProperties": {"type": "integer"}}),
    "required": ["now", "total", "items"],
}
SNIPPET = obj({"name": string(), "text": string()})
SCOPE = string("mine：自己的；team：团队的（需要组长）", enum=["mine", "team"])
USER = obj(
    {
        "name": string("登录名"),
        "role": string(enum=["agent", "lead", "admin"]),
        "role_label": string("中文角色名"),
        "display": string("显示名"),
    }
)
META = obj(
    {
        "user": USER,
        "timezone": string("团队的时区", examples=["Asia/Shanghai"]),
        "intents": NAMES,
        "platforms": NAMES,
        "kinds": NAMES,
        "labels": NAMES,
        "states": NAMES,
        "views": NAMES,
        "events": NAMES,
        "accounts": NAMES,
        "actors": NAMES,
        "incidents": obj({"pin_most": INTEGER}),
        "roles": NAMES,
        "reply_reasons": NAMES,
        "no_reply_reasons": NAMES,
        "aspects": NAMES,
        "polarities": NAMES,
    },
    description="代码对应的中文名称、当前用户和时区",
)
META_EXAMPLE = {
    "user": {"name": "amy", "role": "agent", "role_label": "客服", "display": "Amy"},
    "timezone": "Asia/Shanghai",
    "intents": {"complaint": "投诉"},
    "platforms": {"weibo": "微博"},
    "kinds": {"comment": "评论"},
    "labels": {"negative": "负面"},
    "states": {"queued": "待回复"},
    "views": {"all": "全部"},
    "events": {"approved": "批准回复"},
    "accounts": {"weibo/lanxing": "澜星官方微博"},
    "actors": {"amy": "Amy"},
    "incidents": {"pin_most": 3},
    "roles": {"customer": "顾客"},
    "reply_reasons": {"question": "提问"},
    "no_reply_reasons": {"chatter": "网友闲聊"},
    "aspects": {"battery": "续航"},
    "polarities": {"neg": "−"},
}
PERSON = obj(
    {
        "name": string(),
        "display": string(),
        "away": BOOLEAN,
        "away_since": nullable(string(format="date-time")),
    }
)
PAIR = obj(
    {
        "a": ACCOUNT,
        "b": ACCOUNT,
        "mention": string("从哪条提及操作的（记入操作记录）", pattern="^[0-9a-f]{16}$"),
    },
    required=("a", "b"),
)
PAIR_EXAMPLE = {
    "a": {"platform": "weibo", "author_id": "u1"},
    "b": {"platform": "wechat", "author_id": "o-app"},
}


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    """(path, method, operation) of every route this area has."""
    return [
        (
            "/api/queue",
            "get",
            operation(
                "getQueue",
                TAG,
                "待回复的提及：危机在前，然后按截止时间（或优先级）",
                ok=_ok(
                    "这一页（total 是所有符合条件的条数）",
                    QUEUE,
                    {"now": NOW, "total": 1, "items": [EXAMPLE]},
                ),
                errors=(400,),
                params=QUEUE_PARAMS,
            ),
        ),
        (
            "/api/manual",
            "get",
            operation(
                "getManual",
                TAG,
                "要人工发布的已批准回复（贴吧），最早的在前",
                ok=_ok(
                    "这一页",
                    page_of(ref("Mention")),
                    {"now": NOW, "total": 0, "items": []},
                ),
                errors=(400,),
                params=(LIMIT, OFFSET),
            ),
        ),
        (
            "/api/meta",
            "get",
            operation(
                "getMeta",
                TAG,
                "当前用户、时区和各种代码的中文名",
                ok=_ok("名称表", META, META_EXAMPLE),
            ),
        ),
        (
            "/api/live",
            "get",
            operation(
                "getLive",
                TAG,
                "Server-Sent Events：每条提及的变化；用 Last-Event-ID 续上",
                ok={
                    "description": "事件流（text/event-stream），每个事件带提及现在的样子",
                    "content": {
                        "text/event-stream": {
                            "schema": {"type": "string"},
                            "examples": {"ok": {"value": ": connected\r\n\r\n"}},
                        }
                    },
                },
                params=(
                    {
                        "name": "Last-Event-ID",
                        "in": "header",
                        "description": "断线前收到的最后一个事件编号",
                        "schema": {"type": "string"},
                    },
                ),
            ),
        ),
        (
            "/api/me",
            "get",
            operation(
                "getMe",
                TAG,
                "当前登录的人，和写入时要带的 CSRF 令牌",
                ok=_ok(
                    "当前用户",
                    obj(
                        {
                            **USER["properties"],
                            "csrf": string("X-CSRF-Token 的值（令牌登录时为空）"),
                        }
                    ),
                    {
                        "name": "amy",
                        "role": "agent",
                        "role_label": "客服",
                        "display": "Amy",
                        "csrf": "",
                    },
                ),
            ),
        ),
        (
            "/api/me/away",
            "post",
            operation(
                "setAway",
                TAG,
                "暂时离开（不接收转交）或回来",
                ok=_ok(
                    "已设置",
                    obj({"name": string(), "away": BOOLEAN, "at": string(format="date-time")}),
                    {"name": "amy", "away": True, "at": NOW},
                ),
                errors=(400, 413),
                body=json_body(obj({"away": BOOLEAN}), {"away": {"away": True}}),
                security=WRITE,
            ),
        ),
        (
            "/api/team",
            "get",
            operation(
                "getTeam",
                TAG,
                "同事：登录名、显示名、是否离开",
                ok=_ok(
                    "同事",
                    obj({"people": array(PERSON)}),
                    {
                        "people": [
                            {"name": "bo", "display": "Bo", "away": False, "away_since": None}
                        ]
                    },
                ),
            ),
        ),
        (
            "/api/snippets",
            "get",
            operation(
                "getSnippets",
                TAG,
                "快捷短语：自己的和团队的，按名称排序",
                ok=_ok(
                    "快捷短语",
                    obj({"mine": array(SNIPPET), "team": array(SNIPPET)}),
                    {"mine": [{"name": "物流", "text": "快递一般 2-3 天到"}], "team": []},
                ),
            ),
        ),
        (
            "/api/snippets",
            "post",
            operation(
                "saveSnippet",
                TAG,
                "保存快捷短语（同名替换；团队的需要组长）",
                ok=_ok(
                    "已保存",
                    obj({"scope": SCOPE, "name": string(), "text": string()}),
                    {"scope": "mine", "name": "物流", "text": "快递一般 2-3 天到"},
                ),
                errors=(400, 403, 409, 413),
                body=json_body(
                    obj(
                        {
                            "scope": SCOPE,
                            "name": string(maxLength=20),
                            "text": string(maxLength=500),
                        }
                    ),
                    {"mine": {"scope": "mine", "name": "物流", "text": "快递一般 2-3 天到"}},
                ),
                security=WRITE,
            ),
        ),
        (
            "/api/snippets/delete",
            "post",
            operation(
                "deleteSnippet",
                TAG,
                "删除快捷短语（团队的需要组长）",
                ok=_ok(
                    "已删除",
                    obj({"scope": SCOPE, "name": string(), "deleted": BOOLEAN}),
                    {"scope": "mine", "name": "物流", "deleted": True},
                ),
                errors=(400, 403, 404, 413),
                body=json_body(
                    obj({"scope": SCOPE, "name": string(maxLength=20)}),
                    {"mine": {"scope": "mine", "name": "物流"}},
                ),
                security=WRITE,
            ),
        ),
        (
            "/api/people/link",
            "post",
            operation(
                "linkPeople",
                TAG,
                "两个账号是同一个人（记入操作记录）",
                ok=_ok(
                    "已关联（size：这个人现在有几个账号）",
                    obj({"linked": BOOLEAN, "a": ACCOUNT, "b": ACCOUNT, "size": INTEGER}),
                    {**PAIR_EXAMPLE, "linked": True, "size": 2},
                ),
                errors=(400, 409, 413),
                body=json_body(PAIR, {"pair": PAIR_EXAMPLE}),
                security=WRITE,
            ),
        ),
        (
            "/api/people/unlink",
            "post",
            operation(
                "unlinkPeople",
                TAG,
                "取消两个账号的关联",
                ok=_ok(
                    "已取消",
                    obj({"linked": BOOLEAN, "a": ACCOUNT, "b": ACCOUNT}),
                    {**PAIR_EXAMPLE, "linked": False},
                ),
                errors=(400, 409, 413),
                body=json_body(PAIR, {"pair": PAIR_EXAMPLE}),
                security=WRITE,
            ),
        ),
    ]
