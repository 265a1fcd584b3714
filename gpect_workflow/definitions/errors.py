"""The one error type a definition file can raise, carrying every problem found in it."""

from __future__ import annotations

from dataclasses import dataclass

Path = tuple[str | int, ...]


def format_path(path: Path) -> str:
    """``("stages", 0, "tasks", 2, "owner")`` as ``stages[0].tasks[2].owner`` (``<root>`` when empty)."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "<root>"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a definition file: where it is and why it is wrong."""

    file: str
    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {format_path(self.path)}: {self.message}"


class DefinitionError(Exception):
    """A definition file that cannot be used; ``problems`` lists everything wrong with it at once."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line or 0, format_path(p.path)))
        super().__init__("\n".join(str(problem) for problem in self.problems))
