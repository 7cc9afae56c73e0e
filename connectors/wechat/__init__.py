"""WeChat Official Account (公众号): pushes come to our web app, replies go out through the
customer-service message API within the 48-hour window."""

from connectors.wechat.config import WechatConfig
from connectors.wechat.connector import WechatConnector

__all__ = ["WechatConfig", "WechatConnector"]
