"""The `[redis] url` forms: a plain Redis (redis-py's own URLs), a Sentinel-watched master
and a Redis Cluster. docs/redis.md describes them.

    redis://[[user]:password@]host[:port][/db]      rediss://...   unix:///path/redis.sock
    redis+sentinel://[[user]:password@]host[:port][,host[:port]...]/master-name[/db]
    redis+cluster://[[user]:password@]host[:port][,host[:port]...][/]

A Sentinel URL names the sentinels (port 26379 if none) and the master's name; the user and
password are the Redis servers' (the sentinels are asked without). A Cluster URL names any
of the cluster's nodes (port 6379 if none), which tell the client about the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote, urlsplit

PLAIN = ("redis", "rediss", "unix")
FORMS = (
    "redis://host:6379/0, unix:///path/redis.sock,"
    " redis+sentinel://host:26379,host:26379/master-name/0"
    " or redis+cluster://host:7000,host:7001/"
)


@dataclass(frozen=True, slots=True)
class RedisUrl:
    kind: Literal["plain", "sentinel", "cluster"]
    url: str  # the URL as given (with its password: never log it)
    hosts: tuple[tuple[str, int], ...] = ()  # sentinels or cluster nodes
    master: str = ""  # the Sentinel master's name
    db: int = 0
    username: str | None = None
    password: str | None = None


def parse_url(url: str) -> RedisUrl:
    """Read a `[redis] url`; ValueError names what is wrong (never the password)."""
    scheme, sep, _ = url.partition("://")
    if not sep:
        raise ValueError(f"the Redis URL has no scheme; use one of: {FORMS}")
    scheme = scheme.lower()
    if scheme in PLAIN:
        return RedisUrl("plain", url)
    if scheme not in ("redis+sentinel", "redis+cluster"):
        raise ValueError(f"unknown Redis URL scheme {scheme!r}; use one of: {FORMS}")
    parts = urlsplit(url)
    userinfo, at, hostlist = parts.netloc.rpartition("@")
    username, password = _credentials(userinfo) if at else (None, None)
    if parts.query or parts.fragment:
        raise ValueError(f"a {scheme} URL takes no ?query or #fragment")
    default = 26379 if scheme == "redis+sentinel" else 6379
    hosts = tuple(_host(item, default) for item in hostlist.split(","))
    path = [p for p in parts.path.split("/") if p]
    if scheme == "redis+cluster":
        if path not in ([], ["0"]):
            raise ValueError("a redis+cluster URL has no database (a cluster has only db 0)")
        return RedisUrl("cluster", url, hosts, username=username, password=password)
    if not path or len(path) > 2:
        raise ValueError(
            "a redis+sentinel URL names the master after the hosts: .../master-name[/db]"
        )
    db = _number(path[1], "database") if len(path) == 2 else 0
    return RedisUrl("sentinel", url, hosts, unquote(path[0]), db, username, password)


def _credentials(userinfo: str) -> tuple[str | None, str | None]:
    user, colon, password = userinfo.partition(":")
    return (unquote(user) or None), (unquote(password) if colon else None)


def _host(item: str, default: int) -> tuple[str, int]:
    host, colon, port = item.strip().rpartition(":") if ":" in item else (item, "", "")
    host = host.strip("[]")  # an IPv6 address in brackets
    if not host:
        raise ValueError(f"a host is missing in the Redis URL's host list ({item!r})")
    return host, _number(port, "port") if colon else default


def _number(text: str, what: str) -> int:
    if not text.isdigit():
        raise ValueError(f"the Redis URL's {what} must be a number, not {text!r}")
    return int(text)
