"""Weibo's length count, the one implementation: the connector refuses a reply over the
limit before sending it, and the style check warns a human before approving it."""

from __future__ import annotations

LIMIT = 140  # a comment: "内容不超过140个汉字" (PLATFORMS.md §1.3)


def weibo_length(text: str) -> int:
    """Weibo's count (PLATFORMS.md §1.9): ceil((ascii_chars + 2 * other_chars) / 2), per code
    point, so an emoji counts 1 (2 when it has a skin tone or selector) and a URL is plain
    ASCII (the spec names no URL rule it could state)."""
    ascii_chars = len(text.encode("ascii", "ignore"))
    return len(text) - ascii_chars + (ascii_chars + 1) // 2
