"""`tiexin reload`: validate config.toml and apply it to every running process on the same
Redis, without a restart (docs/config-reload.md)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import socket
import sys
from pathlib import Path

from responder.cli.common import DEFAULT_CONFIG
from responder.clock import SystemClock
from responder.config import ConfigError
from responder.reload.publish import Reloaded, check_file, reload_file
from responder.store.connect import open_store


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `reload` under the main parser."""
    parser = commands.add_parser(
        "reload",
        help="apply a changed config.toml to every running process, without a restart",
        description="The file is validated first: an invalid one is refused with every"
        " problem (exit 2) and the running config stays. A valid one is stored in Redis as"
        " the next version; every process applies it and the audit log shows the change.",
    )
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="config file")


def run(args: argparse.Namespace) -> int:
    """Exit 0 when stored, 2 when the file is invalid."""
    try:
        _, config = check_file(args.config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        print("tiexin reload: refused; the running config stays", file=sys.stderr)
        return 2
    by = f"{getpass.getuser()}@{socket.gethostname()}"

    async def store() -> Reloaded:
        async with open_store(config.redis, share_running=True) as opened:
            return await reload_file(opened, args.config, by=by, now=SystemClock().now())

    done = asyncio.run(store())
    for note in done.notes:
        print(f"tiexin reload: note: {note}", file=sys.stderr)
    print(f"config version {done.version} stored: {len(done.changes)} change(s)")
    for change in done.changes:
        before = change.get("before", "—")
        after = change.get("after", "—")
        print(f"  {change['path']}: {before} → {after}")
    return 0
