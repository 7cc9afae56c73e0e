"""`tiexin report rebuild [--since DATE]`: recount the reports' counters from what Redis
still holds (docs/reports.md says what cannot be rebuilt). `tiexin report voc [--week
2026-W49] [--format md|csv|html]`: the week's voice of the customer."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from responder.cli.common import config_for
from responder.clock import SystemClock
from responder.config import Config
from responder.reports.rebuild import rebuild
from responder.reports.rollup import Rollup
from responder.store.connect import open_store
from responder.voice.render import Week, csv_text, html, markdown, parse_week, week_of
from responder.voice.week import products_of, voice_of


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
    voc = actions.add_parser(
        "voc",
        help="the week's voice of the customer: top complaint topics, what rose, products",
        description="Reads the reports' counters and the week's sampled complaints and prints"
        " the report to standard output (Markdown, CSV for Excel, or an HTML page).",
    )
    voc.add_argument("--config", type=Path, help="config file naming the Redis")
    voc.add_argument("--week", help="ISO week, e.g. 2026-W49 (default: this week)")
    voc.add_argument("--format", choices=("md", "csv", "html"), default="md")


def run(args: argparse.Namespace) -> int:
    config = config_for(args.config)
    if args.report_command == "voc":
        zone = config.drafts.timezone
        try:
            week = parse_week(args.week, zone) if args.week else week_of(_today(zone), zone)
        except ValueError as exc:
            print(f"tiexin report voc: {exc}", file=sys.stderr)
            return 2
        return asyncio.run(_voc(config, week, args.format))
    return asyncio.run(_rebuild(config, args.since))


def _today(zone: str) -> date:
    return SystemClock().now().astimezone(ZoneInfo(zone)).date()


async def _voc(config: Config, week: Week, form: str) -> int:
    async with open_store(config.redis, share_running=True, retention=config.retention) as store:
        found = await voice_of(store, week, names=products_of(config))
    write = {"md": markdown, "csv": csv_text, "html": html}[form]
    sys.stdout.write(write(found, week))
    return 0


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
