"""Use cases: each public function does one transaction's work, flushes, and leaves the commit to
the edge (view, API resource, CLI command or scheduler job) that called it."""
