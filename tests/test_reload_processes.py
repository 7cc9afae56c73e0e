"""Live config across real processes: a web and a worker,poller,sweeper `tiexin run` on one
Redis follow `tiexin reload` (a new http_json platform's mentions reach the queue), a SIGHUP
to one of them (both apply it), and refuse an invalid file whole (both keep their config)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from redis.asyncio import Redis

from responder.store.keys import Keys, mention_id
from tests.fake_forum import CONFIG as FORUM
from tests.fake_forum import TOKEN, Forum, post
from tests.fake_forum import running as forum_running
from tests.running import (
    OPS_TOKEN,
    USERS_TOML,
    free_port,
    get_json,
    health_of,
    start_tiexin,
    stop_tiexin,
    wait_for,
)

ROLES = ("web", "worker,poller,sweeper")


def tiexin_reload(config: Path) -> subprocess.CompletedProcess[str]:
    """The real `tiexin reload --config F` (checked as a start would: the token's variable
    must be set where it runs too)."""
    command = [sys.executable, "-m", "responder.cli", "reload", "--config", str(config)]
    env = os.environ | {"FORUM_TOKEN": TOKEN}
    return subprocess.run(command, capture_output=True, text=True, timeout=60, env=env, check=False)


def version_of(port: int) -> int:
    return int(health_of(port)[1]["config"]["version"])


def on_version(port: int, version: int) -> Callable[[], bool]:
    return lambda: version_of(port) == version


async def test_two_processes_follow_reload_sighup_and_refuse_an_invalid_file(
    tmp_path: Path, redis: Redis, redis_url: str
) -> None:
    forum = Forum(posts=[post(n) for n in range(201, 206)])
    base = f'[redis]\nurl = "{redis_url}"\nprefix = "reload2"\n' + USERS_TOML
    config = tmp_path / "config.toml"
    config.write_text(base, "utf-8")
    env = os.environ | {"FORUM_TOKEN": TOKEN}
    ports = {role: free_port() for role in ROLES}
    procs = {
        role: start_tiexin(
            config,
            env=env,
            extra=("--role", role, "--port", str(port), "--data-dir", str(tmp_path / role[:3])),
        )
        for role, port in ports.items()
    }
    web, other = ports["web"], ports[ROLES[1]]

    async def until(check: Callable[[], bool], what: str, role: str) -> None:
        await asyncio.to_thread(wait_for, check, what, procs[role])  # the loop serves the forum

    try:
        async with forum_running(forum) as forum_base:
            for role, port in ports.items():
                await until(on_version(port, 1), f"{role} on version 1", role)

            # (a) `tiexin reload` adds an http_json platform: polled, drafted, queued.
            connector = FORUM.replace("{base}", forum_base).replace(
                'platform = "forum"\n', 'platform = "forum"\npoll_interval = "200ms"\n'
            )
            config.write_text(base + connector, "utf-8")
            done = await asyncio.to_thread(tiexin_reload, config)
            assert done.returncode == 0, done.stderr
            assert "config version 2 stored" in done.stdout
            wanted = {mention_id("forum", "forum", str(n)) for n in range(201, 206)}

            def queued() -> bool:
                items = get_json(web, "/api/queue?limit=20", OPS_TOKEN)["items"]
                return {i["id"] for i in items} == wanted

            await until(queued, "the new platform's mentions in the queue", ROLES[1])
            assert version_of(web) == version_of(other) == 2
            assert "poll:forum" in health_of(other)[1]["tasks"]

            # (b) SIGHUP to one process after an edit: both apply it.
            config.write_text(base + connector + '[sla]\nrespond_within = "30m"\n', "utf-8")
            procs[ROLES[1]].send_signal(signal.SIGHUP)
            for role, port in ports.items():
                await until(on_version(port, 3), f"{role} on version 3", role)
            view = get_json(web, "/api/admin/config", OPS_TOKEN)
            assert view["version"] == 3 and view["config"]["sla"]["respond_within"] == "30m"
            assert view["by"].startswith("SIGHUP:")

            # (c) an invalid edit: refused with every problem, both keep version 3.
            config.write_text(
                base + '[sla]\nrespond_within = "-5m"\n[pipeline]\nbatch_size = 0\n', "utf-8"
            )
            refused = await asyncio.to_thread(tiexin_reload, config)
            assert refused.returncode == 2
            assert "sla.respond_within" in refused.stderr
            assert "pipeline.batch_size" in refused.stderr
            assert "running config stays" in refused.stderr
            assert await redis.hget(Keys("reload2").config, "version") == "3"
            for port in ports.values():
                assert version_of(port) == 3 and health_of(port)[1]["config"]["refused"] == ""
            view = get_json(web, "/api/admin/config", OPS_TOKEN)
            assert view["config"]["sla"]["respond_within"] == "30m"
    finally:
        for process in procs.values():
            if process.poll() is None:
                stop_tiexin(process)


# Real processes: one such module at a time (pyproject.toml, [tool.pytest], says why).
pytestmark = pytest.mark.xdist_group("processes")
