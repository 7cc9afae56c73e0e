"""Building blocks of the OpenAPI description: schema shorthands, the error shape and its
responses, security, and the operation helper every area module uses."""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]
Operation = dict[str, Any]

MENTION_ID_EXAMPLE = "3f2a9c0d1e8b7a64"
AT = "2026-12-03T01:20:00+00:00"  # the times the examples use (UTC, as the API answers)
LATER = "2026-12-03T01:25:00+00:00"

# Security: a browser session (its writes also send the page's CSRF token) or an API token.
Security = list[dict[str, list[str]]]
READ: Security = [{"bearer": []}, {"session": []}]
WRITE: Security = [{"bearer": []}, {"session": [], "csrf": []}]
OPTIONAL: Security = [{}, {"bearer": []}, {"session": []}]  # open, but a login sees more
NONE: Security = [{}]


def ref(name: str) -> Schema:
    """A reference to a schema under components/schemas."""
    return {"$ref": f"#/components/schemas/{name}"}


def string(description: str = "", **more: Any) -> Schema:
    return {"type": "string", **({"description": description} if description else {}), **more}


def nullable(schema: Schema) -> Schema:
    """`schema` or null (JSON Schema 2020-12: a list of types)."""
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    kind = schema["type"]
    return {**schema, "type": [*(kind if isinstance(kind, list) else [kind]), "null"]}


TIME = string(format="date-time")
MAYBE_TIME = nullable(TIME)
INTEGER: Schema = {"type": "integer"}
NUMBER: Schema = {"type": "number"}
BOOLEAN: Schema = {"type": "boolean"}
STRINGS: Schema = {"type": "array", "items": {"type": "string"}}
NAMES: Schema = {"type": "object", "additionalProperties": {"type": "string"}}


def obj(
    properties: dict[str, Schema],
    required: tuple[str, ...] | None = None,
    *,
    closed: bool = True,
    description: str = "",
) -> Schema:
    """An object schema; `required` defaults to every property; `closed` refuses others."""
    out: Schema = {"type": "object", "properties": properties}
    out["required"] = list(properties if required is None else required)
    if closed:
        out["additionalProperties"] = False
    if description:
        out["description"] = description
    return out


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def path_param(name: str, description: str, example: str, pattern: str = "") -> Schema:
    schema = string(**({"pattern": pattern} if pattern else {}))
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": schema,
        "example": example,
    }


def query(name: str, description: str, schema: Schema, example: Any = None) -> Schema:
    param = {"name": name, "in": "query", "description": description, "schema": schema}
    if example is not None:
        param["example"] = example
    return param


MENTION = path_param(
    "id", "提及的编号：16 位小写十六进制", MENTION_ID_EXAMPLE, pattern="^[0-9a-f]{16}$"
)
LIMIT = query("limit", "每页条数", {"type": "integer", "minimum": 1, "maximum": 1000}, 100)
OFFSET = query("offset", "跳过的条数", {"type": "integer", "minimum": 0}, 0)


def json_body(schema: Schema, examples: dict[str, Any], *, required: bool = True) -> Schema:
    """A JSON request body with named examples."""
    return {
        "required": required,
        "content": {"application/json": {"schema": schema, "examples": _named(examples)}},
    }


def json_answer(description: str, schema: Schema, examples: dict[str, Any]) -> Schema:
    """A JSON response with named examples."""
    return {
        "description": description,
        "content": {"application/json": {"schema": schema, "examples": _named(examples)}},
    }


def _named(examples: dict[str, Any]) -> dict[str, Any]:
    return {name: {"value": value} for name, value in examples.items()}


def operation(
    op_id: str,
    tag: str,
    summary: str,
    *,
    ok: Schema,
    errors: tuple[int, ...] = (),
    params: tuple[Schema, ...] = (),
    body: Schema | None = None,
    security: list[dict[str, list[str]]] | None = None,
    description: str = "",
    status: int = 200,
) -> Operation:
    """One operation: its 200 (or `status`) answer and the API errors it may give, by
    status (each the shared error response; 401 and 503 come with every signed-in one)."""
    op: Operation = {"operationId": op_id, "tags": [tag], "summary": summary}
    if description:
        op["description"] = description
    if params:
        op["parameters"] = list(params)
    if body is not None:
        op["requestBody"] = body
    statuses = set(errors)
    if security is None or security in (READ, WRITE):
        statuses |= {401, 503}
    responses: dict[str, Any] = {str(status): ok}
    for code in sorted(statuses):
        responses[str(code)] = {"$ref": f"#/components/responses/{ERROR_NAMES[code]}"}
    op["responses"] = responses
    op["security"] = security if security is not None else READ
    return op


