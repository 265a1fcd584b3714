"""Finding definition files on disk."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def definition_files(paths: Iterable[str | Path]) -> list[Path]:
    """The ``*.yaml`` / ``*.yml`` files named by ``paths`` (files, or folders searched one level)."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()))
        else:
            found.append(path)
    return found
