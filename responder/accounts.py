"""Logins in config: `[[users]]` (names, roles, password and token hashes) and `[auth]`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

from argon2 import extract_parameters
from argon2.exceptions import InvalidHashError
from argon2.low_level import Type

from connectors.secret import Secret
from responder.schema import Binder, show


@dataclass(frozen=True, slots=True, kw_only=True)
class UserConfig:
    """One login: `tiexin user add` prints this table with the hash to paste."""

    name: str = field(metadata={"nonempty": True})
    role: Literal["agent", "lead", "admin"]
    display: str = ""
    password_hash: str = field(metadata={"nonempty": True})  # argon2id, never the password
    token_hash: str = ""  # sha256 hex of a per-user API token (`tiexin user token`)

    def __post_init__(self) -> None:
        problems: list[tuple[str, str]] = []
        if not NAME.fullmatch(self.name):
            problems.append(
                ("name", f"must be 1-32 letters, digits, _ . or -, got {show(self.name)}")
            )
        try:
            if extract_parameters(self.password_hash).type is not Type.ID:
                raise InvalidHashError
        except (InvalidHashError, ValueError):
            problems.append(
                ("password_hash", "must be an argon2id hash (make one with `tiexin user add`)")
            )
        if self.token_hash and not TOKEN_HASH.fullmatch(self.token_hash):
            problems.append(
                ("token_hash", "must be 64 hex characters (make one with `tiexin user token`)")
            )
        if problems:
            raise UserProblems(problems)


class UserProblems(ValueError):
    """Each bad key of a user at once (the binder reports `problems` under their keys)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(f"{k}: {m}" for k, m in self.problems))


DEMO_HASH = (  # argon2id of "tiexin"
    "$argon2id$v=19$m=65536,t=3,p=4$vuKeU72WkKM5/n/aQsJlww$"
    "cQzPgC/dCzXpl6saotjDSxfPuccchIXZ5v+Yz2aJDjk"
)
NAME = re.compile(r"[\w.-]{1,32}")
TOKEN_HASH = re.compile(r"[0-9a-f]{64}")
# The demo login the README states (password "tiexin"); `tiexin run` warns when it is
# reachable beyond this machine.
DEMO_USER = UserConfig(
    name="demo",
    role="admin",
    display="演示",
    password_hash=DEMO_HASH,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthConfig:
    session_secret: Secret | None = None  # None: a random key per start (logins end at restart)
    session_ttl: timedelta = timedelta(hours=12)
    cookie_secure: bool | None = None  # None: true unless server.host is a loopback address


def check_user_names(binder: Binder, users: Any) -> None:
    """One login per name (checked on the raw tables, so it shows with other problems)."""
    seen: dict[str, int] = {}
    for index, user in enumerate(users if isinstance(users, list) else ()):
        name = user.get("name") if isinstance(user, Mapping) else None
        if not isinstance(name, str):
            continue
        if name in seen:
            binder.error(f"users[{index}].name", f'"{name}" is already users[{seen[name]}]')
        seen.setdefault(name, index)
