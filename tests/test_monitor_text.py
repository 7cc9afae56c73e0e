"""Wording of the monitor's pages, and what it scrubs from a connector's error."""

from __future__ import annotations

import json

from responder.alerts.monitor import scrub
from responder.alerts.monitor_text import system_page
from tests.fakes import T0

AT = T0.timestamp()


def test_scrub_hides_secrets_and_credential_looking_values() -> None:
    said = (
        "GET https://api.weibo.com/2/statuses/mentions.json?access_token=abc123&count=50: "
        "401 token: t0k3n sign=deadbeef bduss=XYZ " + "A" * 40 + " my-own-secret"
    )
    text = scrub(said, ("my-own-secret",))
    for secret in ("abc123", "t0k3n", "deadbeef", "XYZ", "A" * 40, "my-own-secret"):
        assert secret not in text
    assert "count=50: 401" in text and "access_token=***" in text
    assert len(scrub("错" * 500)) == 200


def entry(stage: str, subject: str = "source:brand_weibo", **detail: object) -> dict[str, str]:
    at = AT + 372
    key = f"{subject}:{stage}:{AT:.0f}"
    base = {"connector": "brand_weibo", "platform": "weibo", "account": "brand_weibo"}
    fields = {"subject": subject, "stage": stage, "cycle": "1", "key": key}
    return fields | {"at": f"{at}", "due": f"{at}", "detail": json.dumps(base | detail)}


def test_wording_of_each_page() -> None:
    auth = system_page(entry("auth_failed", reason="access_token 已过期"), link="http://t/h")
    assert auth.title == "【授权失效】微博 · brand_weibo：access_token 已过期，需要管理员重新授权"
    assert auth.severity == "crisis" and auth.key == f"source:brand_weibo:auth_failed:{AT:.0f}"
    assert auth.link == "http://t/h" and auth.platform == "weibo"

    down = system_page(
        entry("source_down", since=AT, state="rate_limited", reason="10023", threshold_s=300),
        link="",
    )
    assert down.title == "【数据源中断】微博 · brand_weibo 已 6分12秒 无法拉取"
    assert down.lines == ("状态：被平台限流", "原因：10023", "阈值：中断超过 5分 即告警")
    assert down.severity == "breach"

    lag = system_page(entry("pipeline_lag", "pipeline", lag_s=190, waiting=42), link="")
    assert lag.title == "【处理积压】最早一条已等待 3分10秒" and lag.severity == "breach"
    assert lag.lines[0] == "待处理 42 条，新消息未能及时进入队列。"

    back = system_page(entry("recovered", was="source_down", lasted_s=720), link="")
    assert back.title == "【已恢复】微博 · brand_weibo · 中断 12分" and back.severity == "info"
    assert back.lines == ("数据源已恢复",)
    assert system_page(entry("recovered", was="auth_failed"), link="").lines == ("授权已恢复",)
    caught_up = system_page(entry("recovered", "pipeline", lasted_s=250), link="")
    assert caught_up.title == "【已恢复】处理积压已消除 · 持续 4分10秒"
