"""A config text checked as a start would check it: every problem at once, the reply
templates rendered too; and the parts of a new config that only a restart can change."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

from responder.config import Config, ConfigError, parse
from responder.drafts.drafter import Drafter
from responder.drafts.render import TemplateProblem
from responder.reload.connectors import is_push

# Read once at start: the socket, the Redis connection, the worker counts, the session
# key and cookie, the retention the store was opened with, the sweeper's cadence.
RESTART_ONLY = ("server", "redis", "pipeline", "auth", "retention", "sweeper")


def check_text(text: str, *, base_dir: Path, source: str) -> Config:
    """Parse and validate `text`; raise ConfigError listing every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, [f"invalid TOML: {exc}"]) from exc
    return parse(data, base_dir=base_dir, source=source)


def check_drafts(config: Config) -> None:
    """Load and render every reply template; raise ConfigError naming the broken one."""
    try:
        Drafter(config.drafts.templates, zone=config.drafts.timezone).check()
    except (TemplateProblem, ValueError) as exc:
        raise ConfigError(config.source, [f"drafts.templates: {exc}"]) from exc


def settle(old: Config, new: Config) -> tuple[Config, list[str]]:
    """`new` as this running process can take it: the restart-only parts stay as they
    run, with a note for each that differs."""
    kept = {name: getattr(old, name) for name in RESTART_ONLY}
    notes = [
        f"[{n}] changed: it applies at the next restart"
        for n in RESTART_ONLY
        if getattr(old, n) != getattr(new, n)
    ]
    drafts = new.drafts
    if old.drafts.llm != new.drafts.llm:
        drafts = dataclasses.replace(drafts, llm=old.drafts.llm)
        notes.append("[drafts.llm] changed: it applies at the next restart")
    connectors = new.connectors
    pushed_old = tuple(c for c in old.connectors if is_push(c))
    if pushed_old != tuple(c for c in new.connectors if is_push(c)):
        connectors = tuple(c for c in new.connectors if not is_push(c)) + pushed_old
        notes.append("push connectors changed: they apply at the next restart")
    settled = dataclasses.replace(new, **kept, drafts=drafts, connectors=connectors)
    return settled, notes
