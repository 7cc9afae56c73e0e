"""The `[redis] url` forms: Sentinel and Cluster URLs are read into hosts, master, db and
login; a bad one is refused by the config check with what is wrong, never the password."""

from __future__ import annotations

from pathlib import Path

import pytest

from responder.config import ConfigError, parse
from responder.store.urls import RedisUrl, parse_url


def test_sentinel_and_cluster_urls_are_read_with_default_ports() -> None:
    found = parse_url("redis+sentinel://:pw%40x@h1,h2:26380/tiexin/2")
    assert found == RedisUrl(
        "sentinel",
        "redis+sentinel://:pw%40x@h1,h2:26380/tiexin/2",
        (("h1", 26379), ("h2", 26380)),
        "tiexin",
        2,
        None,
        "pw@x",
    )
    cluster = parse_url("redis+cluster://ops:pw@[::1]:7000,h2/")
    assert (cluster.kind, cluster.hosts) == ("cluster", (("::1", 7000), ("h2", 6379)))
    assert (cluster.username, cluster.password) == ("ops", "pw")
    assert parse_url("unix:///tmp/r.sock").kind == "plain"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("redis+sentinel://:hunter2@h1:26379/", "names the master"),
        ("redis+cluster://:hunter2@h1:7000/1", "has no database"),
        ("redis+cluster://:hunter2@h1:x/", "port must be a number"),
        ("redis+sentinel://:hunter2@h1,/m", "host is missing"),
        ("rediss+cluster://:hunter2@h1/", "unknown Redis URL scheme"),
        ("h1:6379", "has no scheme"),
    ],
)
def test_a_bad_url_is_refused_by_the_config_check_without_its_password(url: str, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse({"redis": {"url": url}}, base_dir=Path.cwd(), source="test")
    text = "; ".join(caught.value.problems)
    assert says in text and "hunter2" not in text
