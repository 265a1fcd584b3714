"""Steering committees: the plans they oversee and how each is doing, and the review reports."""
