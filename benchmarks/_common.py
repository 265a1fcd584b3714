"""Helpers shared by the benchmarks: the import path, counting SQL statements, measuring memory.

Importing this module puts the repository root on ``sys.path``, so ``.venv/bin/python benchmarks/x.py``
finds ``gpect_workflow`` (which is not installed in the virtual environment) and ``tests``.
"""

from __future__ import annotations

import os
import platform
import re
import resource
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

#: A secret long enough for ``validate_config`` (benchmark apps never serve anything).
SECRET_KEY = "benchmark-only-secret-key-0123456789abcdef"

_NUMBERS = re.compile(r"\b\d+\b")
_SPACES = re.compile(r"\s+")
_PARAMS = re.compile(r"%\(\w+\)s|\?|\$\d+|__\[POSTCOMPILE_\w+\]")


def statement_shape(statement: str, width: int = 110) -> str:
    """A statement with literals, parameters and spacing folded, to group statements of one kind."""
    text = _SPACES.sub(" ", _PARAMS.sub("?", _NUMBERS.sub("N", statement))).strip()
    return text if len(text) <= width else text[: width - 1] + "…"


@dataclass
class QueryLog:
    """The SQL statements an engine ran while counting (one per cursor execution, executemany included).

    The statements are kept as sent and folded into shapes only when asked (``shapes``, ``top``): folding
    costs regular expressions, which would otherwise be counted in the CPU time of what is measured."""

    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    @property
    def shapes(self) -> Counter[str]:
        return Counter(statement_shape(statement) for statement in self.statements)

    def top(self, n: int = 12) -> list[tuple[str, int]]:
        return self.shapes.most_common(n)


@contextmanager
def count_queries(engine: Any) -> Iterator[QueryLog]:
    """Count the statements ``engine`` sends while the block runs (a ``before_cursor_execute`` listener)."""
    import sqlalchemy as sa

    log = QueryLog()

    def listener(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        log.statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        yield log
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)


def max_rss_mb() -> float:
    """The process's peak resident set size so far (``getrusage``; kilobytes on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_rss_peak() -> bool:
    """Reset the kernel's peak-RSS mark of this process (Linux ``clear_refs``); ``False`` when unavailable."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _status_kb(name: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(name + ":"):
                return float(line.split()[1])
    except OSError:
        return None
    return None


def rss_mb() -> float | None:
    """Current resident set size (Linux), MB."""
    value = _status_kb("VmRSS")
    return None if value is None else value / 1024


def rss_peak_mb() -> float | None:
    """Peak resident set size since the last ``reset_rss_peak`` (Linux ``VmHWM``), MB."""
    value = _status_kb("VmHWM")
    return None if value is None else value / 1024


def fmt(value: float | None, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def machine_line() -> str:
    """The machine a run measures, for comparing figures across machines: its cores, load average, and the
    time this Python takes for a fixed pure-Python loop (10,000,000 additions; best of three). Targets in
    seconds (the send hour's pass) hold on one machine and not on one twice as slow: this line tells which."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        total = 0
        for number in range(10_000_000):
            total += number
        best = min(best, time.perf_counter() - start)
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"machine: {os.cpu_count()} cores, load average {load}; Python {platform.python_version()}:"
        f" 10,000,000 additions in {best:.2f} s (best of 3)"
    )
