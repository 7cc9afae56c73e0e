"""`tiexin user add` and `tiexin user token`: print the `[[users]]` lines to paste into
config.toml. Only hashes are printed; a password never is, and a token only once."""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from argon2 import PasswordHasher

from responder.accounts import NAME
from responder.web.auth import ROLES, new_token, token_hash

MIN_PASSWORD = 8


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `user add` and `user token` under the main parser."""
    user = commands.add_parser("user", help="make logins: print [[users]] lines for config.toml")
    actions = user.add_subparsers(dest="user_command", required=True)
    add = actions.add_parser("add", help="hash a new user's password (asked twice)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=list(ROLES))
    add.add_argument("--display", default="", help="the name shown in the UI, e.g. 小王")
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    token = actions.add_parser("token", help="make a new API token for a user (shown once)")
    token.add_argument("name")


def run(args: argparse.Namespace) -> int:
    """Run `user add` or `user token`; return the exit status."""
    if not NAME.fullmatch(args.name):
        print("tiexin: a user name is 1-32 letters, digits, _ . or -", file=sys.stderr)
        return 2
    if args.user_command == "token":
        return _token(args.name)
    password = _read_password(args.password_stdin)
    if password is None:
        return 2
    lines = ["[[users]]", f"name = {_toml(args.name)}", f"role = {_toml(args.role)}"]
    if args.display:
        lines.append(f"display = {_toml(args.display)}")
    lines.append(f"password_hash = {_toml(PasswordHasher().hash(password))}")
    print("# paste into config.toml:")
    print("\n".join(lines))
    return 0


def _token(name: str) -> int:
    token = new_token()
    print(f"API token for {name} (shown only now; send it as `Authorization: Bearer <token>`):")
    print(token)
    print(f"# paste into {name}'s [[users]] table in config.toml, replacing any token_hash:")
    print(f"token_hash = {_toml(token_hash(token))}")
    return 0


def _read_password(from_stdin: bool) -> str | None:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("密码 / password: ")
        if getpass.getpass("再输一次 / again: ") != password:
            print("tiexin: the passwords differ; nothing was printed", file=sys.stderr)
            return None
    if len(password) < MIN_PASSWORD:
        print(f"tiexin: use a password of at least {MIN_PASSWORD} characters", file=sys.stderr)
        return None
    return password


def _toml(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's, for what a name or hash holds)."""
    return json.dumps(text, ensure_ascii=False)
