"""Workflow definitions: safe loading, validation and frozen objects. No Flask, no database."""

from .errors import DefinitionError, Problem
from .model import WorkflowDefinition
from .parser import content_hash, load_definition_file, parse_definition

__all__ = [
    "DefinitionError",
    "Problem",
    "WorkflowDefinition",
    "content_hash",
    "load_definition_file",
    "parse_definition",
]
