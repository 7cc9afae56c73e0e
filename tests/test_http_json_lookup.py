"""`[reply.lookup]`: how http_json finds a reply it already posted, against the fake
forum's listing of our replies, and why anything odd in the answer is an error, never
"not there"."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from connectors.errors import BadPayload, Unavailable
from connectors.http import Http
from connectors.http_json import HttpJsonConfig, HttpJsonConnector
from connectors.http_json.config import LookupConfig
from connectors.http_json.lookup import Lookup
from responder.config import load
from tests.fake_forum import TOKEN, Forum, running, write_config
from tests.fakes import FakeClock, mention
from tests.test_interrupted_sends import LOOKUP

POST = mention("101", platform="forum", kind="comment", thread_id="7")
TEXT = "来啦，马上帮你看看😀"


@pytest.fixture
async def forum() -> AsyncIterator[tuple[Forum, str]]:
    fake = Forum()
    async with running(fake) as base:
        yield fake, base


async def _connector(
    forum: tuple[Forum, str], http: Http, clock: FakeClock, tmp_path: Path, extra: str
) -> HttpJsonConnector:
    _, base = forum
    options = load(write_config(tmp_path, base, extra.replace("{base}", base))).connectors[0]
    assert isinstance(options.options, HttpJsonConfig)
    return HttpJsonConnector("forum", options.options, http=http, now=clock.now)


@pytest.fixture
async def connector(
    forum: tuple[Forum, str],
    http: Http,
    clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> HttpJsonConnector:
    monkeypatch.setenv("FORUM_TOKEN", TOKEN)
    return await _connector(forum, http, clock, tmp_path, LOOKUP)


def _reply(number: int, raw: str, to: object = "101", topic: int = 7) -> dict[str, object]:
    return {"id": number, "topic_id": topic, "reply_to_post": to, "raw": raw}


async def test_the_reply_with_our_text_to_this_post_is_found(
    connector: HttpJsonConnector, forum: tuple[Forum, str], clock: FakeClock
) -> None:
    fake, _ = forum
    assert connector.can_find_reply
    assert await connector.find_reply(POST, TEXT) is None  # nothing posted yet
    fake.replies = [
        _reply(1, TEXT, to="102"),  # the same words to another post
        _reply(2, "来啦"),  # another text to this post
        _reply(3, f"\n  {TEXT} "),  # ours: the forum kept the spaces around it
        _reply(4, TEXT, topic=8),  # another topic's listing
    ]
    found = await connector.find_reply(POST, f"{TEXT}\n")
    assert found is not None and found.reply_id == "3" and found.sent_at == clock.now()
    (seen,) = [s for s in fake.seen if s.method == "GET"][-1:]
    assert seen.path == "/api/topics/7/replies" and seen.query == {"mine": "1"}
    assert seen.headers["Authorization"] == f"Bearer {TOKEN}"


async def test_a_lookup_that_cannot_tell_raises(
    connector: HttpJsonConnector, forum: tuple[Forum, str]
) -> None:
    fake, _ = forum
    fake.replies = [_reply(3, TEXT)]
    fake.failures = ["500", "malformed", "shape", "404"]
    with pytest.raises(Unavailable):
        await connector.find_reply(POST, TEXT)
    with pytest.raises(BadPayload):
        await connector.find_reply(POST, TEXT)
    with pytest.raises(BadPayload, match=r"no list at data\.replies"):
        await connector.find_reply(POST, TEXT)  # {"data": {"posts": {...}}}
    with pytest.raises(Unavailable, match="HTTP 404"):
        await connector.find_reply(POST, TEXT)
    found = await connector.find_reply(POST, TEXT)
    assert found is not None and found.reply_id == "3"


async def test_without_a_lookup_the_outbox_is_told_it_cannot_ask(
    forum: tuple[Forum, str],
    http: Http,
    clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FORUM_TOKEN", TOKEN)
    connector = await _connector(forum, http, clock, tmp_path, "")
    assert not connector.can_find_reply
    with pytest.raises(Unavailable):
        await connector.find_reply(POST, TEXT)


def test_a_post_lookup_sends_its_body_filled_like_the_reply_body() -> None:
    config = LookupConfig(
        url="https://f.example/api/replies/search",
        method="POST",
        body='{"topic": "{thread:int}", "to": "{id}", "mine": true}',
        items="replies",
        text="raw",
        id="id",
    )
    values = {"id": "101", "thread": "7", "text": TEXT}
    url, body = Lookup("forum", config).request(values)
    assert url == "https://f.example/api/replies/search"
    assert body is not None and json.loads(body) == {"topic": 7, "to": "101", "mine": True}
    get = LookupConfig(url="https://f.example/t/{thread}/mine", items="a", text="b", id="c")
    assert Lookup("forum", get).request(values) == ("https://f.example/t/7/mine", None)
