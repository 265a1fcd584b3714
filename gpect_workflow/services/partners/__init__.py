"""The partners directory: territories, organisations and people, and their CSV import.

The people and organisations most code starts from are importable from the package itself.
"""

from .organisations import ensure_organisation, ensure_territory
from .people import create_person, find_person

__all__ = ["create_person", "ensure_organisation", "ensure_territory", "find_person"]
