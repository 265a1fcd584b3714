"""The plan pages: the plans list, the plan page and its actions and forms, the creation wizard."""
