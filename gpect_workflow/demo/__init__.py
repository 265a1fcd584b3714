"""Demonstration data from the seed document, loaded by ``flask gpect demo``."""
