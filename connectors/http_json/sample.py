"""Run a connector's mapping over a saved response, so an admin sees a wrong path before
starting: what `tiexin connectors try` prints and `tiexin check-config` checks."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connectors.http_json.config import HttpJsonConfig
from connectors.http_json.mapping import FieldError, Mapper
from connectors.model import Mention


@dataclass(frozen=True, slots=True, kw_only=True)
class Trial:
    """What the mapping made of a sample: mentions, problems as (config key, message), and
    the cursor the next poll would send."""

    mentions: tuple[Mention, ...]
    problems: tuple[tuple[str, str], ...]
    cursor: str | None


def read_sample(path: Path) -> Any:
    """Read a saved response; raise ValueError saying why it cannot be used."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise ValueError(f"{path} is not JSON: {exc}") from exc


def trial(name: str, config: HttpJsonConfig, data: Any) -> Trial:
    """Map a whole response as a poll would; every problem names its config key."""
    mapper = Mapper(name, config)
    try:
        page = mapper.page(data)
    except FieldError as exc:
        return Trial(mentions=(), problems=((exc.key, exc.detail),), cursor=None)
    problems: list[tuple[str, str]] = []
    for index, item in enumerate(page.items):
        try:
            mapper.mention(item)
        except FieldError as exc:
            problems.append((exc.key, f"item {index}: {exc.detail}"))
    if not page.items:
        problems.append(("items", f'"{config.items}" is an empty list: nothing to check'))
    return Trial(
        mentions=page.mentions,
        problems=tuple(problems),
        cursor=mapper.next_cursor(data, page.items, None),
    )


def sample_problems(name: str, config: HttpJsonConfig) -> list[tuple[str, str]]:
    """Check `config.sample` (if set); return (config key, message) pairs."""
    if config.sample is None:
        return []
    try:
        data = read_sample(config.sample)
    except ValueError as exc:
        return [("sample", str(exc))]
    return list(trial(name, config, data).problems)
