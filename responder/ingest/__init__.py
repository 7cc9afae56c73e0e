"""Getting mentions in: pollers that drive pull connectors."""
