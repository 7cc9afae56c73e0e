"""Options of a `type = "tieba"` connector."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from yarl import URL

from connectors.secret import Secret

DEFAULT_API_BASE = "https://tiebac.baidu.com"
BDUSS_LENGTH = 192  # aiotieba refuses any other length, with the value in its message


@dataclass(frozen=True, slots=True, kw_only=True)
class TiebaConfig:
    """Options of a `type = "tieba"` connector (read-only: replies are posted by a person)."""

    bduss: Secret  # the BDUSS cookie of the brand's logged-in Tieba account
    # Forum names to keep ("品牌" or "品牌吧"); empty: every forum. Everything the two feeds
    # return is aimed at the account already, so this only narrows which forums count.
    forums: tuple[str, ...] = ()
    api_base: str = field(default=DEFAULT_API_BASE, metadata={"nonempty": True})
    max_pages: int = field(default=5, metadata={"gt": 0, "le": 50})  # per feed, per fetch
    timeout: timedelta = timedelta(seconds=12)  # aiotieba's read timeout per request

    def __post_init__(self) -> None:
        value = self.bduss.reveal()
        if len(value) != BDUSS_LENGTH or not value.isascii() or not value.isprintable():
            # Never show the value: it works like a password.
            raise ValueError(
                f"bduss: must be the {BDUSS_LENGTH}-character BDUSS cookie, got {len(value)} "
                "characters"
            )
        base = URL(self.api_base)
        if base.scheme not in ("http", "https") or not base.host or base.path not in ("", "/"):
            raise ValueError(
                f'api_base: must be a scheme and host such as "{DEFAULT_API_BASE}", '
                f"got {self.api_base!r}"
            )
        if self.max_pages < 1:
            raise ValueError("max_pages must be >= 1")
        if any(not forum_key(name) for name in self.forums):
            raise ValueError("forums: names must not be empty")

    @property
    def redirected(self) -> bool:
        """Say whether requests go somewhere other than the real Tieba (a test fake)."""
        return _origin(URL(self.api_base)) != _origin(URL(DEFAULT_API_BASE))


def forum_key(name: str) -> str:
    """Return the form a forum name is compared in: "品牌吧" and "品牌" are one forum."""
    name = name.strip()
    return name.removesuffix("吧").strip().casefold() or name.casefold()


def _origin(url: URL) -> tuple[str, str | None, int | None]:
    return (url.scheme, url.host, url.port)
