"""DingTalk custom robot: markdown messages, signed with the robot's SEC secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

from connectors.secret import Secret
from responder.alerts.channels.base import HttpChannel
from responder.alerts.channels.duty import PHONE, distinct, duty_line, handle, unique
from responder.alerts.channels.page import Definite, Delivery, Page, Transient
from responder.alerts.channels.post import encode, post, redact
from responder.alerts.channels.text import markdown
from responder.alerts.people import Person

RATE_LIMITED = 130101  # "send too fast": 20 messages a minute per robot
SIGN_OR_KEYWORD = 310000  # bad sign, stale timestamp, keyword missing or IP not allowed
RATE_WAIT = 60.0  # seconds: the limit is per minute
MOBILE = re.compile(r"(\+86-?)?1[3-9][0-9]{9}")  # a phone, not a userId, in `dingtalk`


@dataclass(frozen=True, slots=True, kw_only=True)
class DingTalkConfig:
    """A robot's access_token (from its webhook URL) and its 加签 secret ("SEC...")."""

    access_token: Secret  # access_token_env = "VARIABLE"
    secret: Secret  # secret_env = "VARIABLE"
    api_base: str = "https://oapi.dingtalk.com"
    at_mobiles: tuple[str, ...] = ()  # phone numbers to @ in the group
    at_all: bool = False

    def __post_init__(self) -> None:
        if not self.api_base.startswith(("http://", "https://")):
            raise ValueError(f'api_base must be an http(s) URL, got "{self.api_base}"')


def sign(secret: str, timestamp_ms: int) -> str:
    """base64(HMAC-SHA256(key=secret, msg="timestamp\\nsecret")), before URL encoding."""
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def _at(person: Person) -> tuple[str, str]:
    """(userId, "") when the person has a DingTalk userId, else ("", phone) or ("", "").

    `dingtalk` may hold the phone DingTalk knows them by instead (as `[[oncall.people]]`
    allows): a mainland mobile number there is @-mentioned as a phone."""
    user = handle(person.dingtalk)
    if MOBILE.fullmatch(user):
        return "", user
    return (user, "") if user else ("", handle(person.phone, PHONE))


class DingTalk(HttpChannel[DingTalkConfig]):
    """Sends pages to one DingTalk group robot."""

    def body(self, page: Page) -> dict[str, object]:
        """Markdown that @-mentions the page's people and the configured `at_mobiles`.

        DingTalk @s a member only when the id is listed under `at` *and* "@id" appears in
        the text. A person is @-mentioned by DingTalk userId when the config has one
        (atUserIds), else by phone (atMobiles); never both, which would show them twice.
        """
        people = unique(page.to)
        ats = {p.name: _at(p) for p in people}

        def mention(person: Person) -> str:
            user, phone = ats[person.name]
            return f"@{user or phone}" if user or phone else ""

        text = markdown(page, duty=duty_line(people, mention))
        phones = distinct(phone for _, phone in ats.values())
        extra = [m for m in distinct(self.config.at_mobiles) if m not in phones]
        if extra:  # configured numbers not already @-mentioned in the duty line
            text += "\n\n" + " ".join(f"@{m}" for m in extra)
        at: dict[str, object] = {"atMobiles": phones + extra, "isAtAll": self.config.at_all}
        users = distinct(user for user, _ in ats.values())
        if users:
            at["atUserIds"] = users
        return {
            "msgtype": "markdown",
            "markdown": {"title": page.title, "text": text},
            "at": at,
        }

    async def send(self, page: Page) -> Delivery:
        token, secret = self.config.access_token.reveal(), self.config.secret.reveal()
        stamp = int(self.clock.now().timestamp() * 1000)
        signature = sign(secret, stamp)
        url = (
            f"{self.config.api_base.rstrip('/')}/robot/send?access_token={quote(token, safe='')}"
            f"&timestamp={stamp}&sign={quote_plus(signature)}"
        )
        reply = await post(
            self.http,
            self.name,
            url,
            encode(self.body(page)),
            secrets=(token, secret, signature),
            now=self.clock.now(),
        )
        data = reply.data if isinstance(reply.data, dict) else {}
        code = data.get("errcode")
        message = redact(str(data.get("errmsg", ""))[:200], (token, secret))
        if code == 0:
            return Delivery(channel=self.name, at=self.clock.now(), detail="ok")
        if code == RATE_LIMITED:
            raise Transient(f"{self.name}: DingTalk rate limit: {message}", retry_after=RATE_WAIT)
        if code == SIGN_OR_KEYWORD:
            raise Definite(
                f"{self.name}: DingTalk refused the sign, keyword or IP: {message}",
                code=str(code),
            )
        if code is None:
            raise Definite(f"{self.name}: DingTalk answered HTTP {reply.status} without errcode")
        raise Definite(f"{self.name}: DingTalk errcode {code}: {message}", code=str(code))
