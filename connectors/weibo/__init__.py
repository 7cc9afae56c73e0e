"""Weibo: @-mentions and comments aimed at the brand account, answered with comments."""

from connectors.weibo.config import WeiboConfig
from connectors.weibo.connector import WeiboConnector
from connectors.weibo.length import weibo_length

__all__ = ["WeiboConfig", "WeiboConnector", "weibo_length"]
