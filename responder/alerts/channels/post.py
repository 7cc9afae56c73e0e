"""One POST of a JSON body for the robot channels, with transport errors mapped to
Transient/Definite and every secret scrubbed from the messages."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from connectors.errors import BadPayload, ConnectorError, RateLimited, Unavailable
from connectors.http import Http, Reply, retry_after
from responder.alerts.channels.page import Definite, Transient


def encode(body: Mapping[str, Any]) -> bytes:
    """Raw UTF-8 JSON: Chinese and emoji as themselves, not \\u escapes."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace each secret (and the URL that carries it) in `text` with "***"."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


async def post(
    http: Http,
    name: str,
    url: str,
    body: bytes,
    *,
    secrets: Iterable[str],
    now: datetime,
    headers: Mapping[str, str] | None = None,
) -> Reply:
    """POST `body`; raise Transient for no usable answer, a 408, 429 or 5xx (a Retry-After
    date read against `now`), never leaking `url` or `secrets` in a message."""
    hidden = [url, url.split("?", 1)[0], *secrets]
    sent = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
    try:
        reply = await http.request("POST", url, body=body, headers=sent)
    except RateLimited as exc:
        wait = exc.retry_after
        raise Transient(f"{name}: {redact(str(exc), hidden)}", retry_after=wait) from None
    except Unavailable as exc:
        raise Transient(f"{name}: {redact(str(exc), hidden)}") from None
    except BadPayload as exc:
        raise Definite(f"{name}: {redact(str(exc), hidden)}") from None
    except ConnectorError as exc:  # pragma: no cover - Http raises only the three above
        raise Transient(f"{name}: {redact(str(exc), hidden)}") from None
    if reply.status == 429:
        wait = retry_after(reply.headers.get("Retry-After"), now)
        raise Transient(f"{name}: HTTP 429", retry_after=wait)
    if reply.status >= 500 or reply.status == 408:
        raise Transient(f"{name}: HTTP {reply.status}")
    return reply
