"""The OpenAPI description (GET /api/openapi.json) is valid OpenAPI 3.1, describes every
route the app serves and nothing else, and every example in it keeps its own schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import web
from openapi_spec_validator import validate

from responder.config import ConnectorConfig
from responder.web.docs import SECURITY
from responder.web.openapi import TAGS
from tests.conftest import MakeClient
from tests.openapi_check import DOC, errors_at, pointer
from tests.weibo_dm_rig import options

METHODS = ("get", "post", "put", "patch", "delete")
HOOKS = "/hooks/{path}"  # push connectors' own paths, described once (generically)


def test_the_description_is_valid_openapi_3_1() -> None:
    validate(DOC)  # raises with the fault's place in the document
    assert DOC["openapi"].startswith("3.1")


def test_a_broken_description_is_refused() -> None:
    """The check above can fail: a path parameter no operation declares is a fault."""
    answers = {"200": {"description": "ok"}}
    broken = {**DOC, "paths": {"/x/{nope}": {"get": {"responses": answers}}}}
    with pytest.raises(Exception, match="nope"):
        validate(broken)


def routes_of(app: web.Application) -> set[tuple[str, str]]:
    """(method, path) of every route in the app's router: no static files, no HEAD."""
    found = set()
    for resource in app.router.resources():
        if isinstance(resource, web.StaticResource):
            continue
        for route in resource:
            method = route.method.lower()
            if method == "head":
                continue
            if method == "*":  # a push connector: the platform calls its path (GET, POST)
                assert resource.canonical.startswith("/hooks/"), resource.canonical
                found |= {("get", HOOKS), ("post", HOOKS)}
                continue
            found.add((method, resource.canonical))
    return found


def described() -> set[tuple[str, str]]:
    return {(m, path) for path, item in DOC["paths"].items() for m in METHODS if m in item}


async def test_every_route_is_described_and_every_description_is_a_route(
    make_client: MakeClient,
) -> None:
    dm = ConnectorConfig(name="lanxing-dm", type="weibo_dm", options=options("http://127.0.0.1:9"))
    client = await make_client("oa", dm)
    app = client.app
    assert isinstance(app, web.Application)
    served = routes_of(app)
    assert ("post", "/api/mentions/{id}/approve") in served and ("get", HOOKS) in served
    assert sorted(served - described()) == [], "routes the description leaves out"
    assert sorted(described() - served) == [], "described operations the app does not serve"


async def test_the_document_is_served_as_json(make_client: MakeClient) -> None:
    client = await make_client("oa")
    answer = await client.get("/api/openapi.json")
    assert answer.status == 200 and answer.content_type == "application/json"
    assert await answer.json() == DOC
    nobody = await client.get("/api/openapi.json", headers={"Authorization": "Bearer nobody"})
    assert nobody.status == 401


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in DOC["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def examples() -> Iterator[tuple[str, Any]]:
    """(pointer of the schema, example value) for every example in the document."""
    for path, method, op in operations():
        for n, param in enumerate(op.get("parameters", [])):
            if "example" in param:
                yield (
                    pointer("paths", path, method, "parameters", str(n), "schema"),
                    param["example"],
                )
        parts: list[tuple[str, ...]] = [("requestBody",)] if "requestBody" in op else []
        parts += [("responses", status) for status in op["responses"]]
        for part in parts:
            yield from _media(("paths", path, method, *part), _at(op, part))
    for name, answer in DOC["components"]["responses"].items():
        yield from _media(("components", "responses", name), answer)


def _at(op: dict[str, Any], part: tuple[str, ...]) -> dict[str, Any]:
    found: dict[str, Any] = op
    for key in part:
        found = found[key]
    return found


def _media(where: tuple[str, ...], part: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    for kind, media in part.get("content", {}).items():
        for example in media.get("examples", {}).values():
            yield pointer(*where, "content", kind, "schema"), example["value"]


def test_every_example_keeps_its_schema() -> None:
    checked = list(examples())
    assert len(checked) > 60
    wrong = {where: found for where, value in checked if (found := errors_at(where, value))}
    assert wrong == {}


def test_an_example_that_breaks_its_schema_is_caught() -> None:
    where = pointer("components", "schemas", "Mention")
    assert errors_at(where, {"id": 1})  # the check can fail
    assert errors_at(pointer("components", "schemas", "Error"), {"error": "x", "extra": 1})


def test_every_json_body_and_success_has_an_example() -> None:
    missing = []
    for path, method, op in operations():
        parts = [("body", op.get("requestBody", {}))]
        parts += [(s, a) for s, a in op["responses"].items() if s.startswith("2")]
        for name, part in parts:
            for kind, media in part.get("content", {}).items():
                if kind == "application/json" and not media.get("examples"):
                    missing.append(f"{method} {path} {name}")
    assert missing == []


def test_every_operation_has_an_area_with_a_chinese_heading() -> None:
    areas = dict(TAGS)
    ids = [op["operationId"] for _, _, op in operations()]
    assert len(ids) == len(set(ids)), "operationIds must be unique"
    for path, method, op in operations():
        assert [tag for tag in op["tags"] if tag in areas] == op["tags"], (method, path)


def test_the_reference_page_names_every_security_scheme() -> None:
    """/api/docs says in Chinese what each scheme is; one it cannot name would fail it."""
    assert set(DOC["components"]["securitySchemes"]) == set(SECURITY)
