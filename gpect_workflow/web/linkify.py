"""Web addresses in what people wrote (notes, minutes, comments) made into links, safely.

The text is escaped first; only then are ``http`` and ``https`` addresses turned into links (never
``javascript:`` or any other scheme), each opening apart from the application without telling the site
where it came from (``rel="noopener noreferrer nofollow"``).
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")


def linkify(text: str) -> Markup:
    """Escape a note and turn the web addresses in it into links (documents partners point to)."""
    parts: list[str] = []
    position = 0
    for match in URL.finditer(text):
        parts.append(str(escape(text[position : match.start()])))
        url = escape(match.group(0))
        parts.append(f'<a href="{url}" rel="noopener noreferrer nofollow" target="_blank">{url}</a>')
        position = match.end()
    parts.append(str(escape(text[position:])))
    return Markup("".join(parts).replace("\n", Markup("<br>")))
