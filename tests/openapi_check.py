"""Checking JSON against the API's own description (responder/web/openapi/) with
jsonschema's Draft 2020-12 validator: a schema is named by its JSON pointer in the document,
so its `#/components/...` references resolve within the document."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from responder.web.openapi import document

DOC = document()
BASE = "urn:tiexin:openapi"
REGISTRY: Registry[Any] = Registry().with_resource(BASE, DRAFT202012.create_resource(DOC))


def pointer(*parts: str) -> str:
    """A JSON pointer to `parts` of the document (RFC 6901 escapes)."""
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def errors_at(where: str, value: Any) -> list[str]:
    """What is wrong with `value` against the schema at pointer `where` (none: it fits)."""
    validator = Draft202012Validator(
        {"$ref": f"{BASE}#{quote(where)}"},
        registry=REGISTRY,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(value)
    ]


def answer_schema(method: str, path: str, status: int) -> str:
    """The pointer of the JSON schema documented for `status` of `method path` (a KeyError
    when that status is not documented for it)."""
    answer = DOC["paths"][path][method]["responses"][str(status)]
    if "$ref" in answer:
        name = answer["$ref"].rsplit("/", 1)[-1]
        return pointer("components", "responses", name, "content", "application/json", "schema")
    return pointer(
        "paths", path, method, "responses", str(status), "content", "application/json", "schema"
    )


def check_answer(method: str, path: str, status: int, body: Any) -> None:
    """Assert `body` (a real answer) keeps what the description says of it."""
    found = errors_at(answer_schema(method, path, status), body)
    assert not found, f"{method.upper()} {path} {status} breaks its schema: {found[:5]}"
