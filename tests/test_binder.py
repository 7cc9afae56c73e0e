"""The config binder's secrets (read from `X_env` variables) and lists of scalars."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from connectors.secret import Secret
from responder.schema import Binder


@dataclass(frozen=True, slots=True, kw_only=True)
class Options:
    token: Secret
    backup: Secret | None = None
    kinds: tuple[str, ...] = ("a",)
    waits: tuple[timedelta, ...] = ()


def _bind(data: dict[str, object]) -> tuple[Options | None, list[str]]:
    binder = Binder(Path("."))
    bound = binder.bind(Options, data, "connectors.x")
    return bound, binder.errors


def test_a_secret_is_read_from_the_variable_its_env_key_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("X_TOKEN", "s3cr3t-value")
    bound, errors = _bind({"token_env": "X_TOKEN", "kinds": ["a", "b"], "waits": ["1s", "2m"]})
    assert errors == [] and bound is not None
    assert bound.token.reveal() == "s3cr3t-value" and bound.backup is None
    assert "s3cr3t" not in repr(bound)  # never shown, also not in a dataclass repr
    assert bound.kinds == ("a", "b")
    assert bound.waits == (timedelta(seconds=1), timedelta(minutes=2))


def test_secret_mistakes_are_reported_with_their_key_and_no_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("X_MISSING", raising=False)
    monkeypatch.setenv("X_BACKUP", "other-secret")
    bound, errors = _bind({"token_env": "X_MISSING", "backup": "written-in-the-file"})
    assert bound is None
    assert errors == [
        'connectors.x.backup: secrets are read from the environment: write backup_env = "VARIABLE"',
        'connectors.x.token_env: environment variable "X_MISSING" is not set',
    ]
    _, errors = _bind({"token_env": 5})
    assert errors == ["connectors.x.token_env: must be the name of an environment variable, got 5"]
    _, errors = _bind({})
    assert errors == ["connectors.x.token: required"]
    _, errors = _bind({"tokn_env": "X"})
    assert 'connectors.x.tokn_env: unknown key (did you mean "token_env"?)' in errors


def test_a_list_of_scalars_checks_each_item() -> None:
    binder = Binder(Path("."))
    binder.bind(Options, {"token_env": "PATH", "kinds": ["a", 3], "waits": "1s"}, "c")
    assert binder.errors == [
        "c.kinds[1]: must be a string, got 3",
        'c.waits: must be a list, got "1s"',
    ]


@dataclass(frozen=True, slots=True, kw_only=True)
class Request:
    params: dict[str, str]
    limits: dict[str, int] | None = None


def test_a_table_of_scalars_becomes_a_dict_checked_per_key() -> None:
    binder = Binder(Path("."))
    bound = binder.bind(Request, {"params": {"q": "澜星", "order": "new"}}, "c")
    assert binder.errors == [] and bound == Request(params={"q": "澜星", "order": "new"})
    binder = Binder(Path("."))
    binder.bind(Request, {"params": {"q": 1, "ok": "x"}, "limits": ["a"]}, "c")
    assert binder.errors == [
        "c.params.q: must be a string, got 1",
        "c.limits: must be a table, got a list",
    ]


class KeyedError(ValueError):
    def __init__(self, problems: tuple[tuple[str, str], ...]) -> None:
        super().__init__("; ".join(message for _, message in problems))
        self.problems = problems


@dataclass(frozen=True, slots=True, kw_only=True)
class Checked:
    low: int = 0
    high: int = 1

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise KeyedError((("low", "must not exceed high"), ("high", "must exceed low")))


def test_a_check_names_the_keys_it_is_about() -> None:
    binder = Binder(Path("."))
    assert binder.bind(Checked, {"low": 5}, "c.range") is None
    assert binder.errors == ["c.range.low: must not exceed high", "c.range.high: must exceed low"]
