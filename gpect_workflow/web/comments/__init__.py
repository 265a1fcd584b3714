"""Comments on tasks and gate reviews: the discussion shown on those pages, and its forms."""
