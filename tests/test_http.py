"""The shared HTTP session: transport failures become typed errors, over real loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from connectors.errors import BadPayload, Unavailable
from connectors.http import Http


async def _json(request: web.Request) -> web.Response:
    return web.json_response({"ok": True, "q": dict(request.query)})


async def _error_json(request: web.Request) -> web.Response:
    return web.json_response({"error": "x", "error_code": 10023}, status=403)


async def _html_502(request: web.Request) -> web.Response:
    return web.Response(text="<html><body>502 Bad Gateway</body></html>", status=502)


async def _empty(request: web.Request) -> web.Response:
    return web.Response(body=b"", status=200)


async def _not_json(request: web.Request) -> web.Response:
    return web.Response(text='{"comments": [', status=200)


async def _hang(request: web.Request) -> web.Response:
    await asyncio.sleep(2)  # longer than the client's timeout: a bound, not a timer
    return web.json_response({})


async def _echo_form(request: web.Request) -> web.Response:
    form = await request.post()
    return web.json_response({"comment": form["comment"]})


@pytest.fixture
async def server() -> AsyncIterator[TestServer]:
    app = web.Application()
    app.router.add_get("/json", _json)
    app.router.add_get("/error", _error_json)
    app.router.add_get("/502", _html_502)
    app.router.add_get("/empty", _empty)
    app.router.add_get("/broken", _not_json)
    app.router.add_get("/hang", _hang)
    app.router.add_post("/form", _echo_form)
    running = TestServer(app, host="127.0.0.1", port=0)
    await running.start_server()
    yield running
    await running.close()


async def test_json_answers_come_back_with_their_status(server: TestServer, http: Http) -> None:
    ok = await http.request("GET", str(server.make_url("/json")), params={"a": "1"})
    assert ok.status == 200 and ok.data == {"ok": True, "q": {"a": "1"}}
    refused = await http.request("GET", str(server.make_url("/error")))
    assert refused.status == 403 and refused.data["error_code"] == 10023  # the connector decides


async def test_a_form_carries_4_byte_utf8(server: TestServer, http: Http) -> None:
    text = "抱歉久等了😀[心]"
    reply = await http.request("POST", str(server.make_url("/form")), form={"comment": text})
    assert reply.data == {"comment": text}


@pytest.mark.parametrize(
    ("path", "error", "words"),
    [
        ("/502", Unavailable, "HTTP 502, not JSON"),
        ("/empty", Unavailable, "empty body"),
        ("/hang", Unavailable, "timed out"),
        ("/broken", BadPayload, "body is not JSON"),
    ],
)
async def test_no_usable_answer_is_a_typed_error_without_the_query(
    server: TestServer, http: Http, path: str, error: type[Exception], words: str
) -> None:
    url = str(server.make_url(path))
    with pytest.raises(error) as caught:
        await http.request("GET", url + "?access_token=s3cr3t")
    assert words in str(caught.value)
    assert "s3cr3t" not in str(caught.value)  # a token in the query never reaches a message
    if isinstance(caught.value, BadPayload):
        assert caught.value.raw == '{"comments": ['  # kept for the dead-letter stream


async def test_a_refused_connection_is_unavailable(http: Http) -> None:
    with pytest.raises(Unavailable, match="ClientConnectorError"):
        await http.request("GET", "http://127.0.0.1:9/nothing-listens-here")
