"""Everything that composes connectors and sentiment into the Tiexin service."""
