"""Pure time math of the response timer: when it starts, warns and breaches."""

from __future__ import annotations

from datetime import datetime, timedelta

from responder.store.records import Timing


def timing(
    created_at: datetime, ingested_at: datetime, *, respond_within: timedelta, warn_after: timedelta
) -> Timing:
    """Start the clock when the person wrote (clamped to ingest time if the platform is ahead)."""
    start = min(created_at, ingested_at)
    warn_at = start + warn_after
    return Timing(
        start=start,
        deadline=start + respond_within,
        warn_at=warn_at,
        lag=max(ingested_at - created_at, timedelta(0)),
        at_risk=ingested_at >= warn_at,
    )
