"""Alert channels against fake DingTalk, WeCom and Feishu robots and a webhook receiver on
loopback: exact requests and signatures, Chinese and emoji intact, error mapping, the
fallback's order and retries under a fake clock, health, and secrets kept out of sight."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest

from connectors.http import Http
from connectors.secret import Secret
from responder.alerts.channels import (
    Channel,
    Definite,
    Delivery,
    Fallback,
    Page,
    RetryPolicy,
    Transient,
    build_channel,
    group_page,
    mention_page,
    resolved_page,
)
from responder.alerts.channels.dingtalk import DingTalk, DingTalkConfig
from responder.alerts.channels.fallback import AllFailed
from responder.alerts.channels.feishu import Feishu, FeishuConfig
from responder.alerts.channels.text import Oldest, duration
from responder.alerts.channels.webhook import Webhook, WebhookConfig
from responder.alerts.channels.wecom import WeCom, WeComConfig
from responder.backoff import BackoffPolicy
from responder.drafts.priority import followers_cn
from responder.schema import Binder
from responder.store.stages import Stage
from tests.fake_robots import (
    DING_SECRET,
    DING_TOKEN,
    FEISHU_HOOK,
    FEISHU_SECRET,
    HOOK_SECRET,
    WECOM_KEY,
    Answer,
    FakeRobots,
)
from tests.fakes import FakeClock

TEXT = "你们的X7 Pro充电口又坏了！😀𠮷，客服电话打不通？"
SECRETS = (DING_SECRET, DING_TOKEN, FEISHU_HOOK, FEISHU_SECRET, HOOK_SECRET, WECOM_KEY)


def page(**changes: Any) -> Page:
    made = mention_page(
        key="m-42:warn:1",
        stage=Stage.WARNED,
        source="微博评论",
        platform="weibo",
        followers=3_820_000,
        left=timedelta(minutes=4, seconds=10),
        text=TEXT,
        link="https://tiexin.example/m/42",
        ack_link="https://tiexin.example/ack/m-42?sig=abc&exp=1",
    )
    return Page(**{**_fields(made), **changes})


def _fields(made: Page) -> dict[str, Any]:
    return {name: getattr(made, name) for name in Page.__slots__}


def ding(
    base: str, http: Http, clock: FakeClock, secret: str = DING_SECRET, **more: Any
) -> DingTalk:
    cfg = DingTalkConfig(
        access_token=Secret(DING_TOKEN), secret=Secret(secret), api_base=base, **more
    )
    return DingTalk("钉钉值班群", cfg, http=http, clock=clock)


def wecom(base: str, http: Http, clock: FakeClock, key: str = WECOM_KEY, **more: Any) -> WeCom:
    cfg = WeComConfig(key=Secret(key), api_base=base, **more)
    return WeCom("wecom", cfg, http=http, clock=clock)


def feishu(base: str, http: Http, clock: FakeClock, secret: str = FEISHU_SECRET) -> Feishu:
    cfg = FeishuConfig(hook=Secret(FEISHU_HOOK), secret=Secret(secret), api_base=base)
    return Feishu("feishu", cfg, http=http, clock=clock)


def hook(base: str, http: Http, clock: FakeClock, secret: str = HOOK_SECRET) -> Webhook:
    cfg = WebhookConfig(url=base + "/hook", secret=Secret(secret))
    return Webhook("webhook", cfg, http=http, clock=clock)


def ours(caplog: pytest.LogCaptureFixture) -> str:
    """Every log line but the fake server's own access log (the far side sees its URL)."""
    return "\n".join(r.getMessage() for r in caplog.records if r.name != "aiohttp.access")


def hidden(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


# -- wording ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (250, "4分10秒"),
        (50, "50秒"),
        (0, "0秒"),
        (60, "1分"),
        (820, "13分40秒"),
        (3900, "1小时5分"),
        (7200, "2小时"),
        (-130, "2分10秒"),
    ],
)
def test_duration(seconds: int, shown: str) -> None:
    assert duration(timedelta(seconds=seconds)) == shown


@pytest.mark.parametrize(
    ("followers", "shown"),
    [
        (382, "382"),
        (9_999, "9,999"),
        (12_345, "1.2万"),
        (3_820_000, "382万"),
        (100_000, "10万"),
        (150_000_000, "1.5亿"),
    ],
)
def test_reach_in_chinese_units(followers: int, shown: str) -> None:
    """Pages show reach as the drafts and the workspace do."""
    assert followers_cn(followers) == shown


