"""What the API's handlers share: who the agent is, outcomes to errors, JSON answers."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from responder.store.store import Outcome, Result
from responder.web.validate import ApiError, Field, check

AGENT_HEADER = "X-Tiexin-Agent"
AGENT = Field(name="agent", max_length=64, visible=True, one_line=True)


def check_outcome(mid: str, outcome: Outcome) -> None:
    """Raise the API error an action's refusal means (404 or 409)."""
    if outcome.result is Result.UNKNOWN:
        raise unknown(mid)
    if outcome.result is Result.NOT_OPEN:
        raise ApiError(f"mention {mid} is already {outcome.detail}", status=409)
    if outcome.result is Result.CLAIMED:
        raise ApiError(f"mention {mid} is claimed by {outcome.detail}", status=409)


def unknown(mid: str) -> ApiError:
    """Return the 404 for a mention id that names nothing."""
    return ApiError(f"no mention with id {mid}", status=404)


def agent_of(request: web.Request, body: dict[str, Any]) -> str:
    # Until logins exist (the web UI issue), agents name themselves; only no name at all
    # means "local", never a name that is empty or not a string.
    if "agent" in body:
        return str(body["agent"])
    header = request.headers.get(AGENT_HEADER)
    return "local" if header is None else str(check(AGENT, header, source=AGENT_HEADER))


def json_response(data: Any, status: int = 200) -> web.Response:
    """Answer JSON, UTF-8 with Chinese text readable (no \\u escapes).

    orjson: encoding a page of the queue took a quarter of the server's time with json."""
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")
