"""Baidu Tieba through aiotieba 4.8: ingest of @-mentions and replies; replies by hand."""

from __future__ import annotations

from typing import TYPE_CHECKING

from connectors.tieba.config import TiebaConfig

if TYPE_CHECKING:
    from connectors.tieba.connector import TiebaConnector

__all__ = ["TiebaConfig", "build"]


def build(name: str, config: TiebaConfig) -> TiebaConnector:
    """Build a Tieba connector. aiotieba (about 0.5 s to import, and it changes logging on
    import) is loaded only here, so processes without a Tieba source never load it."""
    from connectors.tieba.connector import TiebaConnector

    return TiebaConnector(name, config)