def test_pages_in_chinese() -> None:
    assert page().title == "【即将超时】微博评论 · 粉丝 382万 · 剩 4分10秒"
    late = mention_page(
        key="k",
        stage=Stage.BREACHED,
        source="贴吧回复",
        platform="tieba",
        followers=None,
        left=timedelta(seconds=-70),
        text="",
        link="l",
        ack_link="a",
        crisis=True,
    )
    assert late.title == "【危机·已超时】贴吧回复 · 超时 1分10秒" and late.severity == "crisis"
    oldest = Oldest(source="微博评论", text=TEXT, left=timedelta(seconds=130))
    group = group_page(
        key="g1",
        count=12,
        within=timedelta(minutes=5),
        earliest=oldest,
        crises=1,
        queue_link="https://tiexin.example/queue?due=5m",
    )
    assert group.title == "12 条将在 5 分钟内超时，最早 2分10秒；含 1 条危机"
    assert group.lines == (f"最早：微博评论「{TEXT}」（剩 2分10秒）",)
    done = resolved_page(key="g1:done", count=12, answered=12, slowest=timedelta(seconds=820))
    assert done.title == "12 条已预警，全部已回复，最慢 13分40秒"
    long = "第一行\n\n第二行😀" + "长" * 300  # newlines would end the markdown quote
    quoted = mention_page(
        key="k", stage=Stage.WARNED, source="微博私信", platform="weibo", followers=None,
        left=timedelta(seconds=5), text=long, link="l", ack_link="a",
    )  # fmt: skip
    assert quoted.lines == ("第一行 第二行😀" + "长" * 191 + "…",)
    assert quoted.text.startswith("第一行\n\n")  # the page keeps the original for the webhook
    partly = resolved_page(key="g1:done", count=12, answered=10, slowest=timedelta(seconds=60))
    assert partly.title == "12 条已预警，已回复 10 条，2 条未回复，最慢 1分"


# -- DingTalk -----------------------------------------------------------------------------


async def test_dingtalk_sends_signed_markdown(
    base: str, http: Http, clock: FakeClock, robots: FakeRobots
) -> None:
    delivery = await ding(base, http, clock).send(page())
    assert delivery == Delivery(channel="钉钉值班群", at=clock.now(), detail="ok")
    [got] = robots.of("dingtalk")
    stamp = int(clock.now().timestamp() * 1000)
    assert got.query["timestamp"] == str(stamp) and got.query["access_token"] == DING_TOKEN
    raw_sign = got.raw_query.split("sign=", 1)[1]
    assert "+" not in raw_sign and "=" not in raw_sign and raw_sign.endswith("%3D")
    assert got.headers["Content-Type"] == "application/json; charset=utf-8"
    assert TEXT.encode() in got.raw  # raw UTF-8, not \u escapes
    md = got.body["markdown"]
    assert md["title"] == "【即将超时】微博评论 · 粉丝 382万 · 剩 4分10秒"
    assert md["text"] == (
        "### 【即将超时】微博评论 · 粉丝 382万 · 剩 4分10秒\n\n"
        f"> {TEXT}\n\n"
        "[查看](https://tiexin.example/m/42) · [确认](https://tiexin.example/ack/m-42?sig=abc&exp=1)"
    )
    assert got.body["msgtype"] == "markdown"
    assert got.body["at"] == {"atMobiles": [], "isAtAll": False}


async def test_dingtalk_wrong_secret_is_definite(
    base: str, http: Http, clock: FakeClock, robots: FakeRobots
) -> None:
    with pytest.raises(Definite) as caught:
        await ding(base, http, clock, secret="SECwrong").send(page())
    assert caught.value.code == "310000"
    assert "sign not match" in str(caught.value)
    hidden(str(caught.value))


