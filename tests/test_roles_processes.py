"""A web, a worker and a poller `tiexin run` on one Redis, each its own process: together
they take a mention from the fake Weibo to the queue and an approved reply back out."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from redis.asyncio import Redis

from responder.store.keys import mention_id
from tests.fake_weibo import BRAND_UID, WeiboState, user
from tests.fake_weibo.running import RIP, TOKEN, in_process
from tests.fake_weibo.state import CST
from tests.running import (
    OPS_TOKEN,
    USERS_TOML,
    free_port,
    get_json,
    health_of,
    post_json,
    start_tiexin,
    stop_tiexin,
    wait_for,
)

ROOT = Path(__file__).resolve().parent.parent
POST, COMMENT = 4_300_000_000_000_001, 4_300_000_000_000_011
MID = mention_id("weibo", "brand", str(COMMENT))


@pytest.fixture
def fake_weibo(tmp_path: Path) -> Iterator[str]:
    """The fake Weibo in its own process with one fresh comment; yield its base URL."""
    now = datetime.now(CST)
    state = WeiboState()
    state.add_status(POST, "澜星X7 正式发布！", at=now)
    state.add_comment(COMMENT, POST, "X7 又卡了，刷个微博都卡", by=user(2001, "小王"), at=now)
    with in_process(state, tmp_path) as url:
        yield url


def _replies(base: str) -> list[dict[str, object]]:
    with urllib.request.urlopen(base + "/_fake/writes", timeout=5) as resp:
        writes = json.loads(resp.read())["writes"]
    return [
        w for w in writes if w["path"] == "comments/reply" and w["form"].get("cid") == str(COMMENT)
    ]


def _says_role(port: int, role: str) -> Callable[[], bool]:
    return lambda: bool(health_of(port)[1].get("role") == role)


def _not_found(port: int, path: str) -> bool:
    try:
        get_json(port, path, OPS_TOKEN)
    except urllib.error.HTTPError as exc:
        return exc.code == 404
    return False


async def test_web_worker_and_poller_processes_carry_a_mention_in_and_a_reply_out(
    tmp_path: Path, fake_weibo: str, redis: Redis, redis_url: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[redis]\nurl = "{redis_url}"\nprefix = "roles3"\n'
        "[connectors.brand]\n"
        'type = "weibo"\naccess_token_env = "E2E_WEIBO_TOKEN"\n'
        f'uid = "{BRAND_UID}"\nrip = "{RIP}"\napi_base = "{fake_weibo}/2"\n'
        'poll_interval = "200ms"\n[outbox]\nundo_seconds = 0\n' + USERS_TOML,
        "utf-8",
    )
    env = os.environ | {"E2E_WEIBO_TOKEN": TOKEN}
    ports = {role: free_port() for role in ("web", "worker", "poller")}
    procs = {
        role: start_tiexin(
            config,
            env=env,
            extra=("--role", role, "--port", str(port), "--data-dir", str(tmp_path / role)),
        )
        for role, port in ports.items()
    }
    try:
        for role, port in ports.items():
            wait_for(_says_role(port, role), f"{role} serving", procs[role])
        web, worker = ports["web"], ports["worker"]

        def drafted() -> bool:
            items = get_json(web, "/api/queue?limit=10", OPS_TOKEN)["items"]
            return [i["id"] for i in items] == [MID] and len(
                get_json(web, f"/api/mentions/{MID}", OPS_TOKEN)["drafts"]
            ) == 3

        wait_for(drafted, "the comment queued with drafts", procs["worker"])
        assert _not_found(worker, "/api/queue")  # only web serves the workspace
        status, answer = post_json(web, f"/api/mentions/{MID}/approve", {"draft": 0}, OPS_TOKEN)
        assert status == 200 and answer["state"] == "approved", answer

        def sent() -> bool:
            return str(get_json(web, f"/api/mentions/{MID}", OPS_TOKEN)["state"]) == "sent"

        wait_for(sent, "the reply sent by the worker", procs["worker"])
        assert len(_replies(fake_weibo)) == 1
        tasks = {role: set(health_of(port)[1]["tasks"]) for role, port in ports.items()}
        assert tasks["web"] == {"config", "live", "holds"}
        assert tasks["poller"] == {"config", "poll:brand", "leases"}
        assert "outbox" in tasks["worker"] and "pipeline" in tasks["worker"]
    finally:
        for process in procs.values():
            if process.poll() is None:
                stop_tiexin(process)


# Real processes: one such module at a time (pyproject.toml, [tool.pytest], says why).
pytestmark = pytest.mark.xdist_group("processes")
