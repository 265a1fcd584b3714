"""A person's account pages: preferences and API tokens, and the private calendar feed."""
