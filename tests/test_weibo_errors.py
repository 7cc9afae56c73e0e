"""Weibo errors: every error JSON, status and transport failure becomes its typed error; a
rate limit is waited out by every process; the token never shows; config errors are clear."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from connectors.errors import AuthFailed, BadPayload, RateLimited, Refused, Unavailable
from connectors.http import Http
from connectors.registry import Context, build
from connectors.secret import Secret
from connectors.weibo import WeiboConnector
from connectors.weibo.errors import wait_for_hour
from responder.config import ConfigError, parse
from responder.store.keys import Keys
from responder.store.shared import RedisShared
from tests.fake_weibo import FakeWeibo, Fault, WeiboState, user
from tests.fake_weibo.running import TOKEN, config

NOW = datetime(2026, 11, 20, 2, 20, tzinfo=UTC)  # 40 minutes to the next hour window
FAN = user(1664695495, "_Iambda")


@pytest.fixture
def fake() -> FakeWeibo:
    state = WeiboState()
    state.add_status(100, "@品牌官方 你好", by=FAN)
    return FakeWeibo(state)


def connector(api_base: str, http: Http, **changes: Any) -> WeiboConnector:
    return WeiboConnector("brand", config(api_base, **changes), http=http, now=lambda: NOW)


LIMITED = "User requests out of rate limit!"


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        (Fault(code=21327, error="expired_token", status=401), AuthFailed),
        (Fault(code=21332, error="invalid_access_token", status=401), AuthFailed),
        (Fault(code="21332", error="invalid_access_token", status=400), AuthFailed),  # a string
        (Fault(code=21301, error="auth faild!", status=403), AuthFailed),
        (Fault(code=21319, error="Accessor was revoked!"), AuthFailed),
        (Fault(code=10014, error="Insufficient app permissions!", status=403), AuthFailed),
        (Fault(code=10022, error="IP requests out of rate limit!", status=403), RateLimited),
        (Fault(code=10023, error=LIMITED, status=403), RateLimited),
        (Fault(code=10024, error="User requests for (comments) out of rate limit!"), RateLimited),
        (Fault(code=10023, error=LIMITED, status=200), RateLimited),  # an error code on a 200
        (Fault(code=10001, error="System error", status=500), Unavailable),
        (Fault(code=10002, error="Service unavailable", status=503), Unavailable),
        (Fault(body="<html><body>502 Bad Gateway</body></html>", status=502), Unavailable),
        (Fault(body="", status=200), Unavailable),  # the blacklist's empty reply
        (Fault(body="", status=400), Unavailable),
        (Fault(drop=True), Unavailable),  # a dropped connection
        (Fault(delay=1.0), Unavailable),  # a hang past the client's 0.3 s
        (Fault(body='{"statuses": [{"id": 1,', status=200), BadPayload),
        (Fault(body='{"statuses": [', status=400), BadPayload),
        (Fault(body='{"message": "no code"}', status=400), BadPayload),
        (Fault(code="abc", error="odd"), BadPayload),
        (Fault(code=10016, error="Miss required parameter (rip)"), Refused),
    ],
)
async def test_errors_map_to_their_types(
    fake: FakeWeibo, api_base: str, http: Http, fault: Fault, kind: type[Exception]
) -> None:
    fake.fail(fault, fault) if fault.drop else fake.fail(fault)  # aiohttp retries a GET once
    with pytest.raises(kind) as caught:
        await connector(api_base, http, kinds=("mentions",)).fetch(None)
    assert TOKEN not in str(caught.value) and TOKEN not in repr(caught.value.args)
    if isinstance(caught.value, RateLimited):
        assert caught.value.retry_after == 40 * 60  # the next hour window
    if isinstance(caught.value, BadPayload):
        assert caught.value.raw == fault.body or str(fault.code) in caught.value.raw


async def test_the_fake_checks_the_token_every_way_it_travels(
    fake: FakeWeibo, api_base: str, http: Http
) -> None:
    wrong = WeiboConnector("brand", config(api_base, access_token=Secret("nope")), http=http)
    with pytest.raises(AuthFailed, match="21332"):
        await wrong.fetch(None)
    fake.expired.add(TOKEN)
    with pytest.raises(AuthFailed, match="21327 expired_token"):
        await connector(api_base, http).fetch(None)
    url = f"{api_base}/statuses/mentions.json"
    anonymous = await http.request("GET", url)
    assert anonymous.data["error_code"] == 21301
    assert anonymous.data["request"] == "/2/statuses/mentions.json"
    header = await http.request("GET", url, headers={"Authorization": "OAuth2 other"})
    assert header.data["error_code"] == 21332
    fake.expired.clear()
    by_header = await http.request("GET", url, headers={"Authorization": f"OAuth2 {TOKEN}"})
    by_appkey = await http.request("GET", url, params={"source": "1352222456"})
    assert by_header.data["statuses"] == by_appkey.data["statuses"] != []


async def test_an_hourly_limit_is_waited_out_by_every_process(
    fake: FakeWeibo, api_base: str, http: Http, redis: Redis
) -> None:
    fake.hourly_limit = 1
    shared = RedisShared(redis, Keys("test"), "brand")
    one = WeiboConnector("brand", config(api_base), http=http, shared=shared, now=lambda: NOW)
    with pytest.raises(RateLimited) as caught:
        await one.fetch(None)  # statuses/mentions passes, comments/mentions is the second
    assert caught.value.retry_after == 2400
    calls = len(fake.reads)
    other = WeiboConnector("brand", config(api_base), http=http, shared=shared, now=lambda: NOW)
    with pytest.raises(RateLimited) as waiting:
        await other.fetch(None)
    assert len(fake.reads) == calls  # never hammered
    assert waiting.value.retry_after == pytest.approx(2400)


@pytest.mark.parametrize(
    ("now", "wait"),
    [
        (datetime(2026, 1, 1, 10, 0, 0, tzinfo=UTC), 3600),
        (datetime(2026, 1, 1, 10, 20, 0, tzinfo=UTC), 2400),
        (datetime(2026, 1, 1, 10, 59, 30, tzinfo=UTC), 60),  # at least a minute
        (datetime(2026, 12, 31, 23, 58, 0, tzinfo=UTC), 120),
    ],
)
def test_the_wait_runs_to_the_next_hour_window(now: datetime, wait: float) -> None:
    assert wait_for_hour(now) == wait


def _weibo_config(options: str) -> str:
    return f'[connectors.brand]\ntype = "weibo"\n{options}\n'


def _errors(text: str) -> list[str]:
    import tomllib

    with pytest.raises(ConfigError) as caught:
        parse(tomllib.loads(text), base_dir=Path("."), source="config.toml")
    return caught.value.problems


def test_config_errors_name_the_key_and_what_is_expected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WEIBO_TOKEN_UNSET", raising=False)
    missing = _errors(
        _weibo_config('access_token_env = "WEIBO_TOKEN_UNSET"\nuid = "5309864355"\nrip = "1.2.3.4"')
    )
    assert missing == [
        'connectors.brand.access_token_env: environment variable "WEIBO_TOKEN_UNSET" is not set'
    ]
    monkeypatch.setenv("WEIBO_TOKEN", "secret-value")
    bad = _errors(
        _weibo_config(
            'access_token_env = "WEIBO_TOKEN"\nuid = "品牌"\nrip = "localhost"\n'
            'kinds = ["mentions", "dms"]\ncount = 500'
        )
    )
    assert bad == [
        'connectors.brand.kinds[1]: must be one of "mentions", "comment_mentions",'
        ' "comments_to_me", got "dms"',
        "connectors.brand.count: must be an integer > 0 and <= 200, got 500",
    ]
    checked = _errors(_weibo_config('access_token_env = "WEIBO_TOKEN"\nuid = "品牌"\nrip = "x"'))
    assert checked == [
        'connectors.brand: uid must be the account\'s numeric uid, got "品牌"; '
        'rip must be an IP address such as "211.156.0.1", got "x"'
    ]
    assert "secret-value" not in " ".join(bad + checked)
    required = _errors(_weibo_config('access_token_env = "WEIBO_TOKEN"'))
    assert required == ["connectors.brand.uid: required", "connectors.brand.rip: required"]


async def test_the_registry_builds_a_weibo_connector(api_base: str, http: Http) -> None:
    shared: list[str] = []

    def scoped(name: str) -> Any:
        shared.append(name)
        return None

    made = build("weibo", "brand", config(api_base), Context(http=http, shared=scoped))
    assert isinstance(made, WeiboConnector) and made.name == "brand" and shared == ["brand"]
    assert len((await made.fetch(None)).mentions) == 1


async def test_a_reply_quota_holds_back_replies_but_not_polling(
    fake: FakeWeibo, api_base: str, http: Http, redis: Redis
) -> None:
    shared = RedisShared(redis, Keys("test"), "brand")
    weibo = WeiboConnector("brand", config(api_base), http=http, shared=shared, now=lambda: NOW)
    (post,) = (await weibo.fetch(None)).mentions
    fake.fail(Fault(path="comments/create", code=20016, error="Out of limit!"))
    with pytest.raises(RateLimited):
        await weibo.send_reply(post, "稍等")
    with pytest.raises(RateLimited):
        await weibo.send_reply(post, "稍等")  # waits: not sent again
    assert len(fake.writes) == 1
    await weibo.fetch(None)  # polling goes on
