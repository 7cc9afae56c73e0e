"""Any JSON API as a connector, described by config alone (docs/connectors/http_json.md)."""

from connectors.http_json.config import HttpJsonConfig
from connectors.http_json.connector import HttpJsonConnector
from connectors.http_json.mapping import Mapper, Page

__all__ = ["HttpJsonConfig", "HttpJsonConnector", "Mapper", "Page"]
