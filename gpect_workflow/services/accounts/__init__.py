"""A person's account: preferences, personal API tokens, private calendar feed."""
