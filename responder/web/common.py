"""What the API's handlers share: who the agent is, outcomes to errors, JSON answers."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from responder.store.store import Outcome, Result
from responder.web.auth import current_user
from responder.web.validate import ApiError


def check_outcome(mid: str, outcome: Outcome) -> None:
    """Raise the API error an action's refusal means (404 or 409)."""
    if outcome.result is Result.UNKNOWN:
        raise unknown(mid)
    if outcome.result is Result.NOT_OPEN:
        raise ApiError(f"mention {mid} is already {outcome.detail}", status=409)
    if outcome.result is Result.CLAIMED:
        raise ApiError(f"mention {mid} is claimed by {outcome.detail}", status=409)
    if outcome.result is Result.MAYBE_SENT:
        raise ApiError(MAYBE_SENT, status=409, details={"code": "maybe_sent"})
    if outcome.result is Result.HELD:
        raise ApiError(
            f"{outcome.detail} 刚批准了这条回复，几秒后发出（可撤销）",
            status=409,
            details={"code": "held", "held_by": outcome.detail},
        )


MAYBE_SENT = (
    '上次发送中途中断，可能已经发出。请先到平台上查看；仍要再发一次，请确认重发（"resend": true）'
)


def unknown(mid: str) -> ApiError:
    """Return the 404 for a mention id that names nothing."""
    return ApiError(f"no mention with id {mid}", status=404)


def agent_of(request: web.Request) -> str:
    """The signed-in user's name: identity comes from the session or token, never the body."""
    return current_user(request).name


def json_response(data: Any, status: int = 200) -> web.Response:
    """Answer JSON, UTF-8 with Chinese text readable (no \\u escapes).

    orjson: encoding a page of the queue took a quarter of the server's time with json."""
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")
