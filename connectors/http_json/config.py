"""Options of a `type = "http_json"` connector: any JSON API described by config alone.

Paths into the JSON are JMESPath expressions (https://jmespath.org); every path and
template is checked when the config is read, so a typo is a config error with its key.
"""

from __future__ import annotations

import json
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import jmespath
from jmespath.exceptions import JMESPathError

from connectors.http_json.template import LINK_NAMES, REPLY_NAMES, body_names, names, unknown
from connectors.secret import Secret

NONEMPTY = {"nonempty": True}
EPOCHS = ("epoch", "epoch_ms")


class OptionError(ValueError):
    """Problems found by a check, each with the key it is about (the binder prefixes the
    table's path), all reported at once."""

    def __init__(self, problems: Iterable[tuple[str, str]]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(f"{k}: {m}" for k, m in self.problems))


def path_problem(expression: str | None) -> str | None:
    """Return why `expression` is not a usable JMESPath expression, else None."""
    if expression is None:
        return None
    try:
        jmespath.compile(expression)
    except JMESPathError as exc:
        return f'not a valid JMESPath expression: "{expression}" ({_why(exc)})'
    return None


def _why(exc: JMESPathError) -> str:
    """Say where a JMESPath expression goes wrong, in one line."""
    position = getattr(exc, "lex_position", None)
    if position is None:
        return "empty"
    message = getattr(exc, "message", None)  # the lexer's: 'Unclosed " delimiter'
    if message is None and getattr(exc, "token_value", None) is not None:
        message = f"unexpected {exc.token_value!r}"
    return f"{message or 'ends too soon'} at column {position + 1}"


def _raise(problems: list[tuple[str, str]]) -> None:
    if problems:
        raise OptionError(problems)


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldsConfig:
    """Where each part of a mention is in one item (JMESPath, relative to the item)."""

    id: str = field(metadata=NONEMPTY)
    text: str = field(metadata=NONEMPTY)
    author_id: str = field(metadata=NONEMPTY)
    author_name: str | None = None  # None: the author id
    followers: str | None = None
    verified: str | None = None
    created_at: str = field(metadata=NONEMPTY)
    # "iso", "epoch" (seconds), "epoch_ms", or a strptime format such as "%Y-%m-%d %H:%M:%S"
    time_format: str = field(default="iso", metadata=NONEMPTY)
    timezone: str = field(default="Asia/Shanghai", metadata=NONEMPTY)  # for times without one
    url: str | None = None  # a path, or a template such as "https://f.example/t/{thread}#{id}"
    thread: str | None = None
    parent: str | None = None
    kind: str = field(default="mention", metadata=NONEMPTY)  # a constant

    def __post_init__(self) -> None:
        problems: list[tuple[str, str]] = []
        for key in ("id", "text", "author_id", "author_name", "followers", "verified"):
            problems += _checked(key, getattr(self, key))
        problems += _checked("created_at", self.created_at)
        problems += _checked("thread", self.thread) + _checked("parent", self.parent)
        if self.url is not None:
            if self.url_is_template:
                bad = unknown(names(self.url), LINK_NAMES)
                problems += [("url", bad)] if bad else []
                problems += _needs(names(self.url), "url", self)
            else:
                problems += _checked("url", self.url)
        if self.time_format not in ("iso", *EPOCHS) and "%" not in self.time_format:
            problems.append(
                (
                    "time_format",
                    'must be "iso", "epoch", "epoch_ms" or a strptime format with % codes,'
                    f' got "{self.time_format}"',
                )
            )
        try:
            zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            problems.append(("timezone", f'unknown time zone "{self.timezone}"'))
        _raise(problems)

    @property
    def url_is_template(self) -> bool:
        return self.url is not None and bool(names(self.url))


@dataclass(frozen=True, slots=True, kw_only=True)
class CursorConfig:
    """How to ask for the next page: `param` carries the cursor; it comes from `next` (a
    path in the response) or is the largest `max_of` (a path in each item)."""

    param: str = field(metadata=NONEMPTY)
    next: str | None = None
    max_of: str | None = None
    more: str | None = None  # a path in the response: paging stops when it is false
    max_pages: int = field(default=5, metadata={"gt": 0, "le": 100})  # pages per poll

    def __post_init__(self) -> None:
        problems = _checked("next", self.next) + _checked("max_of", self.max_of)
        problems += _checked("more", self.more)
        if (self.next is None) == (self.max_of is None):
            problems.append(("", "set next (a path in the response) or max_of, not both"))
        _raise(problems)


