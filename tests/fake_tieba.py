"""A fake of tiebac.baidu.com for the three calls the Tieba connector makes (PLATFORMS.md
4.3): `/c/u/feed/atme` (signed form, JSON), `/c/u/feed/replyme?cmd=303007` (multipart
protobuf) and `/c/s/login`, with scripted faults and a record of what arrived."""

from __future__ import annotations

import asyncio
import hashlib
import json as jsonlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web
from aiotieba.api.get_replys.protobuf import ReplyMeReqIdl_pb2, ReplyMeResIdl_pb2

SALT = "tiebaclient!!!"
NOT_LOGGED_IN = "用户未登录或登录失败，请更换账号或重试"
OWN_ID = 777  # the brand account's user id
BDUSS = "B" * 150 + "0123456789" * 4 + "xy"  # 192 ASCII characters
# Faults a test can queue per route: the next request on that route gets one of these.
FAULTS = ("500", "502", "truncated", "not_json", "garbage", "missing_key", "auth", "other", "slow")


@dataclass
class Post:
    """One post aimed at the account, as the fake shows it in either feed."""

    pid: int
    tid: int
    text: str
    time: int
    author_id: int = 1001
    author_name: str = "alice"
    author_show: str = "Alice🌸"
    fname: str = "品牌"
    quote_pid: int = 0  # the post replied to (a floor reply), 0: a reply to the thread
    thread_text: str = "主楼内容"
    quoted_text: str = "我们的回复"
    fragments: list[dict[str, Any]] = field(default_factory=list)  # extra PbContent pieces
    floor_text: str | None = None  # the reply's text piece in new_floor_info; None: `text`


@dataclass
class Call:
    route: str
    fields: dict[str, str]  # the form fields, or for protobuf the request's decoded fields
    sign_ok: bool = True  # forms: the sign matched; protobuf: the multipart shape did
    host: str = ""  # the Host header (aiotieba keeps tiebac.baidu.com when redirected)


class FakeTieba:
    """Serve `ats` and `replys` (newest first) in pages of `page_size`; page n>1 starts
    `overlap` items early, as when new posts push older ones down between requests."""

    def __init__(self, *, bduss: str = BDUSS, page_size: int = 2, overlap: int = 0) -> None:
        self.bduss = bduss
        self.page_size = page_size
        self.overlap = overlap
        self.ats: list[Post] = []
        self.replys: list[Post] = []
        self.calls: list[Call] = []
        self.faults: dict[str, list[str]] = {"atme": [], "replyme": [], "login": []}
        self.slow = 0.0  # seconds a "slow" fault waits

    def fail(self, route: str, *faults: str) -> None:
        assert all(f in FAULTS for f in faults), faults
        assert route != "replyme" or "missing_key" not in faults, "protobuf has no missing keys"
        self.faults[route].extend(faults)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/c/u/feed/atme", self._atme)
        app.router.add_post("/c/u/feed/replyme", self._replyme)
        app.router.add_post("/c/s/login", self._login)
        return app

    def pages(self, route: str) -> list[int]:
        return [int(c.fields["pn"]) for c in self.calls if c.route == route]

    # -- routes -------------------------------------------------------------
    async def _login(self, request: web.Request) -> web.StreamResponse:
        form, sign_ok = await self._form(request, "login")
        if fault := await self._fault("login", json=True):
            return fault
        if form.get("bdusstoken") != self.bduss:
            return _json({"error_code": "1", "error_msg": NOT_LOGGED_IN})
        if not sign_ok:
            return _json({"error_code": "110000", "error_msg": "fake: bad sign"})
        user = {"id": str(OWN_ID), "portrait": "tb.1.own.xyz", "name": "brand_official"}
        anti = {"tbs": "91be894d01799c4991be894d01"}
        return _json({"error_code": "0", "user": user, "anti": anti})

    async def _atme(self, request: web.Request) -> web.StreamResponse:
        form, sign_ok = await self._form(request, "atme")
        if fault := await self._fault("atme", json=True):
            return fault
        if form.get("BDUSS") != self.bduss:
            return _json({"error_code": "1", "error_msg": NOT_LOGGED_IN})
        if not sign_ok:
            return _json({"error_code": "110000", "error_msg": "fake: bad sign"})
        posts, more = self._page(self.ats, int(form["pn"]))
        page = {"current_page": form["pn"], "has_more": str(int(more)), "has_prev": "0"}
        return _json(
            {
                "error_code": "0",
                "error_msg": "",
                "time": 1700000200,
                "page": page,
                "at_list": [_at_json(p) for p in posts],
            }
        )

    async def _replyme(self, request: web.Request) -> web.StreamResponse:
        body = b""
        reader = await request.multipart()
        part = await reader.next()
        shape_ok = (
            request.query.get("cmd") == "303007"
            and request.headers.get("x_bd_data_type") == "protobuf"
        )
        if isinstance(part, BodyPartReader):
            shape_ok = shape_ok and part.name == "data" and part.filename == "file"
            body = await part.read()
        req = ReplyMeReqIdl_pb2.ReplyMeReqIdl()
        req.ParseFromString(body)
        fields = {
            "pn": str(req.data.pn),
            "BDUSS": req.data.common.BDUSS,
            "_client_version": req.data.common._client_version,
        }
        host = request.headers.get("Host", "")
        self.calls.append(Call("replyme", fields, sign_ok=shape_ok, host=host))
        if fault := await self._fault("replyme", json=False):
            return fault
        res = ReplyMeResIdl_pb2.ReplyMeResIdl()
        if fields["BDUSS"] != self.bduss:
            res.error.errorno, res.error.errmsg = 1, NOT_LOGGED_IN
            return web.Response(body=res.SerializeToString())
        posts, more = self._page(self.replys, req.data.pn)
        res.data.page.current_page, res.data.page.has_more = req.data.pn, int(more)
        for post in posts:
            _fill_reply(res.data.reply_list.add(), post)
        return web.Response(body=res.SerializeToString())

    # -- helpers -------------------------------------------------------------
    async def _form(self, request: web.Request, route: str) -> tuple[dict[str, str], bool]:
        pairs = [(k, str(v)) for k, v in (await request.post()).items()]
        form = dict(pairs)
        signed = "".join(f"{k}={v}" for k, v in sorted(pairs) if k != "sign") + SALT
        sign_ok = hashlib.md5(signed.encode()).hexdigest() == form.get("sign")
        self.calls.append(Call(route, form, sign_ok=sign_ok, host=request.headers.get("Host", "")))
        return form, sign_ok

    async def _fault(self, route: str, *, json: bool) -> web.StreamResponse | None:
        if not self.faults[route]:
            return None
        fault = self.faults[route].pop(0)
        if fault in ("500", "502"):
            return web.Response(text="<html>Bad Gateway</html>", status=int(fault))
        if fault == "truncated":
            return web.Response(body=b'{"error_code":"0","at_list":[{"content":"@\xe5\x93')
        if fault == "not_json":
            return web.Response(text="<html><body>请稍后再试</body></html>")
        if fault == "garbage":
            return web.Response(body=b"\xff\xfe\x00garbage\x8a")
        if fault == "missing_key":  # JSON only: protobuf has defaults for every field
            return _json({"error_code": "0", "at_list": [{"content": "x", "fname": "品牌"}]})
        if fault in ("auth", "other"):  # "other": a code with no meaning of its own to us
            code, message = (1, NOT_LOGGED_IN) if fault == "auth" else (300000, "fake: 服务繁忙")
            if json:
                return _json({"error_code": str(code), "error_msg": message})
            res = ReplyMeResIdl_pb2.ReplyMeResIdl()
            res.error.errorno, res.error.errmsg = code, message
            return web.Response(body=res.SerializeToString())
        await asyncio.sleep(self.slow)  # "slow": past the client's read timeout
        return _json({"error_code": "0"})

    def _page(self, posts: list[Post], pn: int) -> tuple[list[Post], bool]:
        start = max(0, (pn - 1) * self.page_size - (self.overlap if pn > 1 else 0))
        end = pn * self.page_size
        return posts[start:end], end < len(posts)


