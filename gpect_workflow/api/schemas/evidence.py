"""Evidence files on tasks and gate reviews."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, fields


class EvidenceUploadSchema(Schema):
    file = Upload(
        required=True,
        metadata={
            "description": "The file (multipart/form-data). PDF, office document, image, CSV or UTF-8 text, by "
            "content; at most EVIDENCE_MAX_BYTES (20 MB by default)."
        },
    )


class EvidenceFileSchema(Schema):
    id = fields.Integer(attribute="file.id", required=True)
    name = fields.String(attribute="file.display_name", required=True)
    content_type = fields.String(
        attribute="file.content_type", required=True, metadata={"description": "Found in the content"}
    )
    size = fields.Integer(attribute="file.size_bytes", required=True, metadata={"description": "Bytes"})
    sha256 = fields.String(attribute="file.sha256", required=True)
    plan_id = fields.Integer(attribute="file.plan_id", required=True)
    stage_id = fields.Integer(attribute="file.stage_id", required=True)
    task_id = fields.Integer(
        attribute="file.task_id", allow_none=True, required=True, metadata={"description": "Null: the gate review's"}
    )
    uploaded_by_id = fields.Integer(attribute="file.uploaded_by_id", allow_none=True, required=True)
    uploaded_by = fields.String(attribute="uploader", allow_none=True, required=True)
    uploaded_at = fields.AwareDateTime(attribute="file.uploaded_dt", required=True)
    can_delete = fields.Boolean(required=True)
    download_url = fields.String(required=True)


class EvidenceListSchema(Schema):
    items = fields.List(fields.Nested(EvidenceFileSchema), required=True)
    max_bytes = fields.Integer(required=True, metadata={"description": "Largest file accepted"})
    can_add = fields.Boolean(required=True)
