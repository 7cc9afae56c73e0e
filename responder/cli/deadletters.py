"""`tiexin dead-letters`: list ingest entries the pipeline could not queue, and retry them;
`tiexin rejected`: what connectors received and could not use, with the raw body."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import cast

from responder.cli.common import config_for
from responder.clock import from_epoch
from responder.config import RedisConfig, RetentionConfig
from responder.store.connect import open_store
from responder.store.deadletters import DeadLetter, list_letters, requeue


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `dead-letters` under the main parser."""
    parser = commands.add_parser(
        "dead-letters",
        help="list entries the pipeline set aside (newest first), or requeue one",
        description="Entries the pipeline could not queue are kept with the reason. Fix the"
        " cause, then requeue: the entry goes back on the ingest stream and is queued once.",
    )
    parser.add_argument("--config", type=Path, help="config file naming the Redis")
    parser.add_argument("--limit", type=int, default=50, help="how many to list (default 50)")
    parser.add_argument("--requeue", metavar="ID", help="put this dead letter back on the stream")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    rejected = commands.add_parser(
        "rejected",
        help="list what connectors received and could not use (newest first)",
        description="Platform answers and items a connector could not parse are kept with"
        " the reason and the raw body (capped); polling went on without them.",
    )
    rejected.add_argument("--config", type=Path, help="config file naming the Redis")
    rejected.add_argument("--limit", type=int, default=50, help="how many (default 50)")
    rejected.add_argument("--json", action="store_true", help="one JSON object per line")


def run(args: argparse.Namespace) -> int:
    """List or requeue dead letters, or list rejected inputs; exit 1 if the letter to
    requeue does not exist."""
    config = config_for(args.config)
    if args.command == "rejected":
        return asyncio.run(_rejected(config.redis, args))
    return asyncio.run(_run(config.redis, config.retention, args))


async def _rejected(redis_config: RedisConfig, args: argparse.Namespace) -> int:
    async with open_store(redis_config, share_running=True) as store:
        reply = await store.redis.xrevrange(store.keys.rejected, count=args.limit)
    rows = cast(list[tuple[str, dict[str, str]]], reply)
    for entry_id, fields in rows:
        if args.json:
            print(json.dumps({"id": entry_id, **fields}, ensure_ascii=False))
        else:
            at = from_epoch(float(fields.get("at") or 0))
            raw = fields.get("raw", "").replace("\n", " ")[:200]
            print(f"{entry_id}  {at:%Y-%m-%d %H:%M:%S}Z  source={fields.get('source', '?')}")
            print(f"    {fields.get('reason', '')}")
            print(f"    raw: {raw}")
    if not args.json:
        print(f"{len(rows)} rejected input(s) shown", file=sys.stderr)
    return 0


async def _run(
    redis_config: RedisConfig, retention: RetentionConfig, args: argparse.Namespace
) -> int:
    async with open_store(redis_config, share_running=True, retention=retention) as store:
        if args.requeue:
            new_id = await requeue(store.redis, store.keys, args.requeue)
            if new_id is None:
                print(f"tiexin: no dead letter with id {args.requeue}", file=sys.stderr)
                return 1
            print(f"requeued {args.requeue} as ingest entry {new_id}")
            return 0
        letters = await list_letters(store.redis, store.keys, args.limit)
    for letter in letters:
        print(_json(letter) if args.json else _line(letter))
    if not args.json:
        print(f"{len(letters)} dead letter(s) shown", file=sys.stderr)
    return 0


def _line(letter: DeadLetter) -> str:
    source = letter.fields.get("source", "?")
    return (
        f"{letter.letter_id}  {letter.at:%Y-%m-%d %H:%M:%S}Z  source={source}"
        f"  reads={letter.deliveries}  {letter.reason}"
    )


def _json(letter: DeadLetter) -> str:
    record = {
        "id": letter.letter_id,
        "entry_id": letter.entry_id,
        "at": letter.at.isoformat(),
        "reason": letter.reason,
        "deliveries": letter.deliveries,
        "entry": dict(letter.fields),
    }
    return json.dumps(record, ensure_ascii=False)
