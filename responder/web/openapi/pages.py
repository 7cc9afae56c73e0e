"""What is not JSON for a script: health, this description and its page, the pages and
forms people use (responder/web/pages.py, login.py, ack.py) and the platforms' pushes
(connectors with a `path`, mounted by responder/runtime.py)."""

from __future__ import annotations

from typing import Any

from responder.web.openapi.common import (
    ERROR_NAMES,
    NONE,
    OPTIONAL,
    READ,
    TIME,
    Schema,
    json_answer,
    obj,
    operation,
    path_param,
    query,
    string,
)

SYSTEM, PAGES, HOOKS = "system", "pages", "hooks"
HTML = {"text/html": {"schema": {"type": "string"}}}
FOUND = {
    "description": "跳转（Location 指向下一页）",
    "headers": {"Location": {"schema": {"type": "string"}}},
}
TO_LOGIN = {"302": {**FOUND, "description": "没登录：跳到 /login?next=…"}}

HEALTH = {
    "type": "object",
    "required": ["status", "role"],
    "properties": {
        "status": string(enum=["ok", "degraded", "failing"]),
        "role": string(description="这个进程的角色：all，或 web、worker、poller、sweeper 的组合"),
        "failing": {"type": "array", "items": {"type": "string"}, "description": "出问题的部分"},
        "degraded": {
            "type": "array",
            "items": {"type": "string"},
            "description": "能用但打了折扣的部分（replication：写入先回 503）",
        },
        "redis": obj({"state": string(enum=["ok", "down", "restarting"])}, closed=False),
        "replication": obj(
            {
                "state": string(enum=["off", "ok", "degraded"]),
                "replicas": {"type": "integer", "description": "每次写入要等几个副本确认"},
                "timeout_ms": {"type": "integer", "description": "最多等多久（毫秒）"},
                "since": TIME,
                "reason": string("为什么没确认（degraded 时）"),
                "refused": {"type": "integer", "description": "从那以后没能确认的写入数"},
            },
            ("state", "replicas"),
        ),
        "tasks": {"type": "object", "additionalProperties": {"type": "object"}},
        "scoring": obj({"state": string(), "detail": string()}, ("state",)),
        "connectors": {"type": "object", "additionalProperties": {"type": "object"}},
        "stats": {"type": "object", "additionalProperties": {"type": "integer"}},
        "queued": {"type": "integer"},
        "outbox": obj(
            {
                "to_send": {"type": "integer"},
                "retrying": {"type": "integer"},
                "manual": {"type": "integer"},
            }
        ),
        "alerts": obj({"state": string()}, closed=False),
        "drafts_llm": {"type": "object"},
        "config": obj(
            {
                "version": {"type": "integer", "description": "这个进程在用的配置版本"},
                "refused": string(description="没能用上的版本和原因（空：都用上了）"),
            }
        ),
    },
    "additionalProperties": False,
    "description": "没登录只有 status 和 role；登录或带令牌时是全部细节",
}
HEALTH_EXAMPLE = {
    "status": "ok",
    "role": "all",
    "failing": [],
    "redis": {"state": "ok"},
    "tasks": {"pipeline": {"state": "ok", "failures": 0}},
    "scoring": {"state": "ok"},
    "connectors": {"demo": {"state": "ok"}},
    "stats": {"duplicates": 0},
    "queued": 3,
    "outbox": {"to_send": 0, "retrying": 0, "manual": 0},
    "alerts": {"state": "off", "detail": "no [alerts.channels]: nobody is paged", "waiting": 0},
    "config": {"version": 3, "refused": ""},
}
TOKEN = path_param("token", "告警里签名的确认令牌（会过期）", "m.3f2a9c0d1e8b7a64.1796347200.c2ln")


def html_page(
    op_id: str, tag: str, summary: str, security: list[dict[str, list[str]]], **more: Any
) -> dict[str, Any]:
    """An HTML page: 200 and its other answers (`responses`)."""
    responses = {"200": {"description": "HTML 页面", "content": HTML}, **more.pop("responses", {})}
    return {
        "operationId": op_id,
        "tags": [tag],
        "summary": summary,
        **more,
        "responses": responses,
        "security": security,
    }


