"""End to end: a real `tiexin run` against the fake Weibo as its own process. Mentions
come in with drafts; an approved reply reaches Weibo exactly once, correctly formed, also
when Tiexin is SIGKILLed right after the approval or in the middle of the send, or during
the send delay (undo window): a held reply goes out once after the restart, an undone one
never."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from responder.store.keys import mention_id
from tests.fake_weibo import BRAND_UID, WeiboState, user
from tests.fake_weibo.running import RIP, TOKEN, in_process
from tests.fake_weibo.state import CST
from tests.running import (
    OPS_TOKEN,
    USERS_TOML,
    free_port,
    get_json,
    post_json,
    start_tiexin,
    stop_tiexin,
    wait_for,
)

ROOT = Path(__file__).resolve().parent.parent
POST = 4_300_000_000_000_001  # the brand's post the fans comment on
ASKS = 4_300_000_000_000_002  # a fan's post that @-mentions the brand
LAG, SLOW, FLICKER = 4_300_000_000_000_011, 4_300_000_000_000_012, 4_300_000_000_000_013


@pytest.fixture
def fake_weibo(tmp_path: Path) -> Iterator[str]:
    """The fake Weibo in its own process, serving fresh mentions; yield its base URL."""
    now = datetime.now(CST)  # fresh: no SLA stage fires during the test
    state = WeiboState()
    state.add_status(POST, "澜星X7 正式发布！", at=now)
    fan = user(1664695495, "冲浪的小鱼", followers=830)
    state.add_status(ASKS, "@品牌官方 新品什么时候到货？等不及了😀", by=fan, at=now)
    state.add_comment(LAG, POST, "X7 又卡了，刷个微博都卡", by=user(2001, "小王"), at=now)
    state.add_comment(SLOW, POST, "充电好慢啊，正常吗", by=user(2002, "阿杰"), at=now)
    state.add_comment(FLICKER, POST, "屏幕偶尔闪一下𠮷", by=user(2003, "Momo"), at=now)
    with in_process(state, tmp_path) as url:
        yield url


def _fake(base: str, path: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        base + path, data=data, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as resp:
        return json.loads(resp.read())


def _writes(base: str, path: str, **form: str) -> list[dict[str, Any]]:
    """The write requests the fake received on `path` whose form has `form`'s values."""
    return [
        w
        for w in _fake(base, "/_fake/writes")["writes"]
        if w["path"] == path and all(w["form"].get(k) == v for k, v in form.items())
    ]


def _id(platform_id: int, port: int) -> str:
    del port
    return mention_id("weibo", "brand", str(platform_id))


def _state(port: int, platform_id: int) -> str:
    return str(get_json(port, f"/api/mentions/{_id(platform_id, port)}", OPS_TOKEN)["state"])


def _config(folder: Path, fake_weibo: str, *, undo: int) -> tuple[int, Path]:
    """A config for the brand's Weibo account at the fake, on a port of its own; approvals
    wait `undo` seconds before they go out."""
    port = free_port()
    config = folder / "config.toml"
    config.write_text(
        f'[server]\nport = {port}\n[redis]\ndata_dir = "data"\n'
        "[connectors.brand]\n"
        'type = "weibo"\naccess_token_env = "E2E_WEIBO_TOKEN"\n'
        f'uid = "{BRAND_UID}"\nrip = "{RIP}"\napi_base = "{fake_weibo}/2"\n'
        f'poll_interval = "200ms"\n[outbox]\nundo_seconds = {undo}\n' + USERS_TOML,
        "utf-8",
    )
    return port, config


def _kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)  # reaps it and closes its pipes


