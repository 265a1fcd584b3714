"""Stages: how they move on (exit rules, gates, the next stage opening) and the gate review."""
