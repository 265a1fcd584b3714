"""Asserting a refusal by its code (``refusals.Refusal``), never by its words, which may be reworded."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from gpect_workflow.errors import GpectError, ValidationError
from gpect_workflow.refusals import Refusal, fill


@contextmanager
def refused(kind: type[GpectError], refusal: Refusal, **params: Any) -> Iterator[pytest.ExceptionInfo[Any]]:
    """Expect ``kind`` refusing with ``refusal``; each of ``params`` must be among the error's parameters."""
    with pytest.raises(kind) as caught:
        yield caught
    error = caught.value
    assert error.refusal is refusal, f"refused with {error.refusal!r}, not {refusal!r}: {error}"
    for name, value in params.items():
        assert error.params.get(name) == value, f"{name}={error.params.get(name)!r}, not {value!r}"


def field_words(error: ValidationError) -> dict[str, list[str]]:
    """Each refused field's messages in English with the error's parameters filled in (as the API says them)."""
    return {field: [fill(message, error.params) for message in messages] for field, messages in error.fields.items()}
