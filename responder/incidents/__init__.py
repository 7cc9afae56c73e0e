"""Crisis incidents: mentions of one event grouped, pinned, paged and answered as one."""
