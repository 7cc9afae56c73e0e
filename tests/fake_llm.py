"""A fake OpenAI-compatible chat-completions service on loopback: each request gets the
next scripted answer (JSON drafts, an error status, a raw body, or no answer at all), and
every request is recorded with its headers and JSON body."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

USAGE = {"prompt_tokens": 900, "completion_tokens": 60}


@dataclass
class Answer:
    """One scripted answer: `drafts` as the message's JSON, or `raw` as the whole body, or
    `content` as the message text; `status` and `headers` as given; `hang`: never answer."""

    drafts: list[str] | None = None
    content: str | None = None
    raw: str | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    usage: dict[str, int] = field(
        default_factory=lambda: {"prompt_tokens": 900, "completion_tokens": 60}
    )
    hang: bool = False


@dataclass
class Seen:
    headers: dict[str, str]
    body: dict[str, Any]


class FakeModel:
    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.seen: list[Seen] = []
        self.release = asyncio.Event()  # lets a hanging handler end at teardown

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self.complete)
        return app

    async def complete(self, request: web.Request) -> web.Response:
        self.seen.append(Seen(dict(request.headers), await request.json()))
        answer = self.answers.pop(0) if self.answers else Answer(drafts=[])
        if answer.hang:
            await self.release.wait()
        if answer.raw is not None:
            return web.Response(status=answer.status, text=answer.raw, headers=answer.headers)
        if answer.status != 200:
            error = {"error": {"message": "over quota" if answer.status == 429 else "boom"}}
            return web.json_response(error, status=answer.status, headers=answer.headers)
        content = answer.content
        if content is None:
            content = json.dumps({"drafts": answer.drafts}, ensure_ascii=False)
        body = {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "model": self.seen[-1].body.get("model"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {**answer.usage, "total_tokens": sum(answer.usage.values())},
        }
        return web.json_response(body)


@asynccontextmanager
async def serve(fake: FakeModel) -> AsyncIterator[str]:
    """Run the fake on 127.0.0.1, port 0; yield its base_url (".../v1")."""
    server = TestServer(fake.app(), host="127.0.0.1", port=0)
    await server.start_server()
    try:
        yield str(server.make_url("/v1"))
    finally:
        fake.release.set()
        await server.close()
