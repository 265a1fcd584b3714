"""The words of the application that readers see translated: one marker for the catalogue.

``N_`` marks an English sentence or label as a message of the catalogue without translating it: the
code that stores or passes it on stays free of the reader's language (services, the engine, the rules),
and the reader (a page, an email, the API) translates it with gettext when it shows it. The
``make translations`` extraction looks for ``N_`` (see babel.cfg and the Makefile).
"""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - the gettext convention extraction tools look for
    """Mark ``message`` for the catalogue; the reader translates it."""
    return message
