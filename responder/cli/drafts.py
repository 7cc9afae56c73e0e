"""`tiexin drafts ...`: evaluate and retrain understanding, try drafts on one mention, check
templates, and report what agents did with each template's drafts."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from responder.cli import drafts_kb, drafts_library
from responder.cli.common import config_for
from responder.config import ConfigError
from responder.drafts.data import DataError
from responder.drafts.render import TemplateProblem

if TYPE_CHECKING:
    from responder.config import Config
    from responder.drafts.drafter import Drafter
    from responder.drafts.suggest import Suggestion


def demo_path() -> Path:
    """Return the labelled demo mentions shipped with Tiexin."""
    return Path(str(resources.files("connectors") / "demo" / "mentions.jsonl"))


def labelled_set(name: str) -> Path:
    """A labelled understanding set of the source checkout (tests/data/understanding_*)."""
    return Path(__file__).resolve().parents[2] / "tests" / "data" / f"understanding_{name}.jsonl"


SETS: dict[str, Callable[[], Path]] = {
    "demo": demo_path,
    "dev": lambda: labelled_set("dev"),
    "heldout": lambda: labelled_set("heldout"),
    "train": lambda: labelled_set("train"),
}


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `drafts eval|train|suggest|check|report` under the main parser."""
    group = commands.add_parser("drafts", help="understand mentions and draft replies")
    actions = group.add_subparsers(dest="action", required=True)
    evaluate = actions.add_parser(
        "eval", help="intent precision/recall, crisis recall, sentiment accuracy and speed"
    )
    evaluate.add_argument(
        "--set",
        choices=sorted(SETS),
        help="heldout, dev, train (tests/data/understanding_*.jsonl) or demo (the default)",
    )
    evaluate.add_argument(
        "--data", type=Path, nargs="+", help="labelled jsonl files instead of a --set"
    )
    evaluate.add_argument(
        "--errors", action="store_true", help="also list every mention judged wrongly"
    )
    evaluate.add_argument(
        "--relevance",
        action="store_true",
        help="judge the drafts instead: tests/data/relevance.jsonl (--set dev: relevance_dev)",
    )
    evaluate.add_argument("--config", type=Path, help="config file ([drafts] templates)")
    suggest = actions.add_parser(
        "suggest", help="intent, sentiment, crisis, priority and three drafts for one mention"
    )
    suggest.add_argument("--text", required=True, help="what the mention says")
    suggest.add_argument("--platform", default="weibo", help="weibo, wechat, tieba, ...")
    suggest.add_argument("--kind", help="comment, mention, dm, post (default: by platform)")
    suggest.add_argument("--author", default="", help="the author's nickname")
    suggest.add_argument("--followers", type=int, default=0, help="the author's followers")
    suggest.add_argument("--verified", action="store_true", help="a verified account")
    suggest.add_argument(
        "--at", type=datetime.fromisoformat, help="when it was written, ISO 8601 (default: now)"
    )
    suggest.add_argument("--json", action="store_true", help="one JSON object")
    suggest.add_argument("--config", type=Path, help="config file ([drafts] templates, timezone)")
    drafts_kb.add_command(actions)
    drafts_library.add_command(actions)
    check = actions.add_parser("check", help="load and render every template; list problems")
    check.add_argument("--config", type=Path, help="config file ([drafts] templates)")
    train = actions.add_parser(
        "train",
        help="retrain understanding with agents' corrections and install it without a restart",
    )
    train.add_argument("--config", type=Path, help="config file naming the Redis and data dir")
    train.add_argument(
        "--base", type=Path, help="labelled training set (default: tests/data/understanding_train)"
    )
    train.add_argument(
        "--heldout", type=Path, help="held-out set (default: tests/data/understanding_heldout)"
    )
    train.add_argument("--weight", type=float, default=3.0, help="weight of each correction")
    report = actions.add_parser(
        "report", help="per template: drafts offered, sent as is, edited, passed over"
    )
    report.add_argument("--config", type=Path, help="config file naming the Redis")
    report.add_argument("--json", action="store_true", help="one JSON object per template")