def test_mentions_in_replies_out_once_across_kills(tmp_path: Path, fake_weibo: str) -> None:
    port, config = _config(tmp_path, fake_weibo, undo=0)
    env = os.environ | {"E2E_WEIBO_TOKEN": TOKEN}
    process = start_tiexin(config, env=env)
    try:

        def drafted() -> bool:
            items = get_json(port, "/api/queue?limit=10", OPS_TOKEN)["items"]
            details = [get_json(port, f"/api/mentions/{i['id']}", OPS_TOKEN) for i in items]
            return len(items) == 4 and all(len(d["drafts"]) == 3 for d in details)

        wait_for(drafted, "4 mentions queued with 3 drafts each", process)

        # 1. Approve draft 0 of a comment: one comments/reply, formed as Weibo wants it.
        lag = get_json(port, f"/api/mentions/{_id(LAG, port)}", OPS_TOKEN)
        status, answer = post_json(
            port, f"/api/mentions/{lag['id']}/approve", {"draft": 0}, OPS_TOKEN
        )
        assert status == 200 and answer["state"] == "approved", answer
        wait_for(lambda: _state(port, LAG) == "sent", "the reply to LAG sent", process)
        (write,) = _writes(fake_weibo, "comments/reply", cid=str(LAG))
        assert write["form"]["id"] == str(POST) and write["form"]["rip"] == RIP
        assert write["form"]["comment"] == lag["drafts"][0]["text"]
        sent = get_json(port, f"/api/mentions/{lag['id']}", OPS_TOKEN)
        comments = _fake(fake_weibo, "/_fake/state")["comments"]
        assert sent["reply_id"] in {c["idstr"] for c in comments}

        # 2. Killed in the middle of the send: Weibo stored the reply, Tiexin never heard.
        _fake(fake_weibo, "/_fake/fault", {"path": "comments/reply", "delay": 60})
        status, _ = post_json(
            port, f"/api/mentions/{_id(SLOW, port)}/approve", {"draft": 1}, OPS_TOKEN
        )
        assert status == 200
        wait_for(
            lambda: len(_writes(fake_weibo, "comments/reply", cid=str(SLOW))) == 1,
            "the reply to SLOW reaching Weibo",
            process,
        )
        _kill(process)
        process = start_tiexin(config, env=env)
        wait_for(lambda: _state(port, SLOW) == "sent", "SLOW confirmed after restart", process)
        assert len(_writes(fake_weibo, "comments/reply", cid=str(SLOW))) == 1  # read back
        events = get_json(port, f"/api/mentions/{_id(SLOW, port)}", OPS_TOKEN)["events"]
        assert next(e for e in events if e["type"] == "sent")["read_back"] is True

        # 3. Killed right after the approval: the reply is posted after the restart, once.
        status, _ = post_json(
            port, f"/api/mentions/{_id(ASKS, port)}/approve", {"draft": 0}, OPS_TOKEN
        )
        assert status == 200
        _kill(process)
        process = start_tiexin(config, env=env)
        wait_for(lambda: _state(port, ASKS) == "sent", "ASKS sent after restart", process)
        (create,) = _writes(fake_weibo, "comments/create", id=str(ASKS))
        assert create["form"]["rip"] == RIP and "comment_ori" not in create["form"]
        assert _writes(fake_weibo, "comments/reply", cid=str(ASKS)) == []
        assert _state(port, FLICKER) == "queued"
    finally:
        if process.poll() is None:
            stop_tiexin(process)


def test_a_kill_during_the_send_delay_sends_once_and_an_undone_reply_never(
    tmp_path: Path, fake_weibo: str
) -> None:
    port, config = _config(tmp_path, fake_weibo, undo=3)
    env = os.environ | {"E2E_WEIBO_TOKEN": TOKEN}
    process = start_tiexin(config, env=env)
    try:
        queued = lambda: get_json(port, "/api/queue?limit=10", OPS_TOKEN)["total"] == 4  # noqa: E731
        wait_for(queued, "4 mentions queued", process)
        for platform_id in (LAG, SLOW):
            path = f"/api/mentions/{_id(platform_id, port)}/approve"
            status, answer = post_json(port, path, {"draft": 0}, OPS_TOKEN)
            assert (status, answer["state"]) == (200, "held"), answer
        status, _ = post_json(port, f"/api/mentions/{_id(SLOW, port)}/undo", {}, OPS_TOKEN)
        assert status == 200
        _kill(process)  # within the 3 s delay of both
        assert _fake(fake_weibo, "/_fake/writes")["writes"] == []

        process = start_tiexin(config, env=env)
        wait_for(lambda: _state(port, LAG) == "sent", "LAG sent after the restart", process)
        assert len(_writes(fake_weibo, "comments/reply", cid=str(LAG))) == 1
        # A later approval goes out after the undone one would have: still nothing for it.
        path = f"/api/mentions/{_id(FLICKER, port)}/approve"
        assert post_json(port, path, {"draft": 0}, OPS_TOKEN)[0] == 200
        wait_for(lambda: _state(port, FLICKER) == "sent", "FLICKER sent", process)
        assert _writes(fake_weibo, "comments/reply", cid=str(SLOW)) == []
        assert _state(port, SLOW) == "queued"
        assert len(_writes(fake_weibo, "comments/reply", cid=str(LAG))) == 1
    finally:
        if process.poll() is None:
            stop_tiexin(process)


# Real processes: one such module at a time (pyproject.toml, [tool.pytest], says why).
pytestmark = pytest.mark.xdist_group("processes")
