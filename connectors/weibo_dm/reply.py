"""The active reply API (PLATFORMS.md 5.4): the form we send and what its answers mean."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from connectors.base import ReplyReceipt
from connectors.errors import AuthFailed, RateLimited, Refused, Unavailable
from connectors.http import Reply

MAX_TEXT = 300  # "文本大小必须小于300个汉字" (5.4.2): fewer than 300 characters

# Weibo's error codes (1.6). No table exists for this endpoint (5.4.3), so these are the
# v2 codes; a service-level code not listed here is a definite refusal (Refused).
AUTH = {
    10006,  # source (appkey) missing
    10013,  # invalid weibo user
    10014,  # the app lacks permission for this API
    10032,  # scope not granted
    21301,  # auth failed
    *range(21314, 21318),  # V1 token used / expired / revoked / rejected
    21319,  # the account revoked the authorization
    21321,  # app not audited
    *range(21322, 21331),  # OAuth2 errors (21327 expired_token)
    21332,  # invalid_access_token
}
RATE = {10022, 10023, 10024, 20016}  # IP, user, per-API limits; posting too often
TRANSIENT = {10001, 10002, 21331}  # system error, service unavailable, temporarily_unavailable


def form(token: str, receiver: str, text: str) -> dict[str, str]:
    """The request body, form-encoded once by the client: `data` is the JSON text with raw
    UTF-8 (not \\u escapes), so after form decoding Weibo reads {"text": "..."}."""
    data = json.dumps({"text": text}, ensure_ascii=False, separators=(",", ":"))
    return {"access_token": token, "receiver_id": receiver, "type": "text", "data": data}


def receipt(reply: Reply, receiver: str, text: str, now: datetime) -> ReplyReceipt:
    """Return the receipt of a successful answer, or raise the typed error it carries.

    Success is "2xx and no error_code" (the success body is undocumented, 5.4.3); the id
    is the platform's if it gave one, else a stable one of our own.
    """
    body: dict[str, Any] = reply.data if isinstance(reply.data, dict) else {}
    if "error_code" in body:
        raise _error(body, now)
    if reply.status in (401, 403):
        raise AuthFailed(f"Weibo reply API: HTTP {reply.status}")
    if reply.status == 429:
        raise RateLimited("Weibo reply API: HTTP 429", retry_after=_next_hour(now))
    if reply.status >= 500:
        raise Unavailable(f"Weibo reply API: HTTP {reply.status}")
    if reply.status >= 300:
        raise Refused(f"Weibo reply API: HTTP {reply.status}", code=f"http_{reply.status}")
    if body.get("result") is False:
        raise Refused("Weibo reply API answered result=false", code="result_false")
    for key in ("idstr", "id", "msg_id", "message_id"):
        if body.get(key) not in (None, "", 0):
            return ReplyReceipt(reply_id=str(body[key]), sent_at=now)
    digest = hashlib.sha1(f"{receiver}\n{text}\n{now.isoformat()}".encode()).hexdigest()[:16]
    return ReplyReceipt(reply_id=f"dm-{receiver}-{digest}", sent_at=now)


def _error(body: dict[str, Any], now: datetime) -> Exception:
    """Map Weibo's error envelope; error_code comes as a number or a string (1.6)."""
    raw = body.get("error_code")
    try:
        code = int(str(raw).strip())
    except ValueError:
        code = -1
    text = str(body.get("error") or body.get("error_description") or "")[:200]
    message = f"Weibo reply API error {raw}: {text}"
    if code in AUTH:
        return AuthFailed(message)
    if code in RATE:
        wait = _next_hour(now) if code != 20016 else 600.0
        return RateLimited(message, retry_after=wait)
    if code in TRANSIENT:
        return Unavailable(message)
    return Refused(message, code=str(raw))


def _next_hour(now: datetime) -> float:
    """Seconds until Weibo's hourly rate-limit window turns (1.7), at least a minute."""
    turn = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return max((turn - now).total_seconds(), 60.0)
