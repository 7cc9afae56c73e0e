"""Links in pages: where the server is reached, and the workspace query they carry."""

from __future__ import annotations

from dataclasses import replace

import pytest

from responder.alerts.channels.config import AlertsConfig
from responder.alerts.links import ack_link, mention_link, public_base, queue_link
from responder.config import ServerConfig, defaults


def test_the_base_is_public_url_else_the_listening_address() -> None:
    config = defaults()
    server = config.server
    assert public_base(config) == f"http://{server.host}:{server.port}"
    six = replace(config, server=ServerConfig(host="::1", port=8080))
    assert public_base(six) == "http://[::1]:8080"
    named = replace(config, alerts=AlertsConfig(public_url="https://tiexin.example.cn/ops/"))
    assert public_base(named) == "https://tiexin.example.cn/ops"


def test_links_carry_the_query_the_workspace_reads() -> None:
    base = "https://t.example"
    assert mention_link(base, "0123456789abcdef") == "https://t.example/?m=0123456789abcdef"
    link = queue_link(base, platform="weibo", sort="deadline", account="", q="发货 慢")
    assert link == "https://t.example/?platform=weibo&sort=deadline&q=%E5%8F%91%E8%B4%A7+%E6%85%A2"
    assert queue_link(base) == "https://t.example/"
    with pytest.raises(ValueError, match="unknown queue filter 'platfrom'"):
        queue_link(base, platfrom="weibo")
    assert ack_link(base, "gAAA_b-c=") == "https://t.example/ack/gAAA_b-c%3D"
