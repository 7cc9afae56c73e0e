"""The pipeline: ingest stream → dedupe → score → queue, and the scoring processes."""
