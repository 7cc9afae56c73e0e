"""Bind TOML tables to frozen dataclasses, collecting every error with its key path."""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import types
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal, Union, cast, get_args, get_origin, get_type_hints

from connectors.secret import Secret

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
_MISSING = object()


def parse_duration(text: str) -> timedelta:
    """Parse "500ms", "30s", "15m", "1h30m", "2d"; raise ValueError otherwise."""
    cleaned = text.strip().replace(" ", "")
    parts = _DURATION.findall(cleaned)
    if not cleaned or "".join(n + u for n, u in parts) != cleaned:
        raise ValueError(text)
    return timedelta(seconds=sum(float(n) * _UNITS[u] for n, u in parts))


def format_duration(span: timedelta) -> str:
    """A duration as config writes it ("15m", "1h30m", "250ms"): parse_duration's inverse."""
    ms = round(span.total_seconds() * 1000)
    if ms == 0:
        return "0s"
    sign, ms = ("-", -ms) if ms < 0 else ("", ms)
    out = []
    for unit in ("d", "h", "m", "s", "ms"):
        size = round(_UNITS[unit] * 1000)
        count, ms = divmod(ms, size)
        if count:
            out.append(f"{count}{unit}")
    return sign + "".join(out)


def show(value: Any) -> str:
    """Render a config value the way the user wrote it."""
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return str(value)


