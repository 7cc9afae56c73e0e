"""The API's description: GET /api/openapi.json (OpenAPI 3.1, from responder/web/openapi/)
and GET /api/docs, the same document as a page people read (rendered on the server: the
CSP allows no inline script, and nothing comes from a CDN)."""

from __future__ import annotations

import functools
import json
from typing import Any

import orjson
from aiohttp import web

from responder.web.auth import csrf_token, current_user
from responder.web.openapi import TAGS, document
from responder.web.pages import render

routes = web.RouteTableDef()
METHODS = ("get", "post", "put", "patch", "delete")
SECURITY = {
    "bearer": "API 令牌",
    "session": "登录会话",
    "csrf": "X-CSRF-Token",
    "metricsToken": "指标令牌（[metrics] token_env）",
}
PLACES = {"path": "路径", "query": "查询", "header": "请求头", "cookie": "Cookie"}


@functools.cache
def _encoded() -> bytes:
    return orjson.dumps(document())


@routes.get("/api/openapi.json")
async def openapi(request: web.Request) -> web.Response:
    """The OpenAPI 3.1 description of every route."""
    return web.Response(body=_encoded(), content_type="application/json")


@routes.get("/api/docs")
async def docs(request: web.Request) -> web.Response:
    """The description as a page: each area, each operation with its parameters, body,
    answers and examples, then the shared data structures."""
    user = current_user(request)
    return render(
        request,
        "ui/api_docs.html",
        csrf=csrf_token(request),
        display=user.display or user.name,
        **_view(),
    )


@functools.cache
def _view() -> dict[str, Any]:
    doc = document()
    areas: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in TAGS}
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                op = item[method]
                areas[op["tags"][0]].append(_operation(path, method, op))
    schemas = doc["components"]["schemas"]
    return {
        "title": doc["info"]["title"],
        "intro": doc["info"]["description"],
        "areas": [
            {"name": name, "title": title, "operations": areas[name]}
            for name, title in TAGS
            if areas[name]
        ],
        "structures": [{"name": name, **_shape(schema)} for name, schema in schemas.items()],
        "errors": [
            {"name": name, "description": answer["description"], **_examples(answer)}
            for name, answer in doc["components"]["responses"].items()
        ],
    }


def _operation(path: str, method: str, op: dict[str, Any]) -> dict[str, Any]:
    body = op.get("requestBody")
    return {
        "anchor": op["operationId"],
        "method": method.upper(),
        "path": path,
        "summary": op["summary"],
        "description": op.get("description", ""),
        "security": _security(op.get("security", [])),
        "params": [
            {
                "name": p["name"],
                "place": PLACES[p["in"]],
                "required": p.get("required", False),
                "type": _type(p["schema"]),
                "description": p.get("description", ""),
            }
            for p in op.get("parameters", [])
        ],
        "body": _content(body) if body else None,
        "responses": [_response(status, answer) for status, answer in op["responses"].items()],
    }


def _security(options: list[dict[str, list[str]]]) -> str:
    said = ["公开" if not o else " + ".join(SECURITY[k] for k in o) for o in options]
    return "，或 ".join(said)


def _response(status: str, answer: dict[str, Any]) -> dict[str, Any]:
    ref = answer.get("$ref")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        return {"status": status, "error": name, "description": "", "content": None}
    return {
        "status": status,
        "error": "",
        "description": answer["description"],
        "content": _content(answer) if "content" in answer else None,
    }


def _content(part: dict[str, Any]) -> dict[str, Any]:
    kinds = list(part["content"])
    media = part["content"][kinds[0]]
    return {"kinds": kinds, **_shape(media["schema"]), **_examples(part)}


def _examples(part: dict[str, Any]) -> dict[str, Any]:
    shown = []
    for media in part.get("content", {}).values():
        for name, example in media.get("examples", {}).items():
            value = example["value"]
            text = (
                value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=2)
            )
            shown.append({"name": name, "text": text})
    return {"examples": shown}


def _shape(schema: dict[str, Any]) -> dict[str, Any]:
    """A schema as people read it: its type, and the fields of an object (nested ones
    dotted, one level down)."""
    return {
        "type": _type(schema),
        "fields": _fields(schema, "", 0),
        "what": schema.get("description", ""),
    }


def _fields(schema: dict[str, Any], prefix: str, depth: int) -> list[dict[str, Any]]:
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        return _fields(schema["items"], prefix + "[]." if prefix else "", depth)
    properties = schema.get("properties")
    if not properties or depth > 1:
        return []
    required = set(schema.get("required", []))
    rows = []
    for name, part in properties.items():
        rows.append(
            {
                "name": prefix + name,
                "type": _type(part),
                "required": name in required,
                "description": part.get("description", ""),
            }
        )
        rows += _fields(part, f"{prefix}{name}.", depth + 1) if "properties" in part else []
    return rows


def _type(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(_type(s) for s in schema["anyOf"])
    kind = schema.get("type", "any")
    text = " | ".join(kind) if isinstance(kind, list) else str(kind)
    if kind == "array" and isinstance(schema.get("items"), dict):
        text = _type(schema["items"]) + "[]"
    if "enum" in schema:
        text += "：" + "、".join(json.dumps(v, ensure_ascii=False) for v in schema["enum"])
    if "format" in schema:
        text += f"（{schema['format']}）"
    return text


def install(app: web.Application) -> None:
    app.add_routes(routes)
