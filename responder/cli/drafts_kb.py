"""`tiexin drafts kb check|search|eval`: validate the knowledge base, show what a mention
finds, and measure how well it answers labelled mentions."""

from __future__ import annotations

import argparse
from pathlib import Path

from responder.config import Config
from responder.drafts.facts import language
from responder.drafts.knowledge import MIN_SCORE, MIN_SCORE_EN, Knowledge, load_knowledge


def add_command(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `drafts kb check|search`."""
    kb = actions.add_parser("kb", help="check the knowledge base (kb.toml) or search it")
    kb_actions = kb.add_subparsers(dest="kb_action", required=True)
    check = kb_actions.add_parser("check", help="validate kb.toml; list every problem")
    check.add_argument("--config", type=Path, help="config file ([drafts] templates)")
    search = kb_actions.add_parser("search", help="the entries a mention finds, and why")
    search.add_argument("text", help="what the mention says")
    search.add_argument("--intent", action="append", default=[], help="only this intent's")
    search.add_argument("--config", type=Path, help="config file ([drafts] templates)")
    evaluate = kb_actions.add_parser(
        "eval", help="precision and recall on mentions labelled with the entry that answers"
    )
    evaluate.add_argument(
        "--data", type=Path, required=True, help='JSON lines {"text", "expect", "also"}'
    )
    evaluate.add_argument("--errors", action="store_true", help="list wrong answers and misses")
    evaluate.add_argument("--config", type=Path, help="config file ([drafts] templates)")


def kb_path(config: Config) -> Path:
    """The templates folder's kb.toml, or the packaged one when the folder has none."""
    from responder.drafts.drafter import default_directory

    path = (config.drafts.templates or default_directory()) / "kb.toml"
    return path if path.exists() else default_directory() / "kb.toml"


def run(config: Config, args: argparse.Namespace) -> int:
    """Run `drafts kb ...`; a bad file raises KnowledgeError (a ValueError) for the caller."""
    path = kb_path(config)
    knowledge = load_knowledge(path)
    if args.kb_action == "check":
        print(f"{path}: {len(knowledge.entries)} entries, all usable")
        return 0
    if args.kb_action == "eval":
        from responder.drafts.kb_eval import judge, lines, read_labels

        judged = judge(knowledge, read_labels(args.data))
        print("\n".join(lines(judged, errors=args.errors)))
        return 0
    return _search(knowledge, args.text, args.intent)


def _search(knowledge: Knowledge, text: str, intents: list[str]) -> int:
    hits = knowledge.search(text, intents, limit=3)
    if not hits:
        print("no entry matches: the drafts will say we will find out")
        return 0
    floor = MIN_SCORE_EN if language(text) == "en" else MIN_SCORE  # as drafting reads it
    for hit in hits:
        if hit.score < floor:
            verdict = f"too weak (< {floor})"
        elif not knowledge.names(hit.entry, text):
            verdict = f"about {hit.entry.device}, which the text does not name: no answer"
        elif all(t in knowledge.weak for t in hit.matched):
            verdict = "weak words only ([search] weak): no answer"
        else:
            verdict = "answers"
        print(f"{hit.entry.id}  score {hit.score:.2f}  {verdict}")
        print(f"  matched: {' '.join(hit.matched)}")
        print(f"  answer: {hit.entry.answer}")
    return 0
