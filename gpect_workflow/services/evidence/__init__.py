"""Evidence files: documents attached to tasks and to gate reviews, their checks and their storage."""
