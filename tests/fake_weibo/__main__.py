"""Run the fake Weibo on its own: `python -m tests.fake_weibo --port 0 --state FILE`.

Prints `listening on http://127.0.0.1:PORT` once it accepts connections. The state file
(JSON: {"brand": user, "statuses": [...], "comments": [...]}, items as the API shows
them) is read at start; `--record FILE` gets every write as a JSON line. While running,
GET /_fake/writes shows what was received (writes with their form fields, and
reads), GET /_fake/state the statuses and comments, POST /_fake/state adds items and POST
/_fake/fault queues a fault ({"path": "comments/create", "code": 10023, "status": 403}).
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from aiohttp import web

from tests.fake_weibo.server import FakeWeibo
from tests.fake_weibo.state import WeiboState


async def serve(args: argparse.Namespace) -> None:
    state = WeiboState()
    if args.state is not None:
        state = WeiboState.from_dict(json.loads(args.state.read_text(encoding="utf-8")))
    fake = FakeWeibo(state, tokens=tuple(args.token), record=args.record)
    runner = web.AppRunner(fake.app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", args.port)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"listening on http://127.0.0.1:{port}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.fake_weibo")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--state", type=Path, help="JSON file of brand, statuses and comments")
    parser.add_argument("--record", type=Path, help="append every write request here (JSONL)")
    parser.add_argument("--token", action="append", default=[], help="a valid access token")
    args = parser.parse_args()
    if not args.token:
        args.token = ["good-token"]
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
