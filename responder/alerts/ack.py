"""Ack links: signed, expiring tokens that name what a page was about and whom it paged.

A token is a Fernet token (AES and HMAC from `cryptography`, nothing hand-made) whose key
is derived by HKDF from a secret: `alerts.ack_secret` when configured, else a random one
made once in Redis, so every process and every restart signs and checks with the same key.
The token is the authority of the ack page, so it is never logged.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from responder.alerts.channels.config import AlertsConfig
from responder.clock import Clock
from responder.store.store import Store
from responder.web.validate import MENTION_ID

INFO = b"tiexin ack links v1"  # HKDF context: this key signs ack links and nothing else
GROUP_ID = re.compile(r"[0-9A-Za-z_.-]{1,64}")
MAX_TOKEN = 1024  # longer than any token we make: refused before any crypto


class AckError(Exception):
    """A token that acknowledges nothing; `message` is what the page says (Chinese)."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Expired(AckError):
    status = 410


class Invalid(AckError):
    status = 400


@dataclass(frozen=True, slots=True)
class AckTarget:
    """What a token acknowledges: a mention ("m") or a group page ("g"), and whom it paged."""

    kind: Literal["m", "g"]
    id: str
    person: str = ""

    @property
    def target(self) -> str:
        return f"{self.kind}:{self.id}"


def parse_target(target: str, person: str = "") -> AckTarget:
    """`m:<mention id>` or `g:<group id>` as an AckTarget; ValueError for anything else
    (an id becomes part of a Redis key: only plain characters)."""
    kind, _, ident = target.partition(":")
    if kind == "m" and MENTION_ID.fullmatch(ident):
        return AckTarget("m", ident, person)
    if kind == "g" and GROUP_ID.fullmatch(ident):
        return AckTarget("g", ident, person)
    raise ValueError(f"an ack target is m:<mention id> or g:<group id>, not {target!r}")


def derive_key(secret: str) -> bytes:
    """The Fernet key for `secret` (any length, any text)."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO).derive(secret.encode())
    return base64.urlsafe_b64encode(raw)


class AckTokens:
    """Issue and check ack tokens, on the injected clock."""

    def __init__(self, secret: str, clock: Clock, ttl: timedelta) -> None:
        self._fernet = Fernet(derive_key(secret))
        self.clock = clock
        self.ttl = ttl

    def issue(self, target: str, person: str = "") -> str:
        """A token for `target` ("m:<id>" or "g:<id>") paged to `person` (a name or "")."""
        parse_target(target)  # refuse to sign what nobody could acknowledge
        payload = json.dumps({"t": target, "p": person}, ensure_ascii=False).encode()
        return self._fernet.encrypt_at_time(payload, int(self.clock.now().timestamp())).decode()

    def read(self, token: str) -> AckTarget:
        """What `token` acknowledges; Expired once its ttl has passed, Invalid if it was
        not made with this key (forged, altered, cut short, or signed by another secret)."""
        if not token or len(token) > MAX_TOKEN or not token.isascii():
            raise Invalid("链接无效：请使用告警消息里的完整链接")
        data = token.encode()
        now = int(self.clock.now().timestamp())
        try:
            made = self._fernet.extract_timestamp(data)  # checks the signature first
        except InvalidToken:
            raise Invalid("链接无效：它不是贴心发出的，或已被改动") from None
        ttl = int(self.ttl.total_seconds())
        if now > made + ttl:
            raise Expired(f"链接已过期（有效期 {_span(ttl)}），请到工作台确认")
        try:
            payload = json.loads(self._fernet.decrypt_at_time(data, ttl, now))
            return parse_target(str(payload["t"]), str(payload.get("p", "")))
        except (InvalidToken, ValueError, KeyError, TypeError):
            # Signed by us yet unreadable, or dated ahead of our clock by over a minute.
            raise Invalid("链接无效：请使用告警消息里的完整链接") from None


def _span(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    if hours and not rest:
        return f"{hours} 小时"
    return f"{max(1, seconds // 60)} 分钟"


async def shared_secret(store: Store) -> str:
    """The random secret every process shares: made once (SET NX), then read back, so two
    processes starting together agree on the one that won."""
    key = store.keys.alert_secret
    await store.redis.set(key, secrets.token_urlsafe(32), nx=True)
    value = await store.redis.get(key)
    if not value:
        raise RuntimeError(f"{key} vanished right after it was set")
    return str(value)


async def load_tokens(config: AlertsConfig, store: Store, clock: Clock) -> AckTokens:
    """The ack tokens of this deployment: the configured secret, else the shared one."""
    if config.ack_secret is not None:
        secret = config.ack_secret.reveal()
    else:
        secret = await shared_secret(store)
    return AckTokens(secret, clock, config.ack_ttl)