async def test_dingtalk_rate_limit_and_outages_are_transient(
    base: str, http: Http, clock: FakeClock, robots: FakeRobots
) -> None:
    robots.script["dingtalk"] = [
        Answer(body={"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}),
        Answer(status=502, body={"errcode": -1, "errmsg": "bad gateway"}),
        Answer(delay=1.0, body={"errcode": 0}),  # past Http(total=0.3)
    ]
    channel = ding(base, http, clock)
    with pytest.raises(Transient) as caught:
        await channel.send(page())
    assert caught.value.retry_after == 60.0
    with pytest.raises(Transient, match="HTTP 502"):
        await channel.send(page())
    with pytest.raises(Transient, match="timed out") as timed:
        await channel.send(page())
    hidden(str(timed.value))
    robots.script["dingtalk"] = [Answer(body={"errcode": 300001, "errmsg": "token is not exist"})]
    with pytest.raises(Definite) as other:
        await channel.send(page())
    assert other.value.code == "300001"


async def test_dingtalk_at_mobiles(
    base: str, http: Http, clock: FakeClock, robots: FakeRobots
) -> None:
    await ding(base, http, clock, at_mobiles=("13800000000",), at_all=True).send(page())
    [got] = robots.of("dingtalk")
    assert got.body["at"] == {"atMobiles": ["13800000000"], "isAtAll": True}
    assert got.body["markdown"]["text"].endswith("\n\n@13800000000")  # DingTalk needs both


# -- WeCom --------------------------------------------------------------------------------


async def test_wecom_sends_markdown_to_the_key(
    base: str, http: Http, clock: FakeClock, robots: FakeRobots
) -> None:
    crisis = page(severity="crisis")
    await wecom(base, http, clock).send(crisis)
    [got] = robots.of("wecom")
    assert got.raw_query == f"key={WECOM_KEY}"
    content = got.body["markdown"]["content"]
    assert content.startswith('### <font color="warning">【即将超时】微博评论')
    assert (
        f"> {TEXT}" in content
        and "[确认](https://tiexin.example/ack/m-42?sig=abc&exp=1)" in content
    )
    assert got.body["msgtype"] == "markdown"


async def test_wecom_mentions_stay_after_a_cut(
    base: str, http: Http, clock: FakeClock, robots: FakeRobots
) -> None:
    await wecom(base, http, clock, mention_userids=("zhangsan",)).send(page(lines=("长" * 3000,)))
    content = robots.of("wecom")[0].body["markdown"]["content"]
    assert content.endswith("…\n\n<@zhangsan>") and len(content.encode()) <= 4096


async def test_wecom_long_text_fits_and_errors_map(
    base: str, http: Http, clock: FakeClock, robots: FakeRobots
) -> None:
    channel = wecom(base, http, clock)
    await channel.send(page(lines=("好😀" * 2000,)))  # 14,000 bytes, cut to fit
    assert len(robots.of("wecom")[0].body["markdown"]["content"].encode()) <= 4096
    robots.script["wecom"] = [Answer(body={"errcode": 45009, "errmsg": "api freq out of limit"})]
    with pytest.raises(Transient) as caught:
        await channel.send(page())
    assert caught.value.retry_after == 60.0
    with pytest.raises(Definite) as refused:
        await wecom(base, http, clock, key="wrong-key").send(page())
    assert refused.value.code == "93000"
    hidden(str(refused.value))


# -- Feishu -------------------------------------------------------------------------------


async def test_feishu_sends_a_signed_card(
    base: str, http: Http, clock: FakeClock, robots: FakeRobots
) -> None:
    await feishu(base, http, clock).send(page())
    [got] = robots.of("feishu")
    assert got.body["timestamp"] == str(int(clock.now().timestamp()))  # seconds, as a string
    assert got.body["msg_type"] == "interactive"
    card = got.body["card"]
    assert card["header"] == {
        "title": {"tag": "plain_text", "content": "【即将超时】微博评论 · 粉丝 382万 · 剩 4分10秒"},
        "template": "orange",
    }
    assert card["elements"][0]["text"] == {"tag": "lark_md", "content": TEXT}
    buttons = card["elements"][1]["actions"]
    assert [(b["text"]["content"], b["url"]) for b in buttons] == [
        ("确认", "https://tiexin.example/ack/m-42?sig=abc&exp=1"),
        ("查看", "https://tiexin.example/m/42"),
    ]


async def test_feishu_errors_map(
    base: str, http: Http, clock: FakeClock, robots: FakeRobots
) -> None:
    with pytest.raises(Definite) as caught:
        await feishu(base, http, clock, secret="wrong").send(page())
    assert caught.value.code == "19021"
    robots.script["feishu"] = [
        Answer(body={"code": 9499, "msg": "too many request", "data": {}}),
        Answer(body={"code": 11232, "msg": "frequency limited", "data": {}}),
        Answer(body={"code": 9499, "msg": "Bad Request", "data": {}}),
        Answer(delay=1.0),
    ]
    channel = feishu(base, http, clock)
    for _ in range(2):
        with pytest.raises(Transient):
            await channel.send(page())
    with pytest.raises(Definite, match="9499"):
        await channel.send(page())
    with pytest.raises(Transient) as timed:  # the hook token is in the path: kept out
        await channel.send(page())
    hidden(str(timed.value))


# -- webhook ------------------------------------------------------------------------------


async def test_webhook_signs_the_raw_body(
    base: str, http: Http, clock: FakeClock, robots: FakeRobots
) -> None:
    delivery = await hook(base, http, clock).send(page())
    assert delivery.detail == "HTTP 200"
    [got] = robots.of("webhook")
    stamp = int(clock.now().timestamp())
    assert got.headers["X-Tiexin-Timestamp"] == str(stamp)
    assert got.headers["Idempotency-Key"] == "m-42:warn:1"
    assert TEXT.encode() in got.raw
    assert json.loads(got.raw) == {
        "key": "m-42:warn:1",
        "severity": "warn",
        "title": "【即将超时】微博评论 · 粉丝 382万 · 剩 4分10秒",
        "lines": [TEXT],
        "text": TEXT,
        "platform": "weibo",
        "reach": 3_820_000,
        "left_seconds": 250,
        "link": "https://tiexin.example/m/42",
        "ack_link": "https://tiexin.example/ack/m-42?sig=abc&exp=1",
        "to": [],
        "duty": "",
        "sent_at": stamp,
    }


async def test_webhook_errors_map(
    base: str, http: Http, clock: FakeClock, robots: FakeRobots
) -> None:
    with pytest.raises(Definite) as caught:
        await hook(base, http, clock, secret="wrong").send(page())
    assert caught.value.code == "401"
    hidden(str(caught.value))
    robots.script["webhook"] = [
        Answer(status=503, body={"e": 1}),
        Answer(status=429, body={}),
        Answer(status=429, body={}, headers={"Retry-After": "7"}),
        Answer(status=202, text="accepted"),  # not JSON: the receiver breaks the contract
        Answer(status=200, text=""),  # no answer at all
    ]
    channel = hook(base, http, clock)
    with pytest.raises(Transient, match="HTTP 503"):
        await channel.send(page())
    with pytest.raises(Transient) as limited:
        await channel.send(page())
    assert limited.value.retry_after == 60.0  # no Retry-After: the default
    with pytest.raises(Transient) as told:
        await channel.send(page())
    assert told.value.retry_after == 7.0
    with pytest.raises(Definite, match="not JSON"):
        await channel.send(page())
    with pytest.raises(Transient, match="empty body"):
        await channel.send(page())


# -- fallback and health ------------------------------------------------------------------


class Scripted:
    """A channel of our own protocol that fails as told, then accepts."""

    def __init__(self, name: str, failures: Sequence[Exception] = ()) -> None:
        self.name = name
        self.failures = list(failures)
        self.calls = 0

    async def send(self, page: Page) -> Delivery:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return Delivery(channel=self.name, at=page_time)


page_time = FakeClock().now()
POLICY = RetryPolicy(
    attempts=3, backoff=BackoffPolicy(initial=2.0, factor=2.0, maximum=30.0, jitter=0)
)


async def test_fallback_retries_with_capped_backoff_then_moves_on(clock: FakeClock) -> None:
    first = Scripted(
        "a", [Transient("busy"), Transient("busy", retry_after=600), Transient("busy")]
    )
    second = Scripted("b", [Definite("no such robot", code="1")])
    third = Scripted("c", [Transient("busy")])
    fallback = Fallback([first, second, third], clock=clock, policy=POLICY)
    delivery = await fallback.send(page())
    assert (delivery.channel, delivery.attempts) == ("c", 2)
    assert (first.calls, second.calls, third.calls) == (3, 1, 2)
    assert clock.slept == [2.0, 30.0, 2.0]  # backoff; a rate limit's 600 s capped at 30
    a, b, c = fallback.health()
    assert a.last_success is None and a.last_reason == "busy"
    assert b.last_failure == page_time + timedelta(seconds=32)  # after a's two waits
    assert b.last_reason == "no such robot"
    assert c.last_success == clock.now() and c.last_failure is not None and c.ok
    assert not a.ok and not b.ok
    assert c.as_dict()["state"] == "ok" and a.as_dict()["state"] == "failing"
    assert c.as_dict()["last_success"] == clock.now().isoformat()


def test_fallback_needs_distinct_channels(clock: FakeClock) -> None:
    with pytest.raises(ValueError, match="at least one"):
        Fallback([], clock=clock)
    with pytest.raises(ValueError, match="unique"):
        Fallback([Scripted("a"), Scripted("a")], clock=clock)


async def test_health_logs_once_down_and_once_recovered(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    flaky = Scripted("a", [Transient("busy")] * 5)
    fallback = Fallback([flaky], clock=clock, policy=POLICY)
    with pytest.raises(AllFailed):
        await fallback.send(page())
    assert (await fallback.send(page())).attempts == 3  # two more failures, then through
    events = [getattr(r, "event", "") for r in caplog.records]
    assert events == ["channel_down", "channel_recovered"]
    assert fallback.health()[0].ok


async def test_fallback_over_real_channels(
    base: str, http: Http, clock: FakeClock, robots: FakeRobots, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    robots.script["wecom"] = [Answer(body={"errcode": 45009, "errmsg": "api freq out of limit"})]
    channels: list[Channel] = [
        ding(base, http, clock, secret="SECwrong"),
        wecom(base, http, clock),
        feishu(base, http, clock),
    ]
    fallback = Fallback(channels, clock=clock, policy=POLICY)
    delivery = await fallback.send(page())
    assert (delivery.channel, delivery.attempts) == ("wecom", 2)
    assert [g.robot for g in robots.got] == ["dingtalk", "wecom", "wecom"]
    assert clock.slept == [30.0]
    health = {h.name: h for h in fallback.health()}
    assert "310000" not in health["钉钉值班群"].last_reason  # the code is on the error
    assert "sign not match" in health["钉钉值班群"].last_reason
    assert health["feishu"].last_success is None and health["feishu"].last_failure is None
    hidden(ours(caplog))


async def test_all_failed_says_why_without_secrets(
    base: str, http: Http, clock: FakeClock, robots: FakeRobots, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    robots.script["webhook"] = [Answer(status=503, body={})] * 3
    dingtalk, lark = ding(base, http, clock, secret="SECwrong"), feishu(base, http, clock, "x")
    channels: list[Channel] = [
        dingtalk,
        wecom(base, http, clock, key="nope"),
        lark,
        hook(base, http, clock),
    ]
    with pytest.raises(AllFailed) as caught:
        await Fallback(channels, clock=clock, policy=POLICY).send(page())
    assert len(caught.value.reasons) == 4 and "HTTP 503" in caught.value.reasons[3]
    assert len(robots.of("webhook")) == 3
    hidden(str(caught.value))
    down = [r for r in caplog.records if getattr(r, "event", "") == "channel_down"]
    assert [getattr(r, "channel", "") for r in down] == ["钉钉值班群", "wecom", "feishu", "webhook"]
    assert getattr(down[3], "reason", "") == "webhook: HTTP 503"  # once, not per attempt
    hidden(ours(caplog))
    hidden(repr(dingtalk.config) + repr(lark.config))


# -- config -------------------------------------------------------------------------------


def test_channel_configs_bind_secrets_from_env(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, http: Http, clock: FakeClock
) -> None:
    monkeypatch.setenv("DING_TOKEN", DING_TOKEN)
    monkeypatch.setenv("DING_SECRET", DING_SECRET)
    binder = Binder(tmp_path)
    cfg = binder.bind(
        DingTalkConfig,
        {"access_token_env": "DING_TOKEN", "secret_env": "DING_SECRET", "at_mobiles": ["138"]},
        "alerts.channels.duty",
    )
    assert binder.errors == []
    assert cfg.access_token.reveal() == DING_TOKEN and cfg.at_mobiles == ("138",)
    assert build_channel("duty", cfg, http=http, clock=clock).name == "duty"
    assert binder.bind(WeComConfig, {"key": "inline"}, "alerts.channels.w") is None
    assert binder.errors == [
        'alerts.channels.w.key: secrets are read from the environment: write key_env = "VARIABLE"'
    ]