def run(args: argparse.Namespace) -> int:
    """Run a `drafts` action; return the exit status."""
    try:
        if args.action == "eval":
            return _evaluate(args)
        config = config_for(args.config)
        if args.action == "report":
            return asyncio.run(_report(config, args))
        if args.action == "kb":
            return drafts_kb.run(config, args)
        if args.action == "library":
            return asyncio.run(drafts_library.run(config, args))
        if args.action == "train":
            from responder.cli.drafts_train import retrain

            return asyncio.run(retrain(config, args))
        from responder.drafts.drafter import Drafter

        drafter = Drafter(config.drafts.templates, zone=config.drafts.timezone)
        if args.action == "check":
            warnings = drafter.check()
            for warning in warnings:
                print(f"warning: {warning}")
            blocks = sum(len(b) for b in drafter.templates.blocks.values())
            print(f"{blocks} template blocks render; {len(warnings)} warning(s)")
            return 0
        return _suggest(drafter, args)
    except (DataError, ConfigError, TemplateProblem, ValueError) as exc:
        print(f"tiexin: {exc}", file=sys.stderr)
        return 2


def _evaluate(args: argparse.Namespace) -> int:
    from responder.drafts.evaluate import evaluate, read_rows

    if args.relevance:
        return _relevance(args)
    if args.set and args.data:
        raise ValueError("give --set or --data, not both")
    path = SETS[args.set or "demo"]()
    if not args.data and not path.is_file():
        raise ValueError(f"--set {args.set}: {path} is not here (a source checkout has it)")
    rows = read_rows(args.data or [path])
    print("\n".join(evaluate(rows).lines(errors=args.errors)))
    return 0


def relevance_set(name: str) -> Path:
    """A relevance set of the source checkout: tests/data/relevance.jsonl (held out) or
    tests/data/relevance_dev.jsonl (for tuning the drafts)."""
    suffix = "_dev" if name == "dev" else ""
    return Path(__file__).resolve().parents[2] / "tests" / "data" / f"relevance{suffix}.jsonl"


def _relevance(args: argparse.Namespace) -> int:
    from responder.drafts import relevance
    from responder.drafts.suggest import start

    if args.set not in (None, "heldout", "dev"):
        raise ValueError("--relevance takes --set heldout (the default) or --set dev")
    paths = args.data or [relevance_set(args.set or "heldout")]
    rows = []
    for path in paths:
        if not path.is_file():
            raise ValueError(f"{path} is not here (a source checkout has it)")
        rows += relevance.read_rows(path)
    config = config_for(args.config)
    start(config.drafts.templates, zone=config.drafts.timezone)
    print("\n".join(relevance.relevance(rows).lines(errors=args.errors)))
    return 0


