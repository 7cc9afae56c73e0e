"""Tieba failures: every kind of aiotieba `.err` becomes our typed error (never the BDUSS
in a message), the poller acts on them, and aiotieba's log records land in our logging."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiotieba.logging as tieba_logging
import pytest
from aiohttp.test_utils import TestServer

from connectors.errors import AuthFailed, BadPayload, ConnectorError, Unavailable
from connectors.secret import Secret
from connectors.tieba import TiebaConfig
from connectors.tieba.connector import TiebaConnector
from connectors.tieba.logs import LOGGER_NAME, route
from responder.ingest.poller import Health, Poller
from responder.store.store import Store
from tests.fake_tieba import BDUSS, FakeTieba, Post
from tests.fakes import FakeClock


@pytest.fixture
def fake() -> FakeTieba:
    fake = FakeTieba()
    fake.ats = [Post(pid=2, tid=90, text="@品牌 在吗😀", time=1_700_000_002)]
    fake.replys = [Post(pid=1, tid=90, text="回复：在的", time=1_700_000_001)]
    return fake


@pytest.fixture
async def tieba(server: TestServer) -> AsyncIterator[TiebaConnector]:
    options: dict[str, Any] = {"timeout": timedelta(seconds=0.3)}  # the "slow" fault: 1 s
    config = TiebaConfig(bduss=Secret(BDUSS), api_base=f"http://127.0.0.1:{server.port}", **options)
    connector = TiebaConnector("brand", config)
    yield connector
    await connector.stop()


@pytest.mark.parametrize(
    ("route", "fault", "error", "words"),
    [
        ("replyme", "500", Unavailable, "get_replys page 1: HTTP 500"),
        ("atme", "502", Unavailable, "get_ats page 1: HTTP 502"),
        ("login", "502", Unavailable, "login: HTTP 502"),
        ("atme", "not_json", Unavailable, "an HTML page"),
        ("atme", "slow", Unavailable, "get_ats page 1: SocketTimeoutError"),
        ("replyme", "slow", Unavailable, "get_replys page 1: SocketTimeoutError"),
        ("atme", "other", Unavailable, "error_code 300000: fake: 服务繁忙"),
        ("replyme", "other", Unavailable, "error_code 300000"),
        ("atme", "truncated", BadPayload, "get_ats page 1: unreadable answer: JSONDecodeError"),
        ("atme", "missing_key", BadPayload, "unreadable answer: KeyError: 'fid'"),
        ("login", "missing_key", BadPayload, "login: unreadable answer: KeyError: 'user'"),
        ("replyme", "garbage", BadPayload, "get_replys page 1: unreadable answer: DecodeError"),
        ("atme", "auth", AuthFailed, "BDUSS was refused (error_code 1"),
        ("replyme", "auth", AuthFailed, "log in to Tieba again and set a new BDUSS"),
        ("login", "auth", AuthFailed, "login: the BDUSS was refused"),
    ],
)
async def test_each_failure_is_its_typed_error_and_the_next_fetch_works(
    fake: FakeTieba, tieba: TiebaConnector, route: str, fault: str, error: type, words: str
) -> None:
    fake.slow = 1.0
    fake.fail(route, fault)
    with pytest.raises(ConnectorError) as caught:
        await tieba.fetch(None)
    assert type(caught.value) is error and words in str(caught.value)
    assert BDUSS not in str(caught.value) and BDUSS not in getattr(caught.value, "raw", "")
    batch = await tieba.fetch(None)  # the fault was one answer: the next poll goes through
    assert sorted(m.platform_id for m in batch.mentions) == ["1", "2"]


async def test_a_bad_answer_keeps_what_arrived(fake: FakeTieba, tieba: TiebaConnector) -> None:
    fake.fail("atme", "truncated")
    with pytest.raises(BadPayload) as json_error:
        await tieba.fetch(None)
    assert json_error.value.raw == '{"error_code":"0","at_list":[{"content":"@\ufffd'
    fake.fail("replyme", "garbage")
    with pytest.raises(BadPayload) as proto_error:
        await tieba.fetch(None)
    assert proto_error.value.raw == "base64://4AZ2FyYmFnZYo="  # b"\xff\xfe\x00garbage\x8a"


async def test_a_wrong_bduss_is_an_auth_failure_and_the_poller_stops(
    fake: FakeTieba, tieba: TiebaConnector, store: Store, clock: FakeClock
) -> None:
    fake.bduss = "C" * 192  # the account logged out elsewhere: ours no longer works
    poller = Poller(tieba, store, clock)
    assert await poller.run_once() == 0
    assert poller.health is Health.AUTH_FAILED
    calls = len(fake.calls)
    clock.advance(3600)
    assert await poller.run_once() == 0 and len(fake.calls) == calls  # stopped for a human
    health = (await store.health(["brand"]))["brand"]
    assert "log in to Tieba again" in health["last_error"] and BDUSS not in health["last_error"]


async def test_aiotieba_logs_into_our_logger_not_stdout(
    fake: FakeTieba,
    tieba: TiebaConnector,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER_NAME)
    fake.fail("atme", "502")
    with pytest.raises(Unavailable):
        await tieba.fetch(None)
    ours = logging.getLogger(LOGGER_NAME)
    assert tieba_logging.get_logger() is ours and ours.handlers == []
    (record,) = [r for r in caplog.records if r.name == LOGGER_NAME]
    assert (record.levelname, record.funcName) == ("WARNING", "get_ats")
    assert "502" in record.getMessage() and "args=(1,)" in record.getMessage()
    tieba_logging.get_logger().warning("cookie BDUSS=%s; path=/", BDUSS)  # as a library might
    assert caplog.records[-1].getMessage() == "cookie BDUSS=***; path=/"
    assert BDUSS not in caplog.text
    assert capsys.readouterr().out == ""  # aiotieba's own stdout handler never printed
    assert logging.getLevelName(logging.WARNING) == "WARNING"  # aiotieba renamed it "WARN"
    assert logging.getLevelName(logging.CRITICAL) == "CRITICAL" and logging.raiseExceptions


def test_aiotieba_warnings_are_quiet_unless_asked_for() -> None:
    """aiotieba warns on every failed call; the poller already logs once per outage."""
    ours = logging.getLogger(LOGGER_NAME)
    before = ours.level
    try:
        ours.setLevel(logging.NOTSET)
        route()
        assert ours.level == logging.ERROR
        ours.setLevel(logging.INFO)  # an admin asking for them keeps them
        route()
        assert ours.level == logging.INFO
    finally:
        ours.setLevel(before)
