"""Platform I/O: the Mention model, the Connector interface, typed errors, connectors."""

from connectors.base import Batch, Connector, ReplyReceipt
from connectors.errors import AuthFailed, BadPayload, ConnectorError, RateLimited, Unavailable
from connectors.model import Author, Mention

__all__ = [
    "AuthFailed",
    "Author",
    "BadPayload",
    "Batch",
    "Connector",
    "ConnectorError",
    "Mention",
    "RateLimited",
    "ReplyReceipt",
    "Unavailable",
]
