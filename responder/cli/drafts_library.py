"""`tiexin drafts library list|pin|retire`: the team's best replies, for leads."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from responder.config import Config
from responder.library.store import LISTED, STATES, Library

STATE_NAMES = {
    "candidate": "观察中",
    "active": "可用",
    "pinned": "置顶",
    "retired": "已停用",
    "failed": "已失效",
}
HOW_NAMES = {"written": "手写", "edited": "改写"}


def add_command(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `drafts library list|pin|retire`."""
    library = actions.add_parser("library", help="the team's best replies: list, pin, retire")
    verbs = library.add_subparsers(dest="library_action", required=True)
    listing = verbs.add_parser("list", help="entries and candidates, newest first")
    listing.add_argument("--intent", help="only this intent's")
    listing.add_argument(
        "--state", choices=STATES, help="only this state (default: all but failed)"
    )
    listing.add_argument("--json", action="store_true", help="one JSON object per entry")
    listing.add_argument("--config", type=Path, help="config file naming the Redis")
    for verb, what in (
        ("pin", "prefer this entry (pinning a candidate admits it now)"),
        ("retire", "never propose this entry again"),
    ):
        parser = verbs.add_parser(verb, help=what)
        parser.add_argument("id", help="the entry's id (or a unique start of it, 4+ characters)")
        parser.add_argument("--by", help="who does it, for the audit log (default: your login)")
        parser.add_argument("--config", type=Path, help="config file naming the Redis")


async def run(config: Config, args: argparse.Namespace) -> int:
    """Run `drafts library ...`; a LibraryError (a ValueError) goes to the caller."""
    from responder.store.connect import open_store

    async with open_store(config.redis, share_running=True, retention=config.retention) as store:
        library = Library(store.redis, store.keys, events_maxlen=store.retention.events)
        now = datetime.now().astimezone()
        await library.settle(now, config.drafts.library.keep)  # so a list is up to date
        if args.library_action == "list":
            states = (args.state,) if args.state else LISTED
            rows = await library.entries(args.intent, states)
            _print(rows, ZoneInfo(config.drafts.timezone), as_json=args.json)
            return 0
        state = "pinned" if args.library_action == "pin" else "retired"
        by = args.by or getpass.getuser()
        row = await library.mark(args.id, state, by, now)
    verb = "置顶" if state == "pinned" else "停用"
    was = STATE_NAMES.get(row["state"], row["state"])
    print(f"已{verb}范例 {row['id']}（{row.get('intent', '')}，原为{was}），操作人 {by}")
    print(f"  回复：{row.get('reply', '')}")
    return 0


def _print(rows: list[dict[str, str]], zone: ZoneInfo, *, as_json: bool) -> None:
    from responder.web.library import shown

    if as_json:
        for row in rows:
            print(json.dumps(shown(row), ensure_ascii=False))
        return
    if not rows:
        print("范例库里还没有这样的条目", file=sys.stderr)
        return
    for row in rows:
        sent = float(row.get("sent_at") or 0)
        at = datetime.fromtimestamp(sent, zone).strftime("%Y-%m-%d %H:%M") if sent else "-"
        state = STATE_NAMES.get(row.get("state", ""), row.get("state", ""))
        how = HOW_NAMES.get(row.get("how", ""), row.get("how", ""))
        print(
            f"{row.get('id', '')}  {state}  {row.get('intent', '')}/{row.get('tone', '')}"
            f"  {row.get('agent', '')}{how}  {row.get('platform', '')}  {at}"
        )
        print(f"  提及：{row.get('mention', '')}")
        print(f"  回复：{row.get('reply', '')}")
        if row.get("state") == "failed":
            print(f"  原因：对方在观察期内又发了负面消息（{row.get('complaint', '')}）")
    print(f"共 {len(rows)} 条", file=sys.stderr)