def _json(data: Mapping[str, Any]) -> web.Response:
    return web.json_response(data, dumps=lambda d: jsonlib.dumps(d, ensure_ascii=False))


def _user(uid: int, name: str, show: str) -> dict[str, Any]:
    return {
        "id": str(uid),
        "name": name,
        "name_show": show,
        "portrait": f"tb.1.{uid}?t=1700000000",
        "priv_sets": [],
    }


def _at_json(post: Post) -> dict[str, Any]:
    thread_author = _user(OWN_ID, "brand_official", "品牌官方")
    return {
        "content": post.text,
        "fname": post.fname,
        "fid": "123456",
        "thread_id": str(post.tid),
        "post_id": str(post.pid),
        "type": "2",
        "time": str(post.time),
        "replyer": _user(post.author_id, post.author_name, post.author_show),
        "quote_pid": str(post.quote_pid),
        "quote_user": thread_author,
        "thread_author_user": thread_author,
        "new_floor_info": [{"content": [{"type": "0", "text": post.thread_text}]}],
        "is_floor": "0",
        "is_first_post": "0",
        "unread": "1",
        "quote_content": "",
        "title": "回复：测试帖",
    }


def _fill_reply(item: Any, post: Post) -> None:
    item.thread_id, item.post_id, item.time = post.tid, post.pid, post.time
    item.fname, item.content, item.is_floor = post.fname, post.text, int(bool(post.quote_pid))
    item.quote_pid = post.quote_pid
    for target, (uid, name, show) in (
        (item.replyer, (post.author_id, post.author_name, post.author_show)),
        (item.quote_user, (OWN_ID, "brand_official", "品牌官方")),
        (item.thread_author_user, (OWN_ID, "brand_official", "品牌官方")),
    ):
        target.id, target.name, target.name_show = uid, name, show
        target.portrait = f"tb.1.{uid}?t=1700000000"
    floors = [post.thread_text, *([post.quoted_text] if post.quote_pid else []), None]
    for text in floors:
        floor = item.new_floor_info.add()
        if text is not None:
            floor.content.add(type=0, text=text)
            continue
        shown = post.text if post.floor_text is None else post.floor_text
        if shown:
            floor.content.add(type=0, text=shown)
        for piece in post.fragments:
            floor.content.add(**piece)
