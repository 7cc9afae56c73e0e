"""The fake api.weibo.com (PLATFORMS.md §4.1): token checks, listings, comments/create and
comments/reply with Weibo's refusals, a record of every write, and scripted faults."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from connectors.weibo.length import LIMIT, weibo_length
from tests.fake_weibo.state import WeiboState, now_cst, weibo_time

READS = (
    "statuses/mentions",
    "comments/mentions",
    "comments/to_me",
    "comments/by_me",
    "comments/timeline",
)
WRITES = ("comments/create", "comments/reply")
HTML_502 = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


@dataclass(frozen=True, slots=True, kw_only=True)
class Fault:
    """One scripted answer. With neither `code` nor `body` nor `drop` the request is handled
    normally (a write is stored); `delay` seconds pass before answering either way, so a
    delay past the client's timeout makes a send that went through but looked failed."""

    path: str | None = None  # only requests to this resource, e.g. "comments/create"
    status: int = 400
    code: int | str | None = None  # answer Weibo's error JSON with this error_code
    error: str = "injected error"
    body: str | None = None  # answer this raw body instead ("" is an empty body)
    content_type: str = "application/json"
    delay: float = 0.0
    drop: bool = False  # close the connection without answering (the blacklist case)


class FakeWeibo:
    """The fake server's behaviour; `app()` builds the aiohttp application."""

    def __init__(
        self,
        state: WeiboState | None = None,
        *,
        tokens: tuple[str, ...] = ("good-token",),
        expired: tuple[str, ...] = (),
        appkeys: tuple[str, ...] = ("1352222456",),
        hourly_limit: int | None = None,
        record: Path | None = None,
    ) -> None:
        self.state = state or WeiboState()
        self.tokens, self.expired = set(tokens), set(expired)
        self.appkeys = set(appkeys)  # `source=<AppKey>`: a call without OAuth (§1.1)
        self.hourly_limit = hourly_limit  # calls per token per hour, then 10023
        self.record = record  # also append every write here, one JSON line each
        self.faults: list[Fault] = []
        self.writes: list[dict[str, Any]] = []  # path, form fields, content type, raw body
        self.reads: list[dict[str, Any]] = []  # path and query of every list call
        # Called after each answered list call (with its path): new items arriving mid-paging.
        self.after_read: list[Callable[[str], None]] = []
        self._calls: dict[tuple[str, int], int] = {}

    def fail(self, *faults: Fault) -> None:
        """Queue faults; each answers the next request it matches, once."""
        self.faults.extend(faults)

    def app(self) -> web.Application:
        app = web.Application()
        for name in READS:
            app.router.add_get(f"/2/{name}.json", self._handler(name))
        for name in WRITES:
            app.router.add_post(f"/2/{name}.json", self._handler(name))
        app.router.add_get("/_fake/writes", self._show_writes)
        app.router.add_get("/_fake/state", self._show_state)
        app.router.add_post("/_fake/fault", self._add_fault)
        app.router.add_post("/_fake/state", self._add_state)
        return app

    def _handler(self, name: str) -> Any:
        async def handle(request: web.Request) -> web.StreamResponse:
            form = dict(await request.post()) if request.method == "POST" else {}
            fields = {k: str(v) for k, v in form.items()}
            if request.method == "POST":
                await self._log_write(name, request, fields)
            else:
                self.reads.append({"path": name, "query": dict(request.query)})
            fault = self._next_fault(name)
            if fault is not None and fault.drop:
                assert request.transport is not None
                request.transport.close()
                raise asyncio.CancelledError  # nothing is answered
            if fault is not None and (fault.code is not None or fault.body is not None):
                response = self._faulted(name, fault)
            else:
                response = self._answer(name, request, fields)
            if fault is not None and fault.delay:
                await asyncio.sleep(fault.delay)  # a bound for the client's timeout
            for hook in self.after_read if request.method == "GET" else ():
                hook(name)
            return response

        return handle

    async def _log_write(self, name: str, request: web.Request, fields: dict[str, str]) -> None:
        entry = {
            "path": name,
            "form": fields,
            "content_type": request.content_type,
            "body": (await request.read()).decode("utf-8", "replace"),
            "authorization": request.headers.get("Authorization"),
        }
        self.writes.append(entry)
        if self.record is not None:
            with self.record.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def _next_fault(self, name: str) -> Fault | None:
        for i, fault in enumerate(self.faults):
            if fault.path in (None, name):
                return self.faults.pop(i)
        return None

    def _faulted(self, name: str, fault: Fault) -> web.Response:
        if fault.body is not None:
            return web.Response(
                body=fault.body.encode(), status=fault.status, content_type=fault.content_type
            )
        return _error(name, fault.code, fault.error, fault.status)

    def _answer(self, name: str, request: web.Request, form: Mapping[str, str]) -> web.Response:
        token = _token(request, form)
        source = request.query.get("source") or form.get("source")
        if token is None and source in self.appkeys:
            token = f"app:{source}"
            self.tokens.add(token)
        if token is None:
            return _error(name, 21301, "auth faild!", 401)
        if token in self.expired:
            return _error(name, 21327, "expired_token", 401)
        if token not in self.tokens:
            return _error(name, 21332, "invalid_access_token", 401)
        if self.hourly_limit is not None:
            window = (token, int(time.time() // 3600))
            self._calls[window] = self._calls.get(window, 0) + 1
            if self._calls[window] > self.hourly_limit:
                return _error(name, 10023, "User requests out of rate limit!", 403)
        if name in WRITES:
            return self._write(name, form)
        try:
            return _json(self.state.listing(name, request.query))
        except ValueError:
            return _error(name, 10017, "Parameter's value invalid", 400)

    def _write(self, name: str, form: Mapping[str, str]) -> web.Response:
        needed = ("comment", "id", "rip") + (("cid",) if name == "comments/reply" else ())
        missing = [k for k in needed if not form.get(k)]
        if missing:
            return _error(name, 10016, f"Miss required parameter ({missing[0]})", 400)
        state, text = self.state, form["comment"]
        if not form["id"].isdigit() or int(form["id"]) not in state.statuses:
            return _error(name, 20101, "Target weibo does not exist!", 400)
        replied = None
        if name == "comments/reply":
            if not form["cid"].isdigit() or int(form["cid"]) not in state.comments:
                return _error(name, 20201, "Target weibo comment does not exist!", 400)
            replied = int(form["cid"])
        if weibo_length(text) > LIMIT:
            too_long = "Text too long, please input text less than 140 characters!"
            return _error(name, 20012, too_long, 400)
        if text == state.last_text:
            return _error(name, 20019, "repeat content!", 400)
        state.last_text = text
        shown = text
        if replied is not None and form.get("without_mention") != "1":
            shown = f"回复@{state.comments[replied]['user']['screen_name']}:{text}"
        item = state.add_comment(
            state.new_id(), int(form["id"]), shown, reply_to=replied, at=now_cst()
        )
        return _json(item)

    async def _show_writes(self, request: web.Request) -> web.Response:
        return _json({"writes": self.writes, "reads": self.reads})

    async def _show_state(self, request: web.Request) -> web.Response:
        return _json(self.state.to_dict())

    async def _add_fault(self, request: web.Request) -> web.Response:
        self.fail(Fault(**await request.json()))
        return _json({"faults": len(self.faults)})

    async def _add_state(self, request: web.Request) -> web.Response:
        """Add statuses and comments (full items, as a state file holds them)."""
        loaded = WeiboState.from_dict(await request.json())
        self.state.statuses.update(loaded.statuses)
        self.state.comments.update(loaded.comments)
        return _json({"statuses": len(self.state.statuses), "comments": len(self.state.comments)})


def _token(request: web.Request, form: Mapping[str, str]) -> str | None:
    """The token from the query, the form or `Authorization: OAuth2 <token>` (§1.1)."""
    header = request.headers.get("Authorization", "")
    if header.startswith("OAuth2 "):
        return header[len("OAuth2 ") :].strip()
    return request.query.get("access_token") or form.get("access_token") or None


def _error(name: str, code: int | str | None, error: str, status: int) -> web.Response:
    body = {"error": error, "error_code": code, "request": f"/2/{name}.json"}
    return _json(body, status)


def _json(data: Any, status: int = 200) -> web.Response:
    text = json.dumps(data, ensure_ascii=False)
    return web.Response(text=text, status=status, content_type="application/json")


__all__ = ["FakeWeibo", "Fault", "weibo_time"]
