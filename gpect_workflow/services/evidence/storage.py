"""Where evidence files' bytes are kept: one interface, a local folder by default, an S3-compatible bucket
for deployments on several hosts.

The database row says what a file is; the storage only keeps bytes under a key. Keys are random
(``new_key``: ``secrets.token_urlsafe``) and checked against one pattern before any backend uses them, so
no name a person typed ever becomes a path or an object name.

- ``LocalStorage`` keeps each file at ``<folder>/<first two characters>/<key>`` (``EVIDENCE_DIR``, by
  default ``evidence/`` in the Flask instance folder), written to a temporary file and renamed into place,
  so a half-written file is never read.
- ``S3Storage`` keeps each object at ``<EVIDENCE_S3_PREFIX><key>`` in ``EVIDENCE_S3_BUCKET`` through boto3:
  AWS S3 or any S3-compatible store (MinIO, Ceph, Garage, Scaleway, OVHcloud...) named by
  ``EVIDENCE_S3_ENDPOINT_URL``. Credentials come from the configuration, or else boto3's usual chain
  (``AWS_ACCESS_KEY_ID``..., an instance role).

Each application builds its storage once, at its first use (``evidence_storage``).
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, Protocol

from flask import current_app

from ...errors import ConfigurationError

#: The keys ``new_key`` makes; anything else is refused before a backend sees it.
_KEY = re.compile(r"[A-Za-z0-9_-]{32,64}")
_CHUNK = 64 * 1024
_APP_KEY = "gpect_evidence_storage"


def new_key() -> str:
    """A fresh random storage key (256 bits)."""
    return secrets.token_urlsafe(32)


def _checked(key: str) -> str:
    if not _KEY.fullmatch(key):
        raise ValueError(f"not a storage key: {key!r}")
    return key


class EvidenceStorage(Protocol):
    """What a storage backend does: keep, give back, tell and forget bytes under a key."""

    def put(self, key: str, content: IO[bytes], size: int, content_type: str) -> None:
        """Store ``content`` (read from its current position) under ``key``."""

    def open(self, key: str) -> IO[bytes]:
        """The stored bytes, as a binary stream to read and close (``FileNotFoundError`` when absent)."""

    def delete(self, key: str) -> None:
        """Forget ``key``; nothing happens when it is already gone."""

    def exists(self, key: str) -> bool:
        """Whether ``key`` is stored."""


class LocalStorage:
    """Files in a folder of the local disk (one host, or a shared mount)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        key = _checked(key)
        return self.root / key[:2] / key

    def put(self, key: str, content: IO[bytes], size: int, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(handle, "wb") as out:
                while chunk := content.read(_CHUNK):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def open(self, key: str) -> IO[bytes]:
        return self._path(key).open("rb")

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()


class S3Storage:
    """Objects in a bucket of an S3-compatible store, through boto3."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    def _name(self, key: str) -> str:
        return self.prefix + _checked(key)

    def put(self, key: str, content: IO[bytes], size: int, content_type: str) -> None:
        self.client.put_object(
            Bucket=self.bucket, Key=self._name(key), Body=content, ContentLength=size, ContentType=content_type
        )

    def open(self, key: str) -> IO[bytes]:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
        except self.client.exceptions.NoSuchKey as error:
            raise FileNotFoundError(key) from error
        return answer["Body"]  # type: ignore[no-any-return]

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True


def build_storage(config: Mapping[str, Any], instance_path: str) -> EvidenceStorage:
    """The backend ``EVIDENCE_STORAGE`` names, set up from the configuration."""
    kind = config["EVIDENCE_STORAGE"]
    if kind == "local":
        return LocalStorage(config["EVIDENCE_DIR"] or os.path.join(instance_path, "evidence"))
    if kind == "s3":
        return S3Storage(s3_client(config), config["EVIDENCE_S3_BUCKET"], config["EVIDENCE_S3_PREFIX"])
    raise ConfigurationError(f"EVIDENCE_STORAGE: unknown storage {kind!r}")


def s3_client(config: Mapping[str, Any]) -> Any:
    """A boto3 S3 client for the configured endpoint, region and credentials (boto3's chain when not set)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=config["EVIDENCE_S3_ENDPOINT_URL"],
        region_name=config["EVIDENCE_S3_REGION"],
        aws_access_key_id=config["EVIDENCE_S3_ACCESS_KEY_ID"],
        aws_secret_access_key=config["EVIDENCE_S3_SECRET_ACCESS_KEY"],
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": config["EVIDENCE_S3_ADDRESSING_STYLE"]},
            retries={"max_attempts": 3, "mode": "standard"},
        ),
    )


def evidence_storage() -> EvidenceStorage:
    """The current application's storage, built at its first use and kept for the application's life."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    storage = app.extensions.get(_APP_KEY)
    if storage is None:
        storage = app.extensions[_APP_KEY] = build_storage(app.config, app.instance_path)
    return storage  # type: ignore[no-any-return]
