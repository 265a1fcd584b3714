"""How an evidence file is sent, the same from the pages and the API.

Always as an attachment (``Content-Disposition: attachment``, the name in ASCII for old clients and in
UTF-8 per RFC 6266/5987 ``filename*`` for accents), with the type found in its content when it was added,
``X-Content-Type-Options: nosniff`` so no browser guesses another, a sandboxing Content-Security-Policy in
case one still displays it, its SHA-256 as the ETag and as a ``Repr-Digest`` (RFC 9530; ``Digest``, RFC
3230, for older clients), and no caching by shared caches.
"""

from __future__ import annotations

import base64
import unicodedata
from typing import IO
from urllib.parse import quote

from flask import Response
from werkzeug.wsgi import FileWrapper

_CHUNK = 64 * 1024


def content_disposition(name: str) -> str:
    """``attachment; filename="..."; filename*=UTF-8''...``: an ASCII fallback, then the exact name."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    ascii_name = "".join(c if c.isprintable() and c not in '"\\;' else "_" for c in ascii_name).strip() or "file"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def file_response(content: IO[bytes], name: str, content_type: str, size: int, sha256: str) -> Response:
    """``content`` (closed once sent) as a download named ``name``."""
    digest = base64.b64encode(bytes.fromhex(sha256)).decode("ascii")
    response = Response(FileWrapper(content, _CHUNK), mimetype=None, direct_passthrough=True)
    response.headers["Content-Type"] = (
        f"{content_type}; charset=utf-8" if content_type.startswith("text/") else content_type
    )
    response.headers["Content-Length"] = str(size)
    response.headers["Content-Disposition"] = content_disposition(name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["ETag"] = f'"{sha256}"'
    response.headers["Repr-Digest"] = f"sha-256=:{digest}:"
    response.headers["Digest"] = f"SHA-256={digest}"
    response.headers["Cache-Control"] = "private, no-store"
    return response
