"""Which views take files, and how large their requests may be.

Our pages and API refuse request bodies above ``REQUEST_MAX_BYTES`` before reading them
(``web.security``). A view that takes an evidence file is marked with ``accepts_files`` (an API resource
class with ``ACCEPTS_FILES = True``): its requests may carry ``EVIDENCE_MAX_BYTES`` plus the form around
the file (``FORM_OVERHEAD_BYTES``: the CSRF token, the multipart boundaries and headers). The file's own
limit is then checked on its bytes, with a message beside the field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

#: What a multipart form around one file may add to the file's size.
FORM_OVERHEAD_BYTES = 64 * 1024
_MARK = "ACCEPTS_FILES"


def accepts_files(view: F) -> F:
    """Mark ``view`` as one that takes an evidence file."""
    setattr(view, _MARK, True)
    return view


def takes_files(view: object) -> bool:
    """Whether a view function (or the ``MethodView`` class behind it) was marked as taking files."""
    return bool(getattr(view, _MARK, False) or getattr(getattr(view, "view_class", None), _MARK, False))


def request_limit(config: Mapping[str, Any], view: object) -> int:
    """The largest request body ``view`` accepts."""
    limit: int = config["REQUEST_MAX_BYTES"]
    if takes_files(view):
        return max(limit, int(config["EVIDENCE_MAX_BYTES"]) + FORM_OVERHEAD_BYTES)
    return limit
