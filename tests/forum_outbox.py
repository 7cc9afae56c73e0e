"""The outbox over the fake forum (http_json connector, real HTTP on loopback), as
`tiexin run` would run it for a test app's mentions taken in from the source "demo"; the
forum records every call it gets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from connectors.http import Http
from connectors.http_json import HttpJsonConnector
from responder.config import load
from responder.outbox.sender import Sender
from responder.outbox.store import OutboxStore
from responder.services import METRICS, SERVICES, STORE
from responder.web.approving import Committer
from tests.fake_forum import Forum, write_config
from tests.fakes import FakeClock


async def forum_sender(
    client: TestClient[Any, Any], clock: FakeClock, base: str, http: Http, folder: Path
) -> Sender:
    """A Sender over the forum at `base` (FORUM_TOKEN must be in the environment)."""
    options = load(write_config(folder, base)).connectors[0].options
    connector = HttpJsonConnector("forum", options, http=http, now=clock.now)
    outbox = OutboxStore(_app(client)[STORE])
    await outbox.ensure_group()
    app = _app(client)
    metrics = app[METRICS]  # counted with the app's, as `tiexin run` counts them
    durable = app[SERVICES].durable  # the replicas' confirmation, as `tiexin run` waits for it
    lookup = {"demo": connector}.get
    return Sender(outbox, lookup, clock, consumer="t", metrics=metrics, durable=durable)


async def background(client: TestClient[Any, Any], sender: Sender) -> None:
    """What the background tasks would do now: commit the approvals due, then send."""
    await Committer(_app(client)).step()
    for _ in range(2):
        await sender.step(block_ms=None)


def posts(forum: Forum) -> int:
    """How many replies the forum was asked to post."""
    return sum(1 for seen in forum.seen if seen.method == "POST")


def _app(client: TestClient[Any, Any]) -> web.Application:
    app = client.app
    assert isinstance(app, web.Application)
    return app
