"""The evidence storage: the local folder, and the S3 backend against a real S3-compatible server over HTTP
(moto's server, started here on a free local port), alone and behind the pages."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from moto.server import ThreadedMotoServer

from gpect_workflow.config import validate_config
from gpect_workflow.errors import ConfigurationError
from gpect_workflow.services.evidence.storage import LocalStorage, S3Storage, new_key, s3_client
from tests.conftest import csrf_token
from tests.evidence_support import PDF, evidence_dir_fixture  # noqa: F401
from tests.web.plan_support import Cast, as_, cast_fixture, task  # noqa: F401

BUCKET = "gpect-evidence"


@pytest.fixture(scope="module")
def s3_url() -> Iterator[str]:
    """A real S3-compatible server (moto's) listening on a free local port for the module's tests."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def s3_config(url: str, bucket: str = BUCKET) -> dict[str, Any]:
    return {
        "EVIDENCE_STORAGE": "s3",
        "EVIDENCE_S3_BUCKET": bucket,
        "EVIDENCE_S3_ENDPOINT_URL": url,
        "EVIDENCE_S3_REGION": "eu-west-3",
        "EVIDENCE_S3_ACCESS_KEY_ID": "gpect-test",
        "EVIDENCE_S3_SECRET_ACCESS_KEY": "gpect-test-secret",
        "EVIDENCE_S3_PREFIX": "evidence/",
        "EVIDENCE_S3_ADDRESSING_STYLE": "path",
    }


@pytest.fixture
def bucket(s3_url: str, request: pytest.FixtureRequest) -> Iterator[tuple[Any, str]]:
    """A fresh bucket of the server, and a client to look inside it; emptied and removed afterwards."""
    name = f"{BUCKET}-{request.node.name[:20].replace('_', '-').lower()}"
    client = s3_client(s3_config(s3_url, name))
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
    yield client, name
    for item in client.list_objects_v2(Bucket=name).get("Contents", []):
        client.delete_object(Bucket=name, Key=item["Key"])
    client.delete_bucket(Bucket=name)


def objects(client: Any, bucket: str) -> list[str]:
    return [item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_the_s3_backend_keeps_gives_back_and_forgets_bytes(bucket: tuple[Any, str]) -> None:
    client, name = bucket
    storage = S3Storage(client, name, "evidence/")
    key = new_key()
    assert not storage.exists(key)
    storage.put(key, io.BytesIO(PDF), len(PDF), "application/pdf")
    assert storage.exists(key) and objects(client, name) == [f"evidence/{key}"]
    head = client.head_object(Bucket=name, Key=f"evidence/{key}")
    assert head["ContentType"] == "application/pdf" and head["ContentLength"] == len(PDF)
    with storage.open(key) as stored:
        assert stored.read() == PDF
    storage.delete(key)
    assert not storage.exists(key) and objects(client, name) == []
    storage.delete(key)  # already gone: nothing happens
    with pytest.raises(FileNotFoundError):
        storage.open(key)


def test_keys_that_new_key_does_not_make_never_reach_a_backend(tmp_path: Path, bucket: tuple[Any, str]) -> None:
    local, remote = LocalStorage(tmp_path), S3Storage(bucket[0], bucket[1])
    for key in ("../../etc/passwd", "a/b", "short", "x" * 65, "é" * 40, ""):
        for storage in (local, remote):
            with pytest.raises(ValueError, match="not a storage key"):
                storage.exists(key)


def test_the_local_backend_writes_whole_files_in_place(tmp_path: Path) -> None:
    storage, key = LocalStorage(tmp_path / "evidence"), new_key()
    storage.put(key, io.BytesIO(PDF), len(PDF), "application/pdf")
    assert [path.relative_to(tmp_path).as_posix() for path in tmp_path.rglob("*") if path.is_file()] == [
        f"evidence/{key[:2]}/{key}"
    ]
    with storage.open(key) as stored:
        assert stored.read() == PDF
    storage.delete(key)
    assert not storage.exists(key)


def test_pages_store_and_serve_files_through_the_s3_backend(
    app: Flask, client: FlaskClient, cast: Cast, s3_url: str, bucket: tuple[Any, str]
) -> None:
    s3, name = bucket
    app.config.update(s3_config(s3_url, name))
    app.extensions.pop("gpect_evidence_storage", None)
    try:
        survey = task(cast.plan, "employment-data")
        as_(client, cast.partner)
        data = {"csrf_token": csrf_token(client), "file": (io.BytesIO(PDF), "compte-rendu.pdf")}
        response = client.post(f"/tasks/{survey.id}/files", data=data, content_type="multipart/form-data")
        assert response.status_code == 302
        from gpect_workflow.models import EvidenceFile
        from gpect_workflow.services.context import session

        row = session().query(EvidenceFile).one()
        assert objects(s3, name) == [f"evidence/{row.storage_key}"]
        with client.get(f"/files/{row.id}") as download:
            assert download.status_code == 200 and download.data == PDF
        token = csrf_token(client)
        assert client.post(f"/files/{row.id}/delete", data={"csrf_token": token}).status_code == 302
        assert objects(s3, name) == []
    finally:
        app.extensions.pop("gpect_evidence_storage", None)


def test_an_s3_storage_needs_a_bucket_and_a_known_storage_is_named() -> None:
    from gpect_workflow.config import SETTINGS

    config: dict[str, Any] = {setting.name: setting.default for setting in SETTINGS}
    with pytest.raises(ConfigurationError, match="EVIDENCE_S3_BUCKET: is not set"):
        validate_config({**config, "EVIDENCE_STORAGE": "s3"}, debug=True, testing=True)
    with pytest.raises(ConfigurationError, match="EVIDENCE_STORAGE: must be local or s3"):
        validate_config({**config, "EVIDENCE_STORAGE": "ftp"}, debug=True, testing=True)
    with pytest.raises(ConfigurationError, match="EVIDENCE_MAX_BYTES"):
        validate_config({**config, "EVIDENCE_MAX_BYTES": 0}, debug=True, testing=True)
    validate_config({**config, **s3_config("http://127.0.0.1:9000")}, debug=True, testing=True)
