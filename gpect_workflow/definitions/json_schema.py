"""JSON Schema for definition files, generated from the marshmallow schemas the parser uses.

Editors use it to autocomplete and flag mistakes while a definition is written; a test checks that it
accepts exactly the keys the parser accepts.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from .schema import DefinitionSchema, StrictBoolean, StrictInteger, StrictNumber, WorkflowSchema

SCHEMA_ID = "https://gpect-workflow.org/schemas/workflow-definition.json"


def workflow_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a workflow definition file."""
    definitions: dict[str, Any] = {}
    root = _object_schema(WorkflowSchema(), definitions)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "GPECT Workflow definition",
        **root,
        "$defs": dict(sorted(definitions.items())),
    }


def _object_schema(schema: Schema, definitions: dict[str, Any]) -> dict[str, Any]:
    properties = {field.data_key or name: _field_schema(field, definitions) for name, field in schema.fields.items()}
    result: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if schema.__doc__:
        result["description"] = " ".join(schema.__doc__.split())
    required = [field.data_key or name for name, field in schema.fields.items() if field.required]
    if required:
        result["required"] = required
    groups = getattr(schema, "exactly_one_of", ())
    if groups:
        result["allOf"] = [{"oneOf": [{"required": [key]} for key in group]} for group in groups]
    return result


def _reference(nested: fields.Nested, definitions: dict[str, Any]) -> dict[str, Any]:
    schema = nested.schema
    name = type(schema).__name__.removesuffix("Schema")
    if name not in definitions:
        definitions[name] = {}
        definitions[name] = _object_schema(schema, definitions)
    return {"$ref": f"#/$defs/{name}"}


def _field_schema(field: fields.Field[Any], definitions: dict[str, Any]) -> dict[str, Any]:
    result = _type_of(field, definitions)
    description = field.metadata.get("description")
    if description and "$ref" not in result:
        result["description"] = description
    for validator in _validators(field):
        result.update(_constraint(validator))
    return result


def _type_of(field: fields.Field[Any], definitions: dict[str, Any]) -> dict[str, Any]:
    if isinstance(field, fields.Nested):
        return _reference(field, definitions)
    if isinstance(field, fields.List):
        return {"type": "array", "items": _field_schema(field.inner, definitions)}
    if isinstance(field, fields.Dict):
        assert field.key_field is not None and field.value_field is not None
        return {
            "type": "object",
            "propertyNames": _field_schema(field.key_field, definitions),
            "additionalProperties": _field_schema(field.value_field, definitions),
        }
    if isinstance(field, StrictBoolean):
        return {"type": "boolean"}
    if isinstance(field, StrictInteger):
        return {"type": "integer"}
    if isinstance(field, StrictNumber):
        return {"type": "number"}
    if isinstance(field, fields.Date):
        return {"type": "string", "format": "date"}
    if isinstance(field, fields.String):
        return {"type": "string"}
    raise TypeError(f"no JSON Schema mapping for {type(field).__name__}")


def _validators(field: fields.Field[Any]) -> list[Any]:
    return list(getattr(field, "validators", []))


def _constraint(validator: Any) -> dict[str, Any]:
    if isinstance(validator, validate.OneOf):
        return {"enum": list(validator.choices)}
    if isinstance(validator, validate.Regexp):
        return {"pattern": validator.regex.pattern}
    if isinstance(validator, validate.Length):
        return {"minLength": validator.min} if validator.min is not None else {}
    if isinstance(validator, validate.Range):
        bounds = {}
        if validator.min is not None:
            bounds["minimum"] = validator.min
        if validator.max is not None:
            bounds["maximum"] = validator.max
        return bounds
    raise TypeError(f"no JSON Schema mapping for {type(validator).__name__}")


__all__ = ["DefinitionSchema", "workflow_json_schema"]