class KeyProblems(ValueError):
    """A table's own check failing on some of its keys: the binder reports each problem
    under its key (`problems` = ((key, message), ...))."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(f"{k}: {m}" for k, m in self.problems))


class Binder:
    """Collect errors as `path: message` while building dataclasses from tables."""

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir
        self.errors: list[str] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}" if path else message)

    def bind(self, cls: type[Any], data: Any, path: str, **given: Any) -> Any:
        """Build `cls` from `data`; return None (and record errors) if anything is off."""
        if not isinstance(data, Mapping):
            self.error(path, f"must be a table, got {show(data)}")
            return None
        fields = {f.name: f for f in dataclasses.fields(cls) if f.init and f.name not in given}
        hints = get_type_hints(cls)
        secrets = {name for name in fields if _is_secret(hints[name])}
        data, failed = self._secrets(data, secrets, path)
        ok = not failed
        keys = [*(n for n in fields if n not in secrets), *(f"{n}_env" for n in secrets)]
        for key in data:
            if key not in fields:
                self.error(_join(path, key), "unknown key" + _suggest(key, keys))
        values: dict[str, Any] = dict(given)
        for name, spec in fields.items():
            if name in secrets and isinstance(data.get(name), Secret):
                values[name] = data[name]
                continue
            if name not in data:
                if name in failed:
                    continue  # its _env key was already reported
                if (
                    spec.default is dataclasses.MISSING
                    and spec.default_factory is dataclasses.MISSING
                ):
                    self.error(_join(path, name), "required")
                    ok = False
                continue
            value = self.convert(hints[name], data[name], _join(path, name), spec.metadata)
            if value is _MISSING:
                ok = False
            else:
                values[name] = value
        if not ok:
            return None
        try:
            return cls(**values)
        except ValueError as exc:
            # An error may name the keys it is about: `problems` = ((key, message), ...).
            problems = getattr(exc, "problems", None) or (("", str(exc)),)
            for key, message in problems:
                self.error(_join(path, key) if key else path, message)
            return None

    def typed_tables(
        self,
        table: Any,
        path: str,
        types: Mapping[str, type[Any]],
        *,
        what: str,
        common: tuple[str, ...] = (),
    ) -> list[tuple[str, str, Any, dict[str, Any]]]:
        """Bind `[path.NAME]` tables that each name their `type` (a key of `types`): return
        (name, type, options or None, the `common` keys' values) per table whose type is
        known; everything else is recorded as an error with its key path."""
        if not isinstance(table, Mapping):
            self.error(path, f"must be a table of named {what}, got {show(table)}")
            return []
        known = ", ".join(f'"{k}"' for k in types)
        found: list[tuple[str, str, Any, dict[str, Any]]] = []
        for name, body in table.items():
            where = f"{path}.{name}"
            if not isinstance(body, Mapping):
                self.error(where, f"must be a table, got {show(body)}")
                continue
            kind = body.get("type")
            if not isinstance(kind, str) or kind not in types:
                if kind is None:
                    self.error(f"{where}.type", f"required (one of {known})")
                else:
                    self.error(f"{where}.type", f"must be one of {known}, got {show(kind)}")
                continue
            own = {k: v for k, v in body.items() if k != "type" and k not in common}
            shared = {k: v for k, v in body.items() if k in common}
            found.append((str(name), kind, self.bind(types[kind], own, where), shared))
        return found

    def _secrets(
        self, data: Mapping[str, Any], secrets: set[str], path: str
    ) -> tuple[dict[str, Any], set[str]]:
        """Read each secret field `X` from the environment variable its `X_env` key names;
        a secret written into the file itself is refused (config files get shared).
        Return the table with the secrets read, and the names that failed."""
        out, failed = dict(data), set[str]()
        for name in sorted(secrets):
            if name in out:
                self.error(
                    _join(path, name),
                    f'secrets are read from the environment: write {name}_env = "VARIABLE"',
                )
                del out[name]
                failed.add(name)
            variable = out.pop(f"{name}_env", None)
            if variable is None:
                continue
            where = _join(path, f"{name}_env")
            if not isinstance(variable, str) or not variable.strip():
                self.error(
                    where, f"must be the name of an environment variable, got {show(variable)}"
                )
                failed.add(name)
            elif not os.environ.get(variable):
                self.error(where, f'environment variable "{variable}" is not set')
                failed.add(name)
            else:
                out[name] = Secret(os.environ[variable])
        return out, failed

    def convert(self, hint: Any, value: Any, path: str, meta: Mapping[str, Any]) -> Any:
        """Convert one value to `hint`, or record an error and return the sentinel."""
        origin, args = get_origin(hint), get_args(hint)
        if origin in (Union, types.UnionType) and type(None) in args:
            inner = [a for a in args if a is not type(None)]
            return self.convert(inner[0], value, path, meta)
        if origin is Literal:
            if value in args:
                return value
            return self._fail(path, "one of " + ", ".join(show(a) for a in args), value)
        if origin is tuple and args and dataclasses.is_dataclass(args[0]):
            if not isinstance(value, list):
                return self._fail(path, "a list of tables", value)
            items = [
                self.bind(cast(type, args[0]), item, f"{path}[{i}]") for i, item in enumerate(value)
            ]
            return _MISSING if None in items else tuple(items)
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            bound = self.bind(hint, value, path)
            return _MISSING if bound is None else bound
        if origin is dict and args and args[0] is str:  # a table of scalars: headers, params
            if not isinstance(value, Mapping):
                return self._fail(path, "a table", value)
            table = {k: self.convert(args[1], v, _join(path, k), meta) for k, v in value.items()}
            return _MISSING if _MISSING in table.values() else table
        if origin is tuple and args and args[-1] is Ellipsis:  # a list of scalars
            if not isinstance(value, list):
                return self._fail(path, "a list", value)
            items = [self.convert(args[0], v, f"{path}[{i}]", meta) for i, v in enumerate(value)]
            return _MISSING if any(item is _MISSING for item in items) else tuple(items)
        return self._scalar(hint, value, path, meta)

    def _scalar(self, hint: Any, value: Any, path: str, meta: Mapping[str, Any]) -> Any:
        low = meta.get("gt")
        if hint is bool:
            return value if isinstance(value, bool) else self._fail(path, "true or false", value)
        if hint is str or hint is Path:
            if not isinstance(value, str) or (meta.get("nonempty") and not value.strip()):
                return self._fail(
                    path, "a non-empty string" if meta.get("nonempty") else "a string", value
                )
            return value if hint is str else self._path(value)
        if hint in (date, time, datetime):
            return self._moment(hint, value, path)
        if hint is timedelta:
            try:
                parsed = parse_duration(value) if isinstance(value, str) else None
            except ValueError:
                parsed = None
            if parsed is None or parsed <= timedelta(0):
                return self._fail(path, 'a duration > 0 such as "30s", "15m" or "1h30m"', value)
            return parsed
        if hint is int or hint is float:
            least, high = meta.get("ge"), meta.get("le")
            bounds = " and ".join(b for b in (_gt(low), _ge(least), _le(high)) if b)
            what = ("an integer" if hint is int else "a number") + (f" {bounds}" if bounds else "")
            number_ok = isinstance(value, int | float) and not isinstance(value, bool)
            if not number_ok or (hint is int and not isinstance(value, int)):
                return self._fail(path, what, value)
            if (
                (low is not None and value <= low)
                or (least is not None and value < least)
                or (high is not None and value > high)
            ):
                return self._fail(path, what, value)
            return hint(value)
        raise TypeError(f"schema has an unsupported type at {path}: {hint!r}")

    def _moment(self, hint: Any, value: Any, path: str) -> Any:
        """A TOML date, time of day or date-time, written natively or as an ISO string."""
        example = _MOMENT_EXAMPLES[hint]
        if isinstance(value, str):
            try:
                value = hint.fromisoformat(value.strip())
            except ValueError:
                return self._fail(path, example, value)
        # datetime is a date subclass: a date field takes a date only.
        if type(value) is not hint:
            return self._fail(path, example, value)
        return value

    def _path(self, value: str) -> Path:
        candidate = Path(value).expanduser()
        return candidate if candidate.is_absolute() else self.base_dir / candidate

    def _fail(self, path: str, expected: str, value: Any) -> Any:
        self.error(path, f"must be {expected}, got {show(value)}")
        return _MISSING


_MOMENT_EXAMPLES = {
    date: 'a date such as 2026-01-05 or "2026-01-05"',
    time: 'a time of day such as "09:30"',
    datetime: 'a date and time such as "2026-12-24 09:00"',
}


def _is_secret(hint: Any) -> bool:
    return hint is Secret or (
        get_origin(hint) in (Union, types.UnionType) and Secret in get_args(hint)
    )


def _gt(limit: Any) -> str:
    return "" if limit is None else f"> {limit}"


def _ge(limit: Any) -> str:
    return "" if limit is None else f">= {limit}"


def _le(limit: Any) -> str:
    return "" if limit is None else f"<= {limit}"


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _suggest(key: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(key, choices, n=1, cutoff=0.6)
    if close:
        return f' (did you mean "{close[0]}"?)'
    return f" (known keys: {', '.join(sorted(choices))})" if choices else ""
