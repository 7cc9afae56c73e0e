"""Baidu Tieba through aiotieba 4.8: ingest of @-mentions and replies; replies by hand."""

from connectors.tieba.config import TiebaConfig
from connectors.tieba.connector import TiebaConnector

__all__ = ["TiebaConfig", "TiebaConnector"]
