"""The task pages: a task in full with its actions, and "my tasks"."""
