"""Notifications: emails rendered per recipient, queued in the outbox, sent after commit, retried."""
