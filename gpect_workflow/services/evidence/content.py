"""What an uploaded file is, found in its bytes: its name cleaned, its size, its SHA-256 and its media type.

The type is read from the content, never from the name or the type the browser claims: an HTML page or a
program renamed ``report.pdf`` is refused. libmagic (through ``python-magic``) names the format: it knows
thousands, so it tells a PDF from an executable, and plain text from HTML, SVG or a script, which a list
of magic numbers of our own could not. Two families get a closer look, because libmagic's answer alone
does not settle them:

- zip-based office documents (docx, xlsx, pptx; odt, ods, odp): a zip is accepted only when its
  ``[Content_Types].xml`` and main part (Office Open XML) or its ``mimetype`` entry (OpenDocument) say which
  document it is; any other zip is refused;
- text and CSV: the whole file must be UTF-8 without NUL bytes.

Only the allowed types (``ALLOWED_TYPES``) pass. The file is copied once, in chunks, into a spooled
temporary file while it is measured and hashed, and reading stops one byte past the limit.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import IO

import magic

from ...errors import ValidationError
from ...refusals import (
    FILE_EMPTY,
    FILE_NAME_NOT_ALLOWED,
    FILE_NEEDED,
    FILE_TOO_LARGE,
    FILE_TYPE_NOT_ALLOWED,
    Refusal,
)

#: Media types accepted, with the word the pages use for each.
ALLOWED_TYPES = {
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint",
    "application/vnd.oasis.opendocument.text": "OpenDocument",
    "application/vnd.oasis.opendocument.spreadsheet": "OpenDocument",
    "application/vnd.oasis.opendocument.presentation": "OpenDocument",
    "application/msword": "Word",
    "application/vnd.ms-excel": "Excel",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/gif": "GIF",
    "image/webp": "WebP",
    "text/csv": "CSV",
    "text/plain": "Text",
}

#: The main part of each Office Open XML document, which tells a docx from an xlsx or a pptx.
_OOXML_PARTS = {
    "word/document.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/workbook.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/presentation.xml": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
_ODF_TYPES = frozenset(
    {
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
    }
)
#: What libmagic answers for the formats taken as they are (its answer for zips and text is checked further).
_AS_DETECTED = frozenset({"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"})
_LEGACY_OFFICE = frozenset({"application/msword", "application/vnd.ms-excel"})
_ZIP_LIKE = frozenset({"application/zip", *_OOXML_PARTS.values(), *_ODF_TYPES})
_TEXT = frozenset({"text/plain", "text/csv"})

#: How much of the start of a file libmagic reads (its own default).
_HEAD_BYTES = 1024 * 1024
_CHUNK = 64 * 1024
#: Files up to this size stay in memory while checked; larger ones spill to a temporary file.
_SPOOL_BYTES = 1024 * 1024
#: The longest name kept, in characters.
NAME_MAX_LENGTH = 255
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


@dataclass
class InspectedFile:
    """A checked upload: its bytes (rewound), and what the row keeps about it."""

    content: IO[bytes]
    name: str
    size: int
    sha256: str
    content_type: str


def clean_name(raw: str | None) -> str:
    """The name to show: NFC, spaces trimmed; refused when empty, too long, or with a path or control character.

    The name is only ever shown and offered on download: the storage key is random.
    """
    name = unicodedata.normalize("NFC", raw or "").strip()
    if not name:
        raise _refused(FILE_NEEDED)
    if "/" in name or "\\" in name or _CONTROL.search(name) or name in (".", "..") or len(name) > NAME_MAX_LENGTH:
        raise _refused(FILE_NAME_NOT_ALLOWED, limit=NAME_MAX_LENGTH)
    return name


def inspect(raw_name: str | None, stream: IO[bytes], max_bytes: int) -> InspectedFile:
    """Check an upload (name, size, type) and copy it; ``ValidationError`` on ``file`` says what is wrong."""
    name = clean_name(raw_name)
    content, size, digest = _copy(stream, max_bytes)
    if size == 0:
        content.close()
        raise _refused(FILE_EMPTY)
    content_type = _content_type(content, name)
    if content_type is None:
        content.close()
        raise _refused(FILE_TYPE_NOT_ALLOWED)
    content.seek(0)
    return InspectedFile(content, name, size, digest, content_type)


def _copy(stream: IO[bytes], max_bytes: int) -> tuple[IO[bytes], int, str]:
    """The stream copied, measured and hashed; refused once it passes ``max_bytes`` (reading stops there)."""
    content = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115 - handed to the caller
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            content.close()
            raise _refused(FILE_TOO_LARGE, limit=megabytes(max_bytes))
        digest.update(chunk)
        content.write(chunk)
    return content, size, digest.hexdigest()


def _content_type(content: IO[bytes], name: str) -> str | None:
    """The allowed media type the bytes are, or ``None``."""
    content.seek(0)
    found = magic.from_buffer(content.read(_HEAD_BYTES), mime=True)
    if found in _AS_DETECTED:
        return found
    if found in _LEGACY_OFFICE:
        return found
    if found in _ZIP_LIKE:
        return _office_type(content)
    if found in _TEXT:
        return _text_type(content, found, name)
    return None


def _office_type(content: IO[bytes]) -> str | None:
    """The document a zip is, from its own manifest; ``None`` for any other zip (or a broken one)."""
    content.seek(0)
    try:
        with zipfile.ZipFile(content) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names:
                return next((kind for part, kind in _OOXML_PARTS.items() if part in names), None)
            if "mimetype" in names:
                with archive.open("mimetype") as entry:
                    declared = entry.read(100).decode("ascii", "replace").strip()
                return declared if declared in _ODF_TYPES else None
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError):
        # What a damaged or unusual zip raises while its directory or manifest is read: cut short or corrupt
        # (BadZipFile, OSError, ValueError), an encrypted entry (RuntimeError), a compression method Python
        # lacks (NotImplementedError). Its manifest cannot be trusted, so it is no office document: refused.
        return None
    return None


def _text_type(content: IO[bytes], found: str, name: str) -> str | None:
    """Plain text or CSV when the whole file is UTF-8 without NUL; CSV when libmagic or the name says so
    (both are served the same way, as text to download)."""
    content.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := content.read(_CHUNK):
            if b"\x00" in chunk:
                return None
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    return "text/csv" if found == "text/csv" or name.lower().endswith(".csv") else "text/plain"


def megabytes(size: int) -> str:
    """A limit in megabytes (decimal, as disks are sold), without trailing zeros: ``20``, ``5.24288``, ``0.001``."""
    return f"{size / 1_000_000:.6f}".rstrip("0").rstrip(".")


def _refused(message: str, **params: object) -> ValidationError:
    """The upload refused, the reason beside the ``file`` field."""
    return ValidationError(Refusal.INVALID_INPUT, {"file": [message]}, **params)
