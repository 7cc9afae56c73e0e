"""Serving the fake on a loopback port, and a connector config pointed at it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestServer

from connectors.secret import Secret
from connectors.weibo import WeiboConfig
from tests.fake_weibo.server import FakeWeibo
from tests.fake_weibo.state import BRAND_UID, WeiboState

TOKEN = "good-token"
RIP = "211.156.0.1"


@asynccontextmanager
async def serve(fake: FakeWeibo) -> AsyncIterator[str]:
    """Run the fake on 127.0.0.1, port 0; yield its api_base (".../2")."""
    server = TestServer(fake.app(), host="127.0.0.1", port=0)
    await server.start_server()
    try:
        yield str(server.make_url("/2"))
    finally:
        await server.close()


@contextmanager
def in_process(state: WeiboState, folder: Path) -> Iterator[str]:
    """Run the fake with `state` in a process of its own (for tests of real `tiexin run`
    processes); yield its base URL."""
    state_file = folder / "weibo.json"
    state_file.write_text(json.dumps(state.to_dict(), ensure_ascii=False), encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fake_weibo", "--port", "0", "--state", str(state_file)],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("listening on "), line
        yield line.removeprefix("listening on ").strip()
    finally:
        process.terminate()
        process.communicate(timeout=10)


def config(api_base: str, **changes: Any) -> WeiboConfig:
    """The brand account's connector options, pointed at the fake."""
    options: dict[str, Any] = {
        "access_token": Secret(TOKEN),
        "uid": str(BRAND_UID),
        "rip": RIP,
        "api_base": api_base,
    }
    return WeiboConfig(**(options | changes))
