"""What leads and admins read and keep: the audit log and the team's library of replies
(responder/web/audit.py, library.py)."""

from __future__ import annotations

from typing import Any

from responder.web.openapi.common import (
    AT,
    INTEGER,
    MENTION_ID_EXAMPLE,
    STRINGS,
    WRITE,
    Schema,
    array,
    json_answer,
    nullable,
    obj,
    operation,
    path_param,
    query,
    string,
)

TAG = "leads"
TIME_QUERY = {"type": "string", "description": "ISO 时间；不带时区时按团队时区"}
AUDIT_ROW = obj(
    {
        "at": string(format="date-time"),
        "at_local": string("团队时区的时间", format="date-time"),
        "actor": string("登录名，或系统的名字"),
        "actor_label": string("人读的名字"),
        "type": string("事件类型"),
        "type_label": string("中文的事件类型"),
        "mention": string(),
        "mention_text": string("提及的开头（过期后为空）"),
        "text": string("发出的回复、原因等"),
        "details": {"type": "object", "description": "事件的其他字段"},
    }
)
AUDIT = obj({"timezone": string(), "count": INTEGER, "items": array(AUDIT_ROW)})
AUDIT_EXAMPLE = {
    "timezone": "Asia/Shanghai",
    "count": 1,
    "items": [
        {
            "at": AT,
            "at_local": "2026-12-03T09:20:00+08:00",
            "actor": "amy",
            "actor_label": "Amy",
            "type": "approved",
            "type_label": "批准回复",
            "mention": MENTION_ID_EXAMPLE,
            "mention_text": "X7 又卡了，烦死了",
            "text": "抱歉让你烦心了",
            "details": {"draft_use": "as_is"},
        }
    ],
}
MAYBE_NUMBER = nullable({"type": "number"})
ENTRY_FIELDS: dict[str, Schema] = {
    "id": string(),
    "template": string("草稿里的模板名：library/<id>"),
    "state": string(enum=["candidate", "active", "pinned", "retired", "failed"]),
    "intent": string(),
    "tone": string(),
    "mention": string(),
    "reply": string("带占位符的回复"),
    "slots": STRINGS,
    "agent": string(),
    "how": string(),
    "platform": string(),
    "channel": string(),
    "sent_at": {**MAYBE_NUMBER, "description": "Unix 秒"},
    "settle_at": MAYBE_NUMBER,
    "reason": string(),
    "pinned_by": string(),
    "retired_by": string(),
    "complaint": string(),
}
ENTRY_REQUIRED = tuple(k for k in ENTRY_FIELDS if k not in ("pinned_by", "retired_by", "complaint"))
ENTRY = obj(ENTRY_FIELDS, ENTRY_REQUIRED)
ENTRY_EXAMPLE = {
    "id": "e1",
    "template": "library/e1",
    "state": "active",
    "intent": "complaint",
    "tone": "upset",
    "mention": MENTION_ID_EXAMPLE,
    "reply": "{name}你好，抱歉让你烦心了",
    "slots": ["name"],
    "agent": "amy",
    "how": "edited",
    "platform": "weibo",
    "channel": "public",
    "sent_at": 1796260800.0,
    "settle_at": 1796347200.0,
    "reason": "",
}
MARKED = obj(
    {**ENTRY_FIELDS, "was": string("之前的状态"), "by": string()},
    (*ENTRY_REQUIRED, "was", "by"),
)
ENTRY_ID = path_param("id", "条目编号", "e1")


def _ok(description: str, schema: Schema, example: Any) -> Schema:
    return json_answer(description, schema, {"ok": example})


def _mark(verb: str, state: str, summary: str) -> tuple[str, str, dict[str, Any]]:
    example = {**ENTRY_EXAMPLE, "state": state, "was": "active", "by": "lee"}
    return (
        f"/api/drafts/library/{{id}}/{verb}",
        "post",
        operation(
            f"{verb}LibraryEntry",
            TAG,
            summary,
            ok=_ok("已改", MARKED, example),
            errors=(403, 404, 409),
            params=(ENTRY_ID,),
            security=WRITE,
        ),
    )


CONFIG_VIEW = obj(
    {
        "version": INTEGER,
        "loaded_at": nullable(string("载入时间", format="date-time")),
        "by": string("谁载入的：tiexin reload 的用户@主机、start:主机、SIGHUP:主机"),
        "source": string("配置文件"),
        "refused": string("最新版本未能在本进程生效的原因（空：已生效）"),
        "config": {"type": "object", "description": "生效中的配置，密钥已隐去（***）"},
    }
)
CONFIG_EXAMPLE = {
    "version": 3,
    "loaded_at": AT,
    "by": "ops@host-1",
    "source": "config.toml",
    "refused": "",
    "config": {"sla": {"respond_within": 900.0, "warn_after": 600.0}, "users": []},
}


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    """(path, method, operation) of every route this area has."""
    return [
        (
            "/api/admin/config",
            "get",
            operation(
                "getEffectiveConfig",
                TAG,
                "生效中的配置（只读，密钥隐去；管理员）",
                ok=_ok("配置", CONFIG_VIEW, CONFIG_EXAMPLE),
                errors=(403,),
            ),
        ),
        (
            "/api/audit",
            "get",
            operation(
                "getAudit",
                TAG,
                "操作记录：每个人的每个操作，最新的在前（组长、管理员）",
                ok={
                    **_ok("记录", AUDIT, AUDIT_EXAMPLE),
                    "content": {
                        **_ok("", AUDIT, AUDIT_EXAMPLE)["content"],
                        "text/csv": {
                            "schema": {"type": "string"},
                            "examples": {
                                "csv": {
                                    "value": "\ufeff时间,操作人,操作,提及ID,提及内容,内容,详情\r\n"
                                }
                            },
                        },
                    },
                },
                errors=(400, 403),
                params=(
                    query("since", "从这个时间起", TIME_QUERY, "2026-12-03T09:00"),
                    query("until", "到这个时间为止（不含）", TIME_QUERY),
                    query("actor", "操作人的登录名", {"type": "string"}),
                    query("type", "事件类型，逗号分隔；all：全部（含系统的）", {"type": "string"}),
                    query("limit", "最多几条", {"type": "integer", "minimum": 1, "maximum": 10000}),
                    query(
                        "format",
                        "json（默认）或 csv（Excel 能打开的 UTF-8 带 BOM）",
                        {"type": "string", "enum": ["json", "csv"]},
                    ),
                ),
            ),
        ),
        (
            "/api/drafts/library",
            "get",
            operation(
                "getLibrary",
                TAG,
                "团队的好回复库，最新的在前（组长、管理员）",
                ok=_ok(
                    "条目",
                    obj({"count": INTEGER, "items": array(ENTRY)}),
                    {"count": 1, "items": [ENTRY_EXAMPLE]},
                ),
                errors=(400, 403),
                params=(
                    query("intent", "只看这个意图的", {"type": "string"}),
                    query(
                        "state",
                        "只看这个状态的（默认：除了 failed 的全部）",
                        {"type": "string", "enum": list(ENTRY_FIELDS["state"]["enum"])},
                    ),
                ),
            ),
        ),
        _mark("pin", "pinned", "置顶一个条目（草稿优先用它）"),
        _mark("retire", "retired", "停用一个条目"),
    ]
