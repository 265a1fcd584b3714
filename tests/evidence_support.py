"""Evidence files for tests: sample documents of each accepted kind, hostile ones, and a storage of the test's own."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

#: The smallest PDF readers open.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
    b"3 0 obj<</Type/Page/MediaBox[0 0 3 3]/Parent 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
#: A PNG of one pixel.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e5270de40000000049454e44ae426082"
)
#: The start of an ELF program (what a Linux executable begins with).
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00\x01\x00\x00\x00" + b"\x00" * 200
HTML = b"<!DOCTYPE html><html><head><script>alert(document.cookie)</script></head><body>x</body></html>\n"
CSV = "Métier;Demandeurs\nOpérateur de maintenance;14\n".encode()


def office(kind: str) -> bytes:
    """A minimal zip-based office document: ``docx``, ``xlsx``, ``pptx``, ``odt``, ``ods`` or ``odp``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if kind.startswith("od"):
            names = {"odt": "text", "ods": "spreadsheet", "odp": "presentation"}
            archive.writestr(
                zipfile.ZipInfo("mimetype"), f"application/vnd.oasis.opendocument.{names[kind]}", zipfile.ZIP_STORED
            )
            archive.writestr("content.xml", "<office:document-content/>")
            archive.writestr("META-INF/manifest.xml", "<manifest:manifest/>")
        else:
            main = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}[kind]
            archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
            archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
            archive.writestr(main, '<?xml version="1.0"?><document/>')
    return buffer.getvalue()


def odt_with_unreadable_manifest(*, encrypted: bool = False, method: int | None = None) -> bytes:
    """An OpenDocument text whose ``mimetype`` entry claims to be encrypted (Python then raises RuntimeError
    reading it) or compressed by a method Python lacks (NotImplementedError): its first entry's flag or
    method patched in both its local header and the central directory."""
    data = bytearray(office("odt"))
    central = data.index(b"PK\x01\x02")  # the first entry of the central directory: ``mimetype``
    for flags, compression in ((6, 8), (central + 8, central + 10)):
        if encrypted:
            data[flags : flags + 2] = struct.pack("<H", struct.unpack("<H", data[flags : flags + 2])[0] | 1)
        if method is not None:
            data[compression : compression + 2] = struct.pack("<H", method)
    return bytes(data)


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("run.sh", "#!/bin/sh\necho hi\n")
    return buffer.getvalue()


@pytest.fixture(name="evidence_dir")
def evidence_dir_fixture(app: Flask, tmp_path: Path) -> Iterator[Path]:
    """A local evidence storage of the test's own, the app building its storage afresh (import
    ``evidence_dir_fixture`` to use ``evidence_dir``)."""
    folder = tmp_path / "evidence"
    app.config["EVIDENCE_DIR"] = str(folder)
    app.extensions.pop("gpect_evidence_storage", None)
    yield folder
    app.extensions.pop("gpect_evidence_storage", None)


def stored_files(folder: Path) -> list[Path]:
    """The files a local storage holds (temporary parts included: there must be none)."""
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.exists() else []
