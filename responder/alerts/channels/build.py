"""Channel types by name: the config dataclass each `[[alerts.channels]]` table binds to,
and the constructor."""

from __future__ import annotations

from connectors.http import Http
from responder.alerts.channels.dingtalk import DingTalk, DingTalkConfig
from responder.alerts.channels.feishu import Feishu, FeishuConfig
from responder.alerts.channels.page import Channel
from responder.alerts.channels.smtp import Email, SmtpConfig
from responder.alerts.channels.webhook import Webhook, WebhookConfig
from responder.alerts.channels.wecom import WeCom, WeComConfig
from responder.clock import Clock

ChannelConfig = DingTalkConfig | WeComConfig | FeishuConfig | WebhookConfig | SmtpConfig

TYPES: dict[str, type[ChannelConfig]] = {
    "dingtalk": DingTalkConfig,
    "wecom": WeComConfig,
    "feishu": FeishuConfig,
    "webhook": WebhookConfig,
    "email": SmtpConfig,
}


def build_channel(name: str, config: ChannelConfig, *, http: Http, clock: Clock) -> Channel:
    """The channel for a bound config; `name` is the config's name, shown in health."""
    if isinstance(config, DingTalkConfig):
        return DingTalk(name, config, http=http, clock=clock)
    if isinstance(config, WeComConfig):
        return WeCom(name, config, http=http, clock=clock)
    if isinstance(config, FeishuConfig):
        return Feishu(name, config, http=http, clock=clock)
    if isinstance(config, WebhookConfig):
        return Webhook(name, config, http=http, clock=clock)
    return Email(name, config, clock=clock)
