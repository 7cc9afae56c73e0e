"""`tiexin connectors list|try`: see the configured connectors, and what an http_json
connector would make of a saved response before it ever polls."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from connectors.http_json.config import HttpJsonConfig
from connectors.http_json.sample import read_sample, sample_problems, trial
from connectors.model import Mention
from responder.cli.common import config_for
from responder.config import Config, ConfigError


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `connectors list|try` under the main parser."""
    group = commands.add_parser("connectors", help="list connectors, or try one on a sample")
    actions = group.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="name, type and whether each is enabled")
    attempt = actions.add_parser(
        "try",
        help="print the mentions an http_json connector makes of a saved response",
        description="Maps a saved response as a poll would, without any network: one line"
        " per mention, then the items that do not map with the config key at fault."
        " Exit 1 if no item maps.",
    )
    attempt.add_argument("name", help="the connector's name, as in [connectors.NAME]")
    attempt.add_argument("--sample", type=Path, help="a saved response (default: its `sample`)")
    attempt.add_argument("--json", action="store_true", help="one mention as JSON per line")
    for parser in (listing, attempt):
        parser.add_argument("--config", type=Path, help="config file (default: ./config.toml)")


def run(args: argparse.Namespace) -> int:
    """Run a `connectors` action; return the exit status."""
    try:
        config = config_for(args.config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.action == "list":
        for entry in config.connectors:
            state = "enabled" if entry.enabled else "disabled"
            print(f"{entry.name}\t{entry.type}\t{state}")
        return 0
    return _try(config, args)


def sample_problems_of(config: Config) -> list[str]:
    """Map each http_json connector's `sample`; return problems as `key path: message`."""
    problems: list[str] = []
    for entry in config.connectors:
        if isinstance(entry.options, HttpJsonConfig):
            for key, message in sample_problems(entry.name, entry.options):
                problems.append(f"connectors.{entry.name}.{key}: {message}")
    return problems


def _try(config: Config, args: argparse.Namespace) -> int:
    entry = next((c for c in config.connectors if c.name == args.name), None)
    if entry is None:
        names = ", ".join(c.name for c in config.connectors) or "none"
        print(f"tiexin: no connector named {args.name} (configured: {names})", file=sys.stderr)
        return 2
    options = entry.options
    if not isinstance(options, HttpJsonConfig):
        print(f"tiexin: {entry.name} is {entry.type}; try works on http_json", file=sys.stderr)
        return 2
    sample = args.sample or options.sample
    if sample is None:
        print(
            f"tiexin: give --sample FILE (connectors.{entry.name} has no sample)", file=sys.stderr
        )
        return 2
    try:
        data = read_sample(sample)
    except ValueError as exc:
        print(f"tiexin: {exc}", file=sys.stderr)
        return 2
    result = trial(entry.name, options, data)
    for mention in result.mentions:
        print(mention.to_json() if args.json else line(mention))
    for key, message in result.problems:
        print(f"rejected  connectors.{entry.name}.{key}: {message}", file=sys.stderr)
    cursor = "none" if result.cursor is None else result.cursor
    print(
        f"{len(result.mentions)} mention(s), {len(result.problems)} problem(s);"
        f" next cursor: {cursor}",
        file=sys.stderr,
    )
    return 0 if result.mentions else 1


def line(mention: Mention) -> str:
    """One mention on one line: time, id, thread, author, text (newlines escaped), link."""
    author = mention.author
    badge = ", verified" if author.verified else ""
    parts = [
        f"{mention.created_at:%Y-%m-%d %H:%M:%S}Z",
        f"{mention.platform}/{mention.platform_id}",
        f"{mention.kind}",
        f"thread={mention.thread_id or '-'}",
        f"@{author.name} ({author.id}, {author.followers} followers{badge})",
        json.dumps(mention.text, ensure_ascii=False),
        mention.url or "-",
    ]
    return "  ".join(parts)
