"""Indicators of plans: measurements recorded one by one or imported from a spreadsheet."""
