"""Process roles (`tiexin run --role`): which of the supervised loops a process runs.

Every loop has one role in `LOOPS`; a process runs the loops of its roles and builds only
the parts they need (a web process starts no scoring processes). Any number of processes
of each role share one Redis: pollers take a lease per account, workers share the streams
through consumer groups, each alert stage fires once whoever sweeps, and web processes
keep nothing of their own (the session key is shared through Redis).
"""

from __future__ import annotations

import argparse
import re
from enum import StrEnum

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware


class Role(StrEnum):
    WEB = "web"  # the workspace and its API, for people and push platforms
    WORKER = "worker"  # mentions to drafts, replies and pages out
    POLLER = "poller"  # the platforms polled
    SWEEPER = "sweeper"  # SLA timers and health watched


ALL = frozenset(Role)

# Every supervised loop and scheduled job, by the name health shows (numbered copies such
# as pipeline-2 and drafts-llm-1, and poll:<connector>, go with their first word), and the
# role that runs it; None: every process (the watchdog of its own embedded Redis, the
# config's follower).
LOOPS: dict[str, Role | None] = {
    "live": Role.WEB,  # this process's live page updates (SSE)
    "holds": Role.WEB,  # approvals whose undo delay ended, committed to the outbox
    "poll": Role.POLLER,
    "leases": Role.POLLER,
    "pipeline": Role.WORKER,  # with the scoring processes
    "drafts-llm": Role.WORKER,
    "outbox": Role.WORKER,
    "notifier": Role.WORKER,
    "reports": Role.WORKER,
    "voice": Role.WORKER,
    "sweeper": Role.SWEEPER,
    "monitor": Role.SWEEPER,
    "redis": None,
    "config": None,  # config.toml reloads, followed by every process (responder/reload)
    "config-watch": None,  # [server] watch_config: this process's file, looked at
}
# What a process without the web role still answers on its port: monitoring.
MONITORING = frozenset({"/api/health", "/metrics"})
_COPY = re.compile(r"(?::.*|-\d+)$")


def family(name: str) -> str:
    """The entry of LOOPS a loop's name falls under ("pipeline-2" → "pipeline")."""
    return _COPY.sub("", name)


def runs(roles: frozenset[Role], name: str) -> bool:
    """Whether a process of `roles` runs the loop `name` (KeyError: a loop no role runs)."""
    role = LOOPS[family(name)]
    return role is None or role in roles


def parse(text: str) -> frozenset[Role]:
    """`--role`: "all", one role, or a comma list ("web,sweeper")."""
    names = [part.strip() for part in text.split(",")]
    if names == ["all"]:
        return ALL
    known = [str(r) for r in Role]
    wrong = [n for n in names if n not in known]
    if wrong or not names:
        raise argparse.ArgumentTypeError(
            f"unknown role {', '.join(map(repr, wrong))}: use all, or one or more of"
            f" {', '.join(known)} separated by commas (web,sweeper)"
        )
    return frozenset(Role(n) for n in names)


def describe(roles: frozenset[Role]) -> str:
    """How health and the log name a process's roles ("all", "web,sweeper")."""
    return "all" if roles == ALL else ",".join(str(r) for r in Role if r in roles)


def monitoring_only(roles: frozenset[Role]) -> Middleware:
    """For a process without the web role: its port answers health and metrics only."""

    @web.middleware
    async def gate(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path in MONITORING:
            return await handler(request)
        raise web.HTTPNotFound(text=f"此进程不提供工作台（角色：{describe(roles)}）")

    return gate