def _suggest(drafter: Drafter, args: argparse.Namespace) -> int:
    from connectors.model import Author
    from responder.drafts.suggest import Job, suggest
    from sentiment import score_texts

    at = args.at or datetime.now().astimezone()
    if at.tzinfo is None:
        raise ValueError(f"--at {args.at}: give a time zone, e.g. 2026-09-25T20:00+08:00")
    kind = args.kind or {"wechat": "dm", "tieba": "post"}.get(args.platform, "comment")
    author = Author(id="a", name=args.author, followers=args.followers, verified=args.verified)
    job = Job(id=args.text, text=args.text, platform=args.platform, kind=kind, author=author, at=at)
    result = suggest(job, score_texts([args.text])[0], drafter)
    out = described(result)
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return 0
    crisis = out["crisis"]
    print(
        f"intent     {out['intent']} {out['intent_confidence']:.2f}"
        + (" 意图不确定" if out["uncertain"] else "")
        + (f" (also {', '.join(out['secondary'])})" if out["secondary"] else "")
    )
    aspects = " ".join(
        f"{a['aspect']}{'+' if a['polarity'] == 'pos' else '-' if a['polarity'] == 'neg' else '·'}"
        for a in out["aspects"]
    )
    needed = "needed" if out["reply_needed"] else "not needed"
    print(f"speaker    {out['role']}; reply {needed} ({out['reply_reason']})")
    if aspects or out["product"]:
        print(f"about      {out['product'] or '-'} {aspects}".rstrip())
    sentiment = out["sentiment"]
    cues = " · ".join(sentiment["cues"])
    print(
        f"sentiment  {sentiment['label']} {sentiment['score']:.2f}"
        + (f"  ({cues})" if cues else "")
    )
    print(f"crisis     {'YES: ' + ' '.join(crisis['words']) if crisis['flag'] else 'no'}")
    print(f"spam       {'yes' if out['spam'] else 'no'}")
    needed = "needs an answer" if out["reply_needed"] else "needs no answer (无需回复)"
    print(f"role       {out['role']}; {needed}: {out['reply_reason'] or '-'}")
    print(f"priority   {out['priority']['base']:g}  ({', '.join(out['priority']['reasons'])})")
    print(f"tone       {out['tone']}")
    for i, draft in enumerate(out["drafts"], 1):
        print(f"draft {i}    {draft['text']}\n           [{draft['template']}]")
    if not out["drafts"]:
        print("drafts     none" + (" (spam)" if out["spam"] else ""))
    return 0


def described(result: Suggestion) -> dict[str, Any]:
    """Return a suggestion as the JSON `tiexin drafts suggest --json` prints."""
    known = result.understanding
    return {
        "intent": known.intent,
        "intent_confidence": round(known.intent_confidence, 4),
        "uncertain": known.uncertain,
        "secondary": list(known.secondary),
        "role": known.role,
        "reply_needed": known.reply_needed,
        "reply_reason": known.reply_reason,
        "aspects": [{"aspect": a, "polarity": p} for a, p in known.aspects],
        "product": known.product,
        "sentiment": {
            "label": str(known.sentiment.label),
            "score": round(known.sentiment.score, 4),
            "cues": list(known.sentiment.cues),
        },
        "crisis": {
            "flag": known.crisis.flag,
            "words": list(known.crisis.words),
            "kinds": list(known.crisis.kinds),
        },
        "urgent": known.urgent,
        "spam": known.spam,
        "tone": result.tone,
        "priority": {"base": result.priority.base, "reasons": list(result.priority.reasons)},
        "drafts": [{"text": d.text, "template": d.template} for d in result.drafts],
    }


async def _report(config: Config, args: argparse.Namespace) -> int:
    from responder.drafts.learning import table
    from responder.store.connect import open_store

    async with open_store(config.redis, share_running=True, retention=config.retention) as store:
        counts = table(await store.draft_stats())
    rows = sorted(counts.items(), key=lambda kv: (-kv[1]["offered"], kv[0]))
    if args.json:
        for template, c in rows:
            print(json.dumps({"template": template, **c, **_rates(c)}, ensure_ascii=False))
        return 0
    head = ("offered", "as is", "edited", "passed", "kept", "edit rate")
    print(f"{'template':32} " + " ".join(f"{h:>9}" for h in head))
    for template, c in rows:
        rates = _rates(c)
        print(
            f"{template:32} {c['offered']:>9} {c['as_is']:>9} {c['edited']:>9} {c['passed']:>9}"
            f" {rates['acceptance']:>9.0%} {rates['edit_rate']:>9.0%}"
        )
    if not rows:
        print("no draft has been offered to an agent yet", file=sys.stderr)
    return 0


def _rates(c: dict[str, int]) -> dict[str, float]:
    kept = c["as_is"] + c["edited"]
    return {
        "acceptance": kept / c["offered"] if c["offered"] else 0.0,
        "edit_rate": c["edited"] / kept if kept else 0.0,
    }
