"""Weibo private messages through the fan-service platform's developer mode."""

from connectors.weibo_dm.config import WeiboDmConfig
from connectors.weibo_dm.connector import WeiboDmConnector

__all__ = ["WeiboDmConfig", "WeiboDmConnector"]
