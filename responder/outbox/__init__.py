"""The outbox: each approved reply posted once, confirmed, retried only when it may pass."""
