"""Feishu (飞书) custom bot: an interactive card with the page and its two buttons,
signed with the bot's secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from connectors.secret import Secret
from responder.alerts.channels.base import HttpChannel
from responder.alerts.channels.duty import duty_line, handle
from responder.alerts.channels.page import Definite, Delivery, Page, Transient
from responder.alerts.channels.post import encode, post, redact
from responder.alerts.people import Person

SIGN_FAILED = 19021  # sign match fail, or the timestamp is more than an hour off
BUSY = 9499  # "too many request" for the rate limit, but also "Bad Request" for a bad body
RATE_LIMITED = 11232  # frequency limited (100 a minute, 5 a second per bot)
RATE_WAIT = 10.0
COLOURS = {"info": "green", "warn": "orange", "breach": "red", "crisis": "carmine"}


@dataclass(frozen=True, slots=True, kw_only=True)
class FeishuConfig:
    """The bot's hook token (the last part of its webhook URL) and its signing secret."""

    hook: Secret  # hook_env = "VARIABLE": the token after /open-apis/bot/v2/hook/
    secret: Secret  # secret_env = "VARIABLE": 签名校验
    api_base: str = "https://open.feishu.cn"

    def __post_init__(self) -> None:
        if not self.api_base.startswith(("http://", "https://")):
            raise ValueError(f'api_base must be an http(s) URL, got "{self.api_base}"')


def sign(secret: str, timestamp: int) -> str:
    """base64(HMAC-SHA256(key="timestamp\\nsecret", msg=b"")): Feishu keys by the string."""
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def mention(person: Person) -> str:
    """`<at id=ou_…></at>`, the card markdown @ a custom bot may use: by open_id only."""
    open_id = handle(person.feishu)
    return f"<at id={open_id}></at>" if open_id.startswith("ou_") else ""


def card(page: Page) -> dict[str, Any]:
    """A card: coloured header, who is on duty, the lines in lark_md, and 查看 / 确认
    buttons."""
    elements: list[dict[str, Any]] = []
    if duty := duty_line(page.to, mention):
        elements.append({"tag": "div", "text": {"tag": "lark_md", "content": duty}})
    if page.lines:
        content = "\n".join(page.lines)
        elements.append({"tag": "div", "text": {"tag": "lark_md", "content": content}})
    buttons = [
        {
            "tag": "button",
            "text": {"tag": "plain_text", "content": label},
            "type": kind,
            "url": url,
        }
        for label, url, kind in (("确认", page.ack_link, "primary"), ("查看", page.link, "default"))
        if url
    ]
    if buttons:
        elements.append({"tag": "action", "actions": buttons})
    return {
        "config": {"wide_screen_mode": True},
        "header": {
            "title": {"tag": "plain_text", "content": page.title},
            "template": COLOURS[page.severity],
        },
        "elements": elements,
    }


class Feishu(HttpChannel[FeishuConfig]):
    """Sends pages to one Feishu group bot."""

    async def send(self, page: Page) -> Delivery:
        hook, secret = self.config.hook.reveal(), self.config.secret.reveal()
        stamp = int(self.clock.now().timestamp())  # seconds, unlike DingTalk's milliseconds
        signature = sign(secret, stamp)
        body = {"timestamp": str(stamp), "sign": signature, "msg_type": "interactive"}
        url = f"{self.config.api_base.rstrip('/')}/open-apis/bot/v2/hook/{quote(hook, safe='')}"
        raw = encode({**body, "card": card(page)})
        hidden = (hook, secret, signature)
        reply = await post(self.http, self.name, url, raw, secrets=hidden, now=self.clock.now())
        data = reply.data if isinstance(reply.data, dict) else {}
        code = data.get("code", data.get("StatusCode"))
        message = redact(str(data.get("msg", data.get("StatusMessage", "")))[:200], (hook, secret))
        if code == 0:
            return Delivery(channel=self.name, at=self.clock.now(), detail="ok")
        if code == RATE_LIMITED or (code == BUSY and "too many" in message.lower()):
            raise Transient(f"{self.name}: Feishu rate limit: {message}", retry_after=RATE_WAIT)
        if code == SIGN_FAILED:
            raise Definite(f"{self.name}: Feishu refused the signature: {message}", code=str(code))
        if code is None:
            raise Definite(f"{self.name}: Feishu answered HTTP {reply.status} without a code")
        raise Definite(f"{self.name}: Feishu code {code}: {message}", code=str(code))
