"""`tiexin report rebuild [--since DATE]`: recount the reports' counters from what Redis
still holds (docs/reports.md says what cannot be rebuilt)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date
from pathlib import Path

from responder.cli.common import config_for
from responder.config import Config
from responder.reports.rebuild import rebuild
from responder.reports.rollup import Rollup
from responder.store.connect import open_store


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `report` under the main parser."""
    parser = commands.add_parser("report", help="the lead's reports: rebuild their counters")
    actions = parser.add_subparsers(dest="report_command", required=True)
    again = actions.add_parser(
        "rebuild",
        help="recount the reports' counters from the mentions' own logs",
        description="Reads every mention Redis still holds (closed ones expire after"
        " [retention] closed) and recounts the counters from --since (a day in the team's"
        " zone; default: all). Safe while Tiexin runs: the rollup step goes on after it.",
    )
    again.add_argument("--config", type=Path, help="config file naming the Redis")
    again.add_argument("--since", type=date.fromisoformat, help="first day to recount (YYYY-MM-DD)")


def run(args: argparse.Namespace) -> int:
    config = config_for(args.config)
    return asyncio.run(_rebuild(config, args.since))


async def _rebuild(config: Config, since: date | None) -> int:
    async with open_store(config.redis, share_running=True, retention=config.retention) as store:
        rollup = Rollup(store, config.reports, config.drafts.timezone)
        done = await rebuild(rollup, since)
    print(
        f"rebuilt the reports from {since or 'the start'}: {done.mentions} mentions read,"
        f" {done.wiped} counter keys replaced",
        file=sys.stderr,
    )
    return 0
