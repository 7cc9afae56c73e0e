"""`tiexin report rebuild` as an admin runs it: against the Redis a config names, while
the counters are wrong, with a bad day, and with no Redis there at all."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from responder.cli import main
from responder.pipeline.worker import Pipeline
from responder.store.store import Store
from tests.fakes import FakeClock
from tests.test_voice_week import _demo_counted

DAY = "2026-11-20"  # the demo's day in Asia/Shanghai (the fake clock's)


def _config(tmp_path: Path, url: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(f'[redis]\nurl = "{url}"\nprefix = "test"\n', "utf-8")
    return str(path)


async def test_rebuild_puts_wrong_counters_right(
    store: Store,
    pipeline: Pipeline,
    clock: FakeClock,
    redis_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await _demo_counted(store, pipeline, clock)
    day = store.keys.report_day(DAY)
    counted = await store.redis.hgetall(day)
    assert int(counted["in"]) > 300
    await store.redis.hset(day, mapping={"in": 1, "ok": 999})
    await store.redis.hset(store.keys.report_day("2026-11-21"), "in", 5)  # counted nothing
    args = ["report", "rebuild", "--config", _config(tmp_path, redis_url)]
    assert await asyncio.to_thread(main, args) == 0
    said = capsys.readouterr().err
    assert "rebuilt the reports from the start:" in said and "mentions read" in said
    assert await store.redis.hgetall(day) == counted
    assert not await store.redis.exists(store.keys.report_day("2026-11-21"))
    await store.redis.hset(day, "in", 1)  # from the next day on: this day is left as it is
    assert await asyncio.to_thread(main, [*args, "--since", "2026-11-21"]) == 0
    assert "from 2026-11-21" in capsys.readouterr().err
    assert (await store.redis.hget(day, "in")) == "1"


async def test_rebuild_says_what_is_wrong(
    tmp_path: Path, redis_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["report", "rebuild", "--config", _config(tmp_path, redis_url)]
    with pytest.raises(SystemExit) as bad_day:
        await asyncio.to_thread(main, [*args, "--since", "2026-13-01"])
    assert bad_day.value.code == 2 and "--since" in capsys.readouterr().err
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    nowhere = ["report", "rebuild", "--config", _config(tmp_path, f"redis://127.0.0.1:{port}/0")]
    assert await asyncio.to_thread(main, nowhere) != 0
    err = capsys.readouterr().err
    assert f"127.0.0.1:{port}" in err and "Traceback" not in err
