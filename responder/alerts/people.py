"""Someone to page and the handles each channel @-mentions them by.

Its own module so a Page (responder.alerts.channels.page) can name the people it is for
without importing the schedule, which pulls in the holiday calendar and the config.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HANDLE = re.compile(r"[A-Za-z0-9_.@+-]{1,64}")  # user ids, open_ids: no spaces, no <>
PHONE = re.compile(r"\+?[0-9][0-9-]{4,19}")  # 13800000000, +86-13800000000
EMAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
# The shape each [[oncall.people]] handle must have (checked when the config loads).
SHAPES = {
    "phone": PHONE,
    "email": EMAIL,
    "dingtalk": HANDLE,
    "wecom": HANDLE,
    "feishu": HANDLE,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Person:
    """Someone to page, with the handles a channel uses to @-mention them."""

    name: str
    display: str = ""
    phone: str = ""
    email: str = ""
    dingtalk: str = ""  # DingTalk userId (at.atUserIds)
    wecom: str = ""  # WeCom userid (<@userid> in markdown)
    feishu: str = ""  # Feishu open_id (<at id=ou_…></at> in a card)

    @property
    def label(self) -> str:
        """小王 (wang), or just the name when there is no display name."""
        return f"{self.display} ({self.name})" if self.display else self.name


__all__ = ["EMAIL", "HANDLE", "PHONE", "SHAPES", "Person"]
