"""Paging: who is on call and when (schedule), and how they are reached (channels)."""