FINDING = obj(
    {"rule": string("风格规则"), "message": string("中文说明"), "words": STRINGS},
)
ERROR = obj(
    {
        "error": string("出了什么问题（人能读懂的一句话）"),
        "field": string("出错的字段或参数（只在某个字段有问题时）"),
        "code": string(
            "可供程序判断的原因",
            enum=[
                "maybe_sent",
                "held",
                "not_held",
                "not_holder",
                "stale",
                "away",
                "lead_required",
                "same",
                "linked",
                "not_linked",
                "too_many",
                "not_saved",
            ],
        ),
        "held_by": string("code 为 held：谁批准的回复正在倒计时"),
        "claimed_by": nullable(string("code 为 not_holder：现在谁认领着")),
        "seen": string("code 为 stale：看到最新内容时应回传的 seen"),
        "reply_until": string("平台只在这之前接受回复", format="date-time"),
        "findings": {**array(FINDING), "description": "风格检查的发现（422）"},
    },
    required=("error",),
    description='Every error under /api/ is JSON: `{"error", "field"?, "code"?, ...}`.',
)

# Status → (components/responses name, description, example body).
ERRORS: dict[int, tuple[str, str, dict[str, Any]]] = {
    400: ("BadRequest", "输入有误", {"error": '"text" must be a string', "field": "text"}),
    401: ("Unauthorized", "未登录", {"error": "请先登录"}),
    403: ("Forbidden", "没有权限，或 CSRF 校验失败", {"error": "需要组长权限"}),
    404: (
        "NotFound",
        "没有这条提及（或这个路由）",
        {"error": f"no mention with id {MENTION_ID_EXAMPLE}"},
    ),
    409: (
        "Conflict",
        "当前状态不允许这个操作",
        {"error": f"mention {MENTION_ID_EXAMPLE} is claimed by bo"},
    ),
    413: ("TooLarge", "请求体超过 64 KiB", {"error": "Maximum request body size 65536 exceeded"}),
    422: (
        "StyleCheck",
        "没通过风格检查，或平台的回复窗口已关闭",
        {
            "error": "这条回复没通过风格检查：不要说“亲”",
            "field": "text",
            "findings": [{"rule": "banned", "message": "不要说“亲”", "words": ["亲"]}],
        },
    ),
    503: (
        "Unavailable",
        "Redis 暂时不可用，稍后再试；写入时也可能是 Redis 备份没有及时确认（code not_saved），"
        "这次操作可能没有保存，再做一次",
        {"error": "Redis is unavailable; try again in a few seconds"},
    ),
}
ERROR_NAMES = {code: name for code, (name, _, _) in ERRORS.items()}


def components() -> dict[str, Any]:
    """The shared error responses, the error schema and the security schemes."""
    responses = {
        name: json_answer(text, ref("Error"), {"example": example})
        for name, text, example in ERRORS.values()
    }
    return {
        "schemas": {"Error": ERROR, "Finding": FINDING},
        "responses": responses,
        "securitySchemes": {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "每个用户的 API 令牌（`tiexin user token NAME`）",
            },
            "session": {
                "type": "apiKey",
                "in": "cookie",
                "name": "tiexin_session",
                "description": "在 /login 登录后浏览器带的会话 cookie",
            },
            "metricsToken": {
                "type": "http",
                "scheme": "bearer",
                "description": "只开 /metrics 的令牌，放在 [metrics] token_env 说的环境变量里",
            },
            "csrf": {
                "type": "apiKey",
                "in": "header",
                "name": "X-CSRF-Token",
                "description": "用会话 cookie 写入时必须带（GET /api/me 的 csrf）",
            },
        },
    }