def _form(fields: dict[str, Schema], example: dict[str, str]) -> Schema:
    return {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": obj(fields, required=tuple(k for k in fields if k != "next")),
                "examples": {"form": {"value": example}},
            }
        },
    }


# Prometheus scrapes this process's /metrics with the token `[metrics] token_env` names
# (docs/metrics.md); a user's API token does not open it.
METRICS: dict[str, Any] = {
    "operationId": "getMetrics",
    "tags": [SYSTEM],
    "summary": "Prometheus 指标（本进程的计数和队列状态；令牌见 [metrics] token_env）",
    "security": [{"metricsToken": []}],
    "responses": {
        "200": {
            "description": "Prometheus 文本格式（Accept 要 OpenMetrics 时是 OpenMetrics）",
            "content": {
                "text/plain": {
                    "schema": {"type": "string"},
                    "example": "# TYPE tiexin_queue_depth gauge\ntiexin_queue_depth 12.0\n",
                }
            },
        },
        "401": {"$ref": f"#/components/responses/{ERROR_NAMES[401]}"},
        "404": {
            "description": "没有配置 [metrics] token_env：/metrics 没有开启（JSON 说明怎么开）"
        },
    },
}


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    """(path, method, operation) of every route this area has."""
    health = operation(
        "getHealth",
        SYSTEM,
        "健康检查：都正常 200，否则 503（JSON）",
        ok=json_answer(
            "都正常", HEALTH, {"signed_in": HEALTH_EXAMPLE, "open": {"status": "ok", "role": "all"}}
        ),
        security=OPTIONAL,
    )
    health["responses"]["200"]["content"]["application/json"]["examples"]["degraded"] = {
        "value": {"status": "degraded", "role": "all"}
    }
    health["responses"]["503"] = json_answer(
        "有部分出了问题（failing 说是哪些）",
        HEALTH,
        {"failing": {"status": "failing", "role": "all"}},
    )
    return [
        ("/api/health", "get", health),
        ("/metrics", "get", METRICS),
        (
            "/api/openapi.json",
            "get",
            operation(
                "getOpenApi",
                SYSTEM,
                "这份 OpenAPI 3.1 描述",
                ok=json_answer(
                    "OpenAPI 文档",
                    {"type": "object", "required": ["openapi", "paths"]},
                    {"head": {"openapi": "3.1.0", "paths": {}}},
                ),
            ),
        ),
        (
            "/api/docs",
            "get",
            html_page("getApiDocs", SYSTEM, "这份描述的阅读页", READ, responses=TO_LOGIN),
        ),
        ("/", "get", html_page("getWorkspace", PAGES, "工作台", READ, responses=TO_LOGIN)),
        (
            "/audit",
            "get",
            html_page(
                "getAuditPage",
                PAGES,
                "操作记录页（组长、管理员；客服得到 403 页）",
                READ,
                parameters=[
                    query(name, "同 GET /api/audit", {"type": "string"})
                    for name in ("since", "until", "actor", "type")
                ],
                responses={
                    **TO_LOGIN,
                    "400": {"description": "筛选条件有误（页面上说明）", "content": HTML},
                    "403": {"description": "需要组长权限", "content": HTML},
                },
            ),
        ),
        (
            "/admin/config",
            "get",
            html_page(
                "getConfigPage",
                PAGES,
                "生效中的配置页（只读，密钥隐去；管理员，其他人得到 403 页）",
                READ,
                responses={
                    **TO_LOGIN,
                    "403": {"description": "需要管理员权限", "content": HTML},
                },
            ),
        ),
        (
            "/login",
            "get",
            html_page(
                "getLogin",
                PAGES,
                "登录页",
                NONE,
                parameters=[
                    query("next", "登录后去哪（只能是本站的路径）", {"type": "string"}, "/")
                ],
            ),
        ),
        (
            "/login",
            "post",
            html_page(
                "login",
                PAGES,
                "登录：成功时 302 到 next，否则回到登录页并说明",
                NONE,
                requestBody=_form(
                    {
                        "name": string(),
                        "password": string(),
                        "csrf": string("登录页里的令牌"),
                        "next": string(),
                    },
                    {"name": "amy", "password": "…", "csrf": "…", "next": "/"},
                ),
                responses={
                    "302": FOUND,
                    "401": {"description": "用户名或密码不对", "content": HTML},
                    "403": {"description": "页面已过期（CSRF）", "content": HTML},
                    "429": {"description": "失败太多次，稍后再试", "content": HTML},
                },
            ),
        ),
        (
            "/logout",
            "post",
            {
                "operationId": "logout",
                "tags": [PAGES],
                "summary": "退出登录，303 到 /login",
                "requestBody": _form({"csrf": string()}, {"csrf": "…"}),
                "responses": {"303": {**FOUND, "description": "退出后到 /login"}},
                "security": [{"session": [], "csrf": []}],
            },
        ),
        (
            "/ack/{token}",
            "get",
            html_page(
                "getAckPage",
                PAGES,
                "告警链接：显示要确认什么和一个按钮，打开它不会确认",
                OPTIONAL,
                parameters=[TOKEN],
                responses={
                    "400": {"description": "令牌是伪造的", "content": HTML},
                    "404": {"description": "告警已过期不见了", "content": HTML},
                    "410": {"description": "链接已过期", "content": HTML},
                },
            ),
        ),
        (
            "/ack/{token}",
            "post",
            html_page(
                "postAck",
                PAGES,
                "按下确认：不再升级（登录的浏览器按其用户记，否则按告警发给的人）",
                OPTIONAL,
                parameters=[TOKEN],
                requestBody=_form({"csrf": string("登录时页面里的令牌")}, {"csrf": ""}),
                responses={
                    "400": {"description": "令牌是伪造的", "content": HTML},
                    "404": {"description": "告警已过期不见了", "content": HTML},
                    "410": {"description": "链接已过期", "content": HTML},
                    "503": {
                        "description": "可能没有保存成功（Redis 备份没有及时确认）：再按一次",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    },
                },
            ),
        ),
        *_hooks(),
    ]


