"""WeCom (企业微信) group robot: markdown messages to the robot's webhook key."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from connectors.secret import Secret
from responder.alerts.channels.base import HttpChannel
from responder.alerts.channels.duty import distinct, duty_line, handle
from responder.alerts.channels.page import Definite, Delivery, Page, Transient
from responder.alerts.channels.post import encode, post, redact
from responder.alerts.channels.text import markdown

RATE_LIMITED = 45009  # api freq out of limit: 20 messages a minute per robot
RATE_WAIT = 60.0
MAX_BYTES = 4096  # markdown.content limit, in UTF-8 bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class WeComConfig:
    """The robot's webhook key (the `key=` of its URL)."""

    key: Secret  # key_env = "VARIABLE"
    api_base: str = "https://qyapi.weixin.qq.com"
    mention_userids: tuple[str, ...] = ()  # members to @ (WeCom user ids), "<@id>" in markdown

    def __post_init__(self) -> None:
        if not self.api_base.startswith(("http://", "https://")):
            raise ValueError(f'api_base must be an http(s) URL, got "{self.api_base}"')


def fit(text: str, limit: int = MAX_BYTES) -> str:
    """Cut `text` to `limit` UTF-8 bytes on a character boundary."""
    raw = text.encode()
    if len(raw) <= limit:
        return text
    return raw[: limit - 3].decode(errors="ignore") + "…"


class WeCom(HttpChannel[WeComConfig]):
    """Sends pages to one WeCom group robot."""

    def body(self, page: Page) -> dict[str, object]:
        """Markdown with each person's `<@userid>` after their name in the duty line.

        A WeCom robot's markdown @s only by userid (`mentioned_mobile_list` exists for text
        messages alone), so a person with just a phone is named but not @-mentioned.
        """
        line = duty_line(page.to, lambda p: f"<@{u}>" if (u := handle(p.wecom)) else "")
        text = markdown(page, duty=line)
        if page.severity in ("breach", "crisis"):  # WeCom's markdown colours: warning = red
            text = text.replace(
                f"### {page.title}", f'### <font color="warning">{page.title}</font>', 1
            )
        named = {handle(p.wecom) for p in page.to}
        tail = " ".join(f"<@{u}>" for u in distinct(self.config.mention_userids) if u not in named)
        links_kept = fit(text, MAX_BYTES - len(tail.encode()) - 2)
        return {
            "msgtype": "markdown",
            "markdown": {"content": links_kept + ("\n\n" + tail if tail else "")},
        }

    async def send(self, page: Page) -> Delivery:
        key = self.config.key.reveal()
        url = f"{self.config.api_base.rstrip('/')}/cgi-bin/webhook/send?key={quote(key, safe='')}"
        reply = await post(
            self.http, self.name, url, encode(self.body(page)), secrets=(key,), now=self.clock.now()
        )
        data = reply.data if isinstance(reply.data, dict) else {}
        code = data.get("errcode")
        message = redact(str(data.get("errmsg", ""))[:200], (key,))
        if code == 0:
            return Delivery(channel=self.name, at=self.clock.now(), detail="ok")
        if code == RATE_LIMITED:
            raise Transient(f"{self.name}: WeCom rate limit: {message}", retry_after=RATE_WAIT)
        if code is None:
            raise Definite(f"{self.name}: WeCom answered HTTP {reply.status} without errcode")
        raise Definite(f"{self.name}: WeCom errcode {code}: {message}", code=str(code))
