"""The OpenAPI 3.1 description of every route the app serves, kept as data: one module per
area, each with `operations()` giving (path, method, operation) triples.

To describe a new route: add a triple to its area's `operations()` (or a new module, listed
in AREAS below), built with `common.operation(...)`: a summary, the 200 answer with a
named example (`json_answer`), the request body with one (`json_body`), the parameters and
the error statuses it may give. tests/test_openapi.py fails until every route of the app's
router is described (and every description is a route), and until every example keeps its
schema. A new area's tag gets its Chinese heading in TAGS.
"""

from __future__ import annotations

import functools
from typing import Any

from responder.web.openapi import (
    common,
    leads,
    mentions,
    models,
    pages,
    reports,
    voice,
    workspace,
)

AREAS = (mentions, workspace, leads, reports, voice, pages)
TAGS = (
    ("mentions", "一条提及：查看、回复和处理"),
    ("workspace", "工作台：队列、名称、实时更新、同事和快捷短语"),
    ("leads", "组长：操作记录和回复库"),
    ("reports", "组长：报表"),
    ("system", "系统：健康检查和这份说明"),
    ("pages", "页面和表单"),
    ("hooks", "平台推送"),
)


@functools.cache
def document() -> dict[str, Any]:
    """The whole description (built once; treat it as read-only)."""
    paths: dict[str, dict[str, Any]] = {}
    for area in AREAS:
        for path, method, op in area.operations():
            assert method not in paths.get(path, {}), f"{method} {path} described twice"
            paths.setdefault(path, {})[method] = op
    parts = common.components()
    parts["schemas"].update(models.schemas())
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "贴心 Tiexin API",
            "version": "0.1.0",
            "description": (
                "Every /api/ route but /api/health needs a login: a browser session "
                "(writes also send X-CSRF-Token) or an API token (Authorization: Bearer). "
                'Bodies are JSON; every error under /api/ is `{"error", "field"?, "code"?}`.'
            ),
        },
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "tags": [{"name": name, "description": text} for name, text in TAGS],
        "paths": dict(sorted(paths.items())),
        "components": parts,
    }
