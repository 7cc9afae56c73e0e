"""The `tiexin` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from redis.exceptions import RedisError

from responder.cli import (
    connectors,
    deadletters,
    drafts,
    oncall,
    reload,
    report,
    run,
    sentiment,
    users,
)
from responder.cli.common import DEFAULT_CONFIG, config_for
from responder.config import ConfigError, load

__all__ = ["DEFAULT_CONFIG", "config_for", "main"]  # config_for: used by subcommand modules
# Each module registers its own subcommands with `add_commands` and runs them with `run`.
SUBCOMMANDS: tuple[ModuleType, ...] = (
    run,
    sentiment,
    deadletters,
    drafts,
    connectors,
    users,
    oncall,
    report,
    reload,
)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser, handlers = build_parser()
    args = parser.parse_args(argv)
    if args.command == "check-config":
        return check_config(args.path)
    try:
        return handlers[args.command](args)
    except RedisError as exc:  # its messages name host and port, never the password
        print(f"tiexin {args.command}: cannot use Redis: {exc}", file=sys.stderr)
        return 1


def build_parser() -> tuple[
    argparse.ArgumentParser, dict[str, Callable[[argparse.Namespace], int]]
]:
    """The `tiexin` parser, and the handler of each subcommand (check-config: main's own)."""
    parser = argparse.ArgumentParser(prog="tiexin", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {}
    for module in SUBCOMMANDS:
        known = set(commands.choices)
        module.add_commands(commands)
        handlers.update(dict.fromkeys(set(commands.choices) - known, module.run))
    check = commands.add_parser("check-config", help="validate a config file and exit")
    check.add_argument("path", nargs="?", type=Path, default=DEFAULT_CONFIG)
    return parser, handlers


def check_config(path: Path) -> int:
    """Print every problem of a config file (an http_json mapping checked against its
    sample response included); exit 2 on errors, 0 when valid."""
    try:
        config = load(path)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    problems = connectors.sample_problems_of(config)  # an http_json mapping over its sample
    if problems:
        print(ConfigError(str(path), problems), file=sys.stderr)
        return 2
    names = ", ".join(c.name for c in config.connectors) or "none"
    print(f"{path}: valid ({len(config.connectors)} connectors: {names})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
