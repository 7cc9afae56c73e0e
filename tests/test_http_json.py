"""The http_json connector against a fake forum over loopback: mapping, paging across polls
and a restart, rejected items, every error class, and replies byte-exact."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from connectors.errors import (
    AuthFailed,
    BadPayload,
    PostByHand,
    RateLimited,
    Refused,
    Unavailable,
)
from connectors.http import Http
from connectors.http_json import HttpJsonConfig, HttpJsonConnector
from connectors.model import Author, Mention
from responder.config import load
from responder.ingest.poller import Poller
from responder.store.store import Store
from tests.fake_forum import TOKEN, Forum, post, running, write_config
from tests.fakes import FakeClock


@pytest.fixture
async def forum() -> AsyncIterator[tuple[Forum, str]]:
    fake = Forum(posts=[post(n) for n in range(101, 106)])
    async with running(fake) as base:
        yield fake, base


@pytest.fixture
async def http() -> AsyncIterator[Http]:
    client = Http(total=0.2, connect=0.2)
    yield client
    await client.stop()


def options(
    tmp_path: Path, base: str, monkeypatch: pytest.MonkeyPatch, swaps: dict[str, str] | None = None
) -> HttpJsonConfig:
    monkeypatch.setenv("FORUM_TOKEN", TOKEN)
    config = load(write_config(tmp_path, base, swaps=swaps))
    found = config.connectors[0].options
    assert isinstance(found, HttpJsonConfig)
    return found


@pytest.fixture
def connector(
    forum: tuple[Forum, str],
    http: Http,
    clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> HttpJsonConnector:
    config = options(tmp_path, forum[1], monkeypatch)
    return HttpJsonConnector("forum", config, http=http, now=clock.now)


async def test_every_field_maps_and_the_request_carries_auth_and_params(
    connector: HttpJsonConnector, forum: tuple[Forum, str]
) -> None:
    fake, _ = forum
    fake.posts = [
        post(101, "@澜星 X7 “发热”吗？😀𠮷", reply_to=99, user={"id": 42, "staff": True}),
        post(102, user={"id": "u2", "username": "小李", "followers": "1200", "staff": 0}),
    ]
    batch = await connector.fetch(None)
    first, second = batch.mentions
    assert first == Mention(
        platform="forum",
        account="forum",
        platform_id="101",
        author=Author(id="42", name="42", followers=0, verified=True),
        text="@澜星 X7 “发热”吗？😀𠮷",
        created_at=datetime(2026, 12, 3, 1, 41, tzinfo=UTC),
        kind="comment",
        thread_id="7",
        parent_id="99",
        url="https://forum.example/t/7/101",
        raw=fake.posts[0],
    )
    assert first.created_at.tzinfo is UTC
    assert second.author == Author(id="u2", name="小李", followers=1200, verified=False)
    assert second.parent_id is None and batch.cursor == "102" and batch.rejected == ()
    seen = fake.seen[0]
    assert seen.method == "GET" and seen.query == {"limit": "2", "order": "最新"}
    assert seen.headers["Authorization"] == f"Bearer {TOKEN}"


async def test_paging_goes_on_across_polls_and_a_restart(
    forum: tuple[Forum, str],
    store: Store,
    clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake, base = forum
    config = options(tmp_path, base, monkeypatch)
    first_http = Http(total=0.5)
    poller = Poller(
        HttpJsonConnector("forum", config, http=first_http, now=clock.now), store, clock
    )
    assert await poller.run_once() == 4  # two pages of two: max_pages = 2
    assert await store.cursor("forum") == "104"
    await first_http.stop()  # a restart: a new process, a new session, the cursor in Redis
    second_http = Http(total=0.5)
    poller = Poller(
        HttpJsonConnector("forum", config, http=second_http, now=clock.now), store, clock
    )
    assert await poller.run_once() == 1
    assert await poller.run_once() == 0  # nothing new: the cursor stays where it was
    assert await store.cursor("forum") == "105"
    fake.posts.append(post(106, "新帖：屏幕闪烁，求助！"))
    assert await poller.run_once() == 1
    await second_http.stop()
    assert [s.query.get("after") for s in fake.seen] == [None, "102", "104", "105", "105"]


async def test_a_max_of_cursor_and_a_post_list_endpoint(
    forum: tuple[Forum, str], http: Http, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, base = forum
    swaps = {'next = "meta.next"': 'max_of = "id"', "items =": 'method = "POST"\nitems ='}
    config = options(tmp_path, base, monkeypatch, swaps)
    connector = HttpJsonConnector("forum", config, http=http)
    batch = await connector.fetch("101")
    assert [m.platform_id for m in batch.mentions] == ["102", "103", "104", "105"]
    assert batch.cursor == "105"
    bodies = [json.loads(s.body) for s in fake.seen]
    assert bodies == [
        {"limit": "2", "order": "最新", "after": "101"},
        {"limit": "2", "order": "最新", "after": "103"},
    ]
    assert fake.seen[0].headers["Content-Type"] == "application/json; charset=utf-8"


async def test_bad_items_are_rejected_with_their_raw_and_the_rest_maps(
    connector: HttpJsonConnector, forum: tuple[Forum, str]
) -> None:
    fake, _ = forum
    fake.posts = [
        post(101, created="yesterday"),
        post(102, body=None),
        "not an item",  # type: ignore[list-item]
    ]
    batch = await connector.fetch(None)
    assert batch.mentions == ()
    reasons = [str(bad) for bad in batch.rejected]
    assert reasons[0].startswith("item 0: fields.created_at: Invalid isoformat string")
    assert reasons[1] == 'item 1: fields.text: "body" found nothing in the item'
    assert reasons[2] == 'item 2: items: expected an object, got a string "not an item"'
    assert json.loads(batch.rejected[0].raw)["created"] == "yesterday"
    assert batch.cursor == "102"  # bad items still move the cursor on: never retried forever


async def test_a_post_repeated_in_one_fetch_is_handed_on_once(
    connector: HttpJsonConnector, forum: tuple[Forum, str]
) -> None:
    fake, _ = forum
    fake.posts = [post(101), post(101), post(102), post(103, text="第二页：屏幕偶尔闪！")]
    batch = await connector.fetch(None)
    assert [m.platform_id for m in batch.mentions] == ["101", "102", "103"]
    assert batch.mentions[2].text == "第二页：屏幕偶尔闪！" and batch.cursor == "103"


@pytest.mark.parametrize(
    ("failure", "error", "words"),
    [
        ("401", AuthFailed, "refused the credentials (401)"),
        ("403", AuthFailed, "refused the credentials (403)"),
        ("500", Unavailable, "answered HTTP 500"),
        ("html", Unavailable, "HTTP 502, not JSON"),
        ("404", Unavailable, "answered HTTP 404: check url"),
        ("hang", Unavailable, "timed out"),
        ("malformed", BadPayload, "body is not JSON"),
        ("shape", BadPayload, 'items: "data.posts" is not a list in the response'),
    ],
)
async def test_each_failure_is_its_typed_error_without_the_token(
    connector: HttpJsonConnector,
    forum: tuple[Forum, str],
    failure: str,
    error: type[Exception],
    words: str,
) -> None:
    forum[0].failures = [failure]
    with pytest.raises(error) as caught:
        await connector.fetch(None)
    assert words in str(caught.value) and TOKEN not in str(caught.value)
    if isinstance(caught.value, BadPayload):
        assert caught.value.raw.startswith('{"data": {"posts": ')  # kept for the dead letters


@pytest.mark.parametrize("failure", ["429", "429-text"])
async def test_a_rate_limit_honours_retry_after_in_seconds_or_as_a_date(
    connector: HttpJsonConnector, forum: tuple[Forum, str], clock: FakeClock, failure: str
) -> None:
    fake, _ = forum
    fake.failures = [failure]
    with pytest.raises(RateLimited) as caught:
        await connector.fetch(None)
    assert caught.value.retry_after == 30
    fake.retry_after = format_datetime(clock.now() + timedelta(seconds=90), usegmt=True)
    fake.failures = ["429"]
    with pytest.raises(RateLimited) as caught:
        await connector.fetch(None)
    assert caught.value.retry_after == 90  # measured against the injected clock


async def test_a_wrong_token_is_auth_failed_and_never_shown(
    forum: tuple[Forum, str], http: Http, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = options(tmp_path, forum[1], monkeypatch)
    monkeypatch.setenv("FORUM_TOKEN", "stale-token")
    stale = load(write_config(tmp_path, forum[1])).connectors[0].options
    assert "stale-token" not in repr(stale) and TOKEN not in repr(config)
    with pytest.raises(AuthFailed) as caught:
        await HttpJsonConnector("forum", stale, http=http).fetch(None)
    assert "stale-token" not in str(caught.value)
    assert forum[0].seen[-1].headers["Authorization"] == "Bearer stale-token"


async def test_a_later_page_failing_keeps_the_pages_before_it(
    connector: HttpJsonConnector, forum: tuple[Forum, str]
) -> None:
    for failure in ("500", "shape"):
        forum[0].failures = ["pass", failure]
        batch = await connector.fetch(None)
        assert [m.platform_id for m in batch.mentions] == ["101", "102"]
        assert batch.cursor == "102"  # the next poll asks for page two again
    forum[0].failures = ["shape"]
    with pytest.raises(BadPayload):  # and says what is wrong if it fails again
        await connector.fetch("102")


def _mention(thread: str | None = "7") -> Mention:
    return Mention(
        platform="forum",
        account="forum",
        platform_id="101",
        author=Author(id="u1", name="小王"),
        text="X7 发热",
        created_at=datetime(2026, 12, 3, 1, 41, tzinfo=UTC),
        thread_id=thread,
        url="https://forum.example/t/7/101",
    )


async def test_a_reply_body_is_byte_exact_raw_utf8_whatever_the_text(
    connector: HttpJsonConnector, forum: tuple[Forum, str], clock: FakeClock
) -> None:
    text = '他说"好"\n下一行\t😀𠮷，（全角）\\ {id} </script>'
    receipt = await connector.send_reply(_mention(), text)
    assert receipt.reply_id == "9001" and receipt.sent_at == clock.now()
    seen = forum[0].seen[-1]
    assert seen.method == "POST" and seen.path == "/api/topics/7/replies"
    expected = (
        '{"topic_id":7,"reply_to_post":"101",'
        '"raw":"他说\\"好\\"\\n下一行\\t😀𠮷，（全角）\\\\ {id} </script>"}'
    )
    assert seen.body == expected.encode("utf-8")
    assert json.loads(seen.body)["raw"] == text  # and the forum reads back what we sent
    assert seen.headers["Content-Type"] == "application/json; charset=utf-8"
    assert seen.headers["Authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize(
    ("failure", "error", "words"),
    [
        ("refuse", Refused, "refused with HTTP 422"),
        ("not-ok", Refused, '"ok" is not true'),
        ("401", AuthFailed, "refused the credentials (401)"),
        ("429", RateLimited, "rate limited (reply)"),
        ("500", Unavailable, "answered HTTP 500"),
        ("hang", Unavailable, "timed out"),
    ],
)
async def test_reply_failures_are_typed(
    connector: HttpJsonConnector,
    forum: tuple[Forum, str],
    failure: str,
    error: type[Exception],
    words: str,
) -> None:
    forum[0].failures = [failure]
    with pytest.raises(error, match=re.escape(words)) as caught:
        await connector.send_reply(_mention(), "好的")
    if isinstance(caught.value, Refused):
        assert caught.value.code == ("422" if failure == "refuse" else "200")


async def test_a_reply_that_cannot_be_built_or_has_no_endpoint(
    connector: HttpJsonConnector, forum: tuple[Forum, str], http: Http
) -> None:
    with pytest.raises(Refused, match="thread"):
        await connector.send_reply(_mention(thread=None), "好的")
    assert forum[0].seen == []  # nothing was sent
    by_hand = HttpJsonConnector("forum", replace(connector.config, reply=None), http=http)
    with pytest.raises(PostByHand) as caught:
        await by_hand.send_reply(_mention(), "好的")
    assert caught.value.url == "https://forum.example/t/7/101"
