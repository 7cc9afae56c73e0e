"""The push endpoint (PLATFORMS.md §2.1, §2.2, §2.4): verify, decode, hand on, answer.

WeChat waits 5 seconds and then retries the same push up to 3 times, so the answer comes
within `deadline` whatever happens: "success" (an empty body for encrypted pushes, the
safe choice of §2.4) once `deliver` has stored the mention, HTTP 503 if it could not (the
retry is deduplicated downstream by the mention's identity), a 4xx for a forged or broken
push. Nothing is delivered from a push that failed a check.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from connectors.base import Deliver
from connectors.wechat.config import WechatConfig
from connectors.wechat.crypto import MessageCrypto, PushError, same, signature
from connectors.wechat.messages import event_name, parse, sender, to_mention
from connectors.wechat.state import Windows

log = logging.getLogger(__name__)

MAX_PUSH = 1024 * 1024  # a push is a few KiB; more is not WeChat


class Webhook:
    """Answer WeChat's GET checks and POST pushes for one account."""

    def __init__(
        self, name: str, config: WechatConfig, windows: Windows, *, deadline: float = 3.0
    ) -> None:
        self.name, self.config, self.windows, self.deadline = name, config, windows, deadline
        self._token = config.token.reveal()
        key = config.encoding_aes_key
        self.crypto = MessageCrypto(self._token, key.reveal(), config.app_id) if key else None

    async def handle(self, request: web.Request, deliver: Deliver) -> web.StreamResponse:
        try:
            if request.method == "GET":
                return self._verify(request)
            if request.method == "POST":
                return await self._push(request, deliver)
            raise PushError(f"method {request.method} not allowed", status=405)
        except PushError as exc:
            log.warning("wechat %s: refused %s: %s", self.name, request.method, exc)
            return web.Response(status=exc.status, text=f"{exc}\n")

    def _verify(self, request: web.Request) -> web.Response:
        """§2.1: echo `echostr` if the signature is ours (plain in every mode)."""
        echo = request.query.get("echostr")
        if echo is None:
            raise PushError("echostr is missing")
        self._check_signature(request)
        log.info("wechat %s: server URL verified", self.name)
        return web.Response(text=echo, content_type="text/plain")

    def _check_signature(self, request: web.Request) -> tuple[str, str]:
        query = request.query
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        given = query.get("signature", "")
        if not (timestamp and nonce and given):
            raise PushError("signature, timestamp or nonce is missing", status=403)
        if not same(given, signature(self._token, timestamp, nonce)):
            raise PushError("bad signature (is the Token the console shows?)", status=403)
        return timestamp, nonce

    async def _push(self, request: web.Request, deliver: Deliver) -> web.Response:
        timestamp, nonce = self._check_signature(request)
        body = await _read(request)
        encrypted = request.query.get("encrypt_type", "raw") == "aes"
        fields = self._decode(parse(body), encrypted, request.query, timestamp, nonce)
        mention = to_mention(fields, self.name)
        openid, created_at = sender(fields)
        try:
            async with asyncio.timeout(self.deadline):
                if mention is not None:
                    await deliver([mention])
                    await self.windows.user_wrote(openid, created_at)
                elif event_name(fields) == "unsubscribe":
                    await self.windows.close(openid)
        except Exception as exc:  # any failure: WeChat must retry, never hear "success"
            what = "timed out" if isinstance(exc, TimeoutError) else type(exc).__name__
            log.error("wechat %s: could not store a push (%s); answering 503", self.name, what)
            return web.Response(status=503, text="try again\n")
        if mention is None:
            log.debug("wechat %s: event %s, not a mention", self.name, event_name(fields))
        return web.Response(text="" if encrypted else "success", content_type="text/plain")

    def _decode(
        self,
        outer: dict[str, Any],
        encrypted: bool,
        query: Mapping[str, str],
        timestamp: str,
        nonce: str,
    ) -> dict[str, Any]:
        """Return the message fields: the body itself, or what its `Encrypt` holds."""
        if not encrypted:
            if self.crypto is not None:
                raise PushError(
                    "plain push refused: encoding_aes_key is set, so pushes must be encrypted",
                    status=403,
                )
            return outer
        if self.crypto is None:
            if "MsgType" in outer:  # compatible mode carries the plain fields too
                return outer
            raise PushError("encrypted push, but encoding_aes_key is not configured")
        encrypt = outer.get("Encrypt")
        if not isinstance(encrypt, str) or not encrypt:
            raise PushError("encrypted push without <Encrypt>")
        msg_signature = query.get("msg_signature", "")
        if not same(msg_signature, signature(self._token, timestamp, nonce, encrypt)):
            raise PushError("bad msg_signature", status=403)
        return parse(self.crypto.decrypt(encrypt))


async def _read(request: web.Request) -> bytes:
    """Read the body, refusing more than MAX_PUSH bytes without buffering them."""
    if request.content_length is not None and request.content_length > MAX_PUSH:
        raise PushError(f"body over {MAX_PUSH} bytes", status=413)
    chunks, size = [], 0
    async for chunk in request.content.iter_any():
        size += len(chunk)
        if size > MAX_PUSH:
            raise PushError(f"body over {MAX_PUSH} bytes", status=413)
        chunks.append(chunk)
    return b"".join(chunks)
