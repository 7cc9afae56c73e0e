"""A generic JSON webhook: the page as JSON, signed with HMAC-SHA256 over the raw body."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import asdict, dataclass
from typing import Any

from connectors.secret import Secret
from responder.alerts.channels.base import HttpChannel
from responder.alerts.channels.duty import duty_line, unique
from responder.alerts.channels.page import Definite, Delivery, Page
from responder.alerts.channels.post import encode, post


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookConfig:
    """Where to POST and the shared secret the receiver checks the signature with."""

    url: str
    secret: Secret  # secret_env = "VARIABLE"

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ValueError(f'url must be an http(s) URL, got "{self.url}"')


def signature(secret: str, body: bytes) -> str:
    """The X-Tiexin-Signature value: "sha256=" + hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def payload(page: Page, sent_at: int) -> dict[str, Any]:
    """The JSON a receiver gets; `sent_at` is inside the signed body, so it cannot be
    replayed with a fresh X-Tiexin-Timestamp. `to` lists the people on duty with only
    the handles they have, for a receiver that pages them its own way."""
    return {
        "key": page.key,
        "severity": page.severity,
        "title": page.title,
        "lines": list(page.lines),
        "text": page.text,
        "platform": page.platform,
        "reach": page.reach,
        "left_seconds": None if page.left is None else round(page.left.total_seconds()),
        "link": page.link,
        "ack_link": page.ack_link,
        "to": [{k: v for k, v in asdict(p).items() if v} for p in unique(page.to)],
        "duty": duty_line(page.to),
        "sent_at": sent_at,
    }


class Webhook(HttpChannel[WebhookConfig]):
    """POSTs pages to one URL; the receiver accepts with a 2xx and a JSON body."""

    async def send(self, page: Page) -> Delivery:
        secret = self.config.secret.reveal()
        stamp = int(self.clock.now().timestamp())
        body = encode(payload(page, stamp))
        headers = {
            "X-Tiexin-Signature": signature(secret, body),
            "X-Tiexin-Timestamp": str(stamp),
            "Idempotency-Key": page.key,
        }
        url, now = self.config.url, self.clock.now()
        reply = await post(
            self.http, self.name, url, body, secrets=(secret,), now=now, headers=headers
        )
        if 200 <= reply.status < 300:
            return Delivery(channel=self.name, at=self.clock.now(), detail=f"HTTP {reply.status}")
        status = reply.status
        raise Definite(f"{self.name}: the webhook answered HTTP {status}", code=str(status))