@dataclass(frozen=True, slots=True, kw_only=True)
class LookupConfig:
    """How to find a reply already posted (`[reply.lookup]`): one request listing our
    replies, and where each one's text, id (and parent) are. Asked before a send whose
    outcome is unknown is made again."""

    url: str = field(metadata=NONEMPTY)  # a template, the same placeholders as reply.url
    method: Literal["GET", "POST"] = "GET"
    body: str | None = None  # POST only: JSON with placeholders, as reply.body
    items: str = field(metadata=NONEMPTY)  # path of the list of replies in the answer
    text: str = field(metadata=NONEMPTY)  # path of a reply's text in one item
    id: str = field(metadata=NONEMPTY)  # path of a reply's id in one item
    parent: str | None = None  # path of what a reply answers; must equal the mention's id

    def __post_init__(self) -> None:
        problems = _checked("items", self.items) + _checked("text", self.text)
        problems += _checked("id", self.id) + _checked("parent", self.parent)
        bad = unknown(names(self.url), REPLY_NAMES)
        problems += [("url", bad)] if bad else []
        if self.body is not None and self.method != "POST":
            problems.append(("body", 'only with method = "POST"'))
        elif self.body is not None:
            try:
                bad = unknown(body_names(self.parsed_body()), REPLY_NAMES)
            except ValueError as exc:
                problems.append(("body", f"not JSON: {exc}"))
            else:
                problems += [("body", bad)] if bad else []
        _raise(problems)

    def parsed_body(self) -> Any:
        return json.loads(self.body) if self.body is not None else {}


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplyConfig:
    """How to post a reply: URL and body templates, and how to read the answer."""

    url: str = field(metadata=NONEMPTY)  # e.g. "https://f.example/api/posts/{thread}/replies"
    method: Literal["POST", "PUT"] = "POST"
    body: str = field(metadata=NONEMPTY)  # JSON, e.g. '{"topic_id": "{thread:int}", ...}'
    id: str | None = None  # path of the new reply's id in the answer
    success: str | None = None  # a path that must be true in a 2xx answer
    lookup: LookupConfig | None = None  # None: an interrupted send is left to a person

    def __post_init__(self) -> None:
        problems = _checked("id", self.id) + _checked("success", self.success)
        bad = unknown(names(self.url), REPLY_NAMES)
        problems += [("url", bad)] if bad else []
        try:
            parsed = self.parsed_body()
        except ValueError as exc:
            problems.append(("body", f"not JSON: {exc}"))
        else:
            bad = unknown(body_names(parsed), REPLY_NAMES)
            if bad:
                problems.append(("body", bad))
            elif "text" not in body_names(parsed):
                problems.append(("body", "must contain {text}, the reply itself"))
        _raise(problems)

    def parsed_body(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpJsonConfig:
    """Options of a `type = "http_json"` connector."""

    url: str = field(metadata=NONEMPTY)  # the list endpoint, in full
    method: Literal["GET", "POST"] = "GET"  # POST sends params (and cursor) as a JSON body
    platform: str = field(metadata=NONEMPTY)  # shown on mentions, e.g. "forum"
    auth_header: str = field(default="Authorization", metadata=NONEMPTY)
    auth: Secret | None = None  # from auth_env
    auth_value: str = field(default="{token}", metadata=NONEMPTY)  # e.g. "Bearer {token}"
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    items: str = field(metadata=NONEMPTY)  # path of the list of items in the response
    fields: FieldsConfig
    cursor: CursorConfig | None = None
    reply: ReplyConfig | None = None  # None: replies are posted by a person
    sample: Path | None = None  # a saved response `tiexin check-config` maps

    def __post_init__(self) -> None:
        problems = _checked("items", self.items)
        if not self.url.startswith(("http://", "https://")):
            problems.append(("url", f'must start with http:// or https://, got "{self.url}"'))
        if names(self.auth_value) != ["token"]:
            problems.append(("auth_value", 'must contain {token} once, as in "Bearer {token}"'))
        if self.reply is not None:
            problems += _needs(names(self.reply.url), "reply.url", self.fields)
            problems += _needs(body_names(self.reply.parsed_body()), "reply.body", self.fields)
            if "url" in body_names(self.reply.parsed_body()) and self.fields.url is None:
                problems.append(("reply.body", "uses {url}, but fields.url is not set"))
            if (lookup := self.reply.lookup) is not None:
                problems += _needs(names(lookup.url), "reply.lookup.url", self.fields)
                used = body_names(lookup.parsed_body())
                problems += _needs(used, "reply.lookup.body", self.fields)
        if self.sample is not None and not self.sample.is_file():
            problems.append(("sample", f"no such file: {self.sample}"))
        _raise(problems)


def _checked(key: str, expression: str | None) -> list[tuple[str, str]]:
    problem = path_problem(expression)
    return [(key, problem)] if problem else []


def _needs(used: list[str], key: str, fields: FieldsConfig) -> list[tuple[str, str]]:
    """A template may name an optional field only if the mapping sets it."""
    return [
        (key, f"uses {{{name}}}, but fields.{name} is not set")
        for name in dict.fromkeys(used)
        if name in ("thread", "parent") and getattr(fields, name) is None
    ]
