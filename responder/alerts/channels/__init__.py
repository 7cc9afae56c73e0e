"""Alert channels: where a page goes (DingTalk, WeCom, Feishu, a webhook, email) and the
fallback that tries them in order."""

from responder.alerts.channels.build import TYPES, ChannelConfig, build_channel
from responder.alerts.channels.fallback import AllFailed, ChannelHealth, Fallback, RetryPolicy
from responder.alerts.channels.page import (
    Channel,
    ChannelError,
    Definite,
    Delivery,
    Page,
    Transient,
)
from responder.alerts.channels.text import Oldest, group_page, mention_page, resolved_page
from responder.alerts.channels.trial import run_test

__all__ = [
    "TYPES",
    "AllFailed",
    "Channel",
    "ChannelConfig",
    "ChannelError",
    "ChannelHealth",
    "Definite",
    "Delivery",
    "Fallback",
    "Oldest",
    "Page",
    "RetryPolicy",
    "Transient",
    "build_channel",
    "group_page",
    "mention_page",
    "resolved_page",
    "run_test",
]
