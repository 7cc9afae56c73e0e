"""The fake Weibo runs on its own (`python -m tests.fake_weibo`), for end-to-end runs of a
real `tiexin run`: it serves a state file and records writes to a file and over HTTP."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

from connectors.http import Http
from connectors.weibo import WeiboConnector
from tests.fake_weibo import BRAND_UID, WeiboState, user
from tests.fake_weibo.running import config

ROOT = Path(__file__).resolve().parent.parent


async def test_the_fake_serves_a_state_file_and_records_writes(tmp_path: Path) -> None:
    state = WeiboState()
    state.add_status(3763000496676483, "@品牌官方 新品什么时候到？", by=user(1664695495, "_Iambda"))
    state_file, record = tmp_path / "state.json", tmp_path / "writes.jsonl"
    state_file.write_text(json.dumps(state.to_dict(), ensure_ascii=False), encoding="utf-8")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fake_weibo",
        "--port",
        "0",
        "--state",
        str(state_file),
        "--record",
        str(record),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    http = Http(total=2, connect=2)
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 10)
        base = line.decode().split("listening on ", 1)[1].strip()
        weibo = WeiboConnector("brand", config(base + "/2"), http=http)
        (found,) = (await weibo.fetch(None)).mentions
        receipt = await weibo.send_reply(found, "下周到货😀")
        seen = await http.request("GET", base + "/_fake/writes")
        (write,) = seen.data["writes"]
        assert write["form"]["comment"] == "下周到货😀" and write["path"] == "comments/create"
        assert json.loads(record.read_text(encoding="utf-8")) == write
        now = await http.request("GET", base + "/_fake/state")
        (comment,) = now.data["comments"]
        assert comment["idstr"] == receipt.reply_id
        assert comment["user"]["idstr"] == str(BRAND_UID)
    finally:
        await http.stop()
        process.terminate()
        await process.wait()


# Real processes: one such module at a time (pyproject.toml, [tool.pytest], says why).
pytestmark = pytest.mark.xdist_group("processes")