HOOK = path_param(
    "path",
    "连接器配置的 path 在 /hooks/ 之后的部分（可以有多段，如 wechat/lanxing）",
    "wechat/lanxing",
)


PUSH_XML = (
    "<xml><ToUserName>gh_1</ToUserName><FromUserName>o-app</FromUserName>"
    "<CreateTime>1796260800</CreateTime><MsgType>text</MsgType>"
    "<Content>耳机坏了</Content><MsgId>777</MsgId></xml>"
)
PUSH_JSON = {"type": "text", "receiver_id": 1, "sender_id": 2, "text": "你好，客服在吗"}


def _hooks() -> list[tuple[str, str, dict[str, Any]]]:
    """Platforms that push (WeChat, Weibo private messages) call the `path` their connector
    is configured with; each checks the platform's signature, not a login."""
    common = {"tags": [HOOKS], "parameters": [HOOK], "security": NONE}
    return [
        (
            "/hooks/{path}",
            "get",
            {
                **common,
                "operationId": "verifyHook",
                "summary": "平台验证回调地址：签名正确时原样返回 echostr",
                "responses": {
                    "200": {
                        "description": "echostr",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    },
                    "400": {"description": "没有 echostr"},
                    "403": {"description": "签名不对"},
                },
            },
        ),
        (
            "/hooks/{path}",
            "post",
            {
                **common,
                "operationId": "pushHook",
                "summary": "平台推送消息：存好后才回 200，失败时平台会重推",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/xml": {
                            "schema": {"type": "string"},
                            "examples": {"wechat": {"value": PUSH_XML}},
                        },
                        "application/json": {
                            "schema": {"type": "object"},
                            "examples": {"weibo_dm": {"value": PUSH_JSON}},
                        },
                    },
                },
                "responses": {
                    "200": {"description": "收下了（平台要的回答）"},
                    "403": {"description": "签名不对"},
                    "413": {"description": "请求体太大"},
                    "503": {"description": "没存好（Redis 不可用，或备份没及时确认）：平台会重推"},
                },
            },
        ),
    ]
