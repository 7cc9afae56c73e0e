"""Weibo's error JSON and HTTP status, mapped to the typed errors in one place (§1.6)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from connectors.errors import (
    AuthFailed,
    BadPayload,
    ConnectorError,
    RateLimited,
    Refused,
    Unavailable,
)
from connectors.http import RAW_KEPT, Reply

# The token or the app is refused: nothing helps until a human re-authorizes or fixes the app.
AUTH = frozenset(
    {10006, 10013, 10014, 10032, 21301, 21314, 21315, 21316, 21317, 21319, 21321}
    | set(range(21322, 21333))  # the OAuth2 errors, 21327 expired_token, 21332 invalid token
)
# Per IP, per user and per API call limits: all counted per hour window (§1.7); 20016 is
# "posting too often".
RATE = frozenset({10022, 10023, 10024, 20016})
# Weibo's side failing: retry with backoff.
DOWN = frozenset({10001, 10002, 10003, 10009, 10010, 10011, 10012})
# Our request is wrong (a missing `rip`, a bad parameter): sending it again cannot help.
BUG = frozenset({10008, 10016, 10017, 10020, 10021})
REPEAT = 20019  # identical text: often an earlier attempt that timed out went through
MIN_WAIT = 60.0


def error_for(reply: Reply, where: str, now: datetime) -> ConnectorError | None:
    """Return the error a reply stands for, or None when it is a success.

    Any body with `error_code` is an error, whatever the status (sinaweibopy does the same);
    the code may be a number or a string. Weibo's own text is kept; the token never appears.
    """
    data = reply.data
    if isinstance(data, Mapping) and "error_code" in data:
        code = _code(data.get("error_code"))
        text = str(data.get("error", ""))[:200]
        message = f"weibo {where}: error {data.get('error_code')} {text} (HTTP {reply.status})"
        return _by_code(code, message, reply, now)
    if reply.status >= 500:
        return Unavailable(f"weibo {where}: HTTP {reply.status}")
    if reply.status == 429:
        return RateLimited(f"weibo {where}: HTTP 429", retry_after=wait_for_hour(now))
    if reply.status in (401, 403):
        return AuthFailed(f"weibo {where}: HTTP {reply.status} without an error code")
    if reply.status >= 400:
        message = f"weibo {where}: HTTP {reply.status} without an error code"
        return BadPayload(message, raw=_raw(reply))
    return None


def _by_code(code: int | None, message: str, reply: Reply, now: datetime) -> ConnectorError:
    if code is None:
        return BadPayload(message + ": error_code is not a number", raw=_raw(reply))
    if code in AUTH:
        return AuthFailed(message + "; re-authorize the brand account (docs/connectors/weibo.md)")
    if code in RATE:
        return RateLimited(message, retry_after=wait_for_hour(now))
    if code in BUG:
        return Refused(message + "; check the connector's config", code=str(code))
    if code in DOWN or reply.status >= 500 or code < 20000:
        # 1xxxx are system level: parameters we send are fixed, so treat the rest as passing.
        return Unavailable(message)
    return Refused(message, code=str(code))  # 2xxxx: this content or target is refused


def wait_for_hour(now: datetime) -> float:
    """Seconds until the next hour window opens (Weibo counts calls per hour), at least a
    minute so that a limit hit at 10:59:59 is not hammered at 11:00:00."""
    start = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return max((start - now).total_seconds(), MIN_WAIT)


def _code(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _raw(reply: Reply) -> str:
    return reply.text[:RAW_KEPT]
