"""Our processes set their long-lived objects aside from the garbage collector; the rest is still collected."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import weakref
from pathlib import Path

from gpect_workflow.heap import set_aside_long_lived_objects
from tests.conftest import REPO, TEST_SECRET_KEY


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_what_is_alive_is_frozen_and_what_comes_after_is_still_collected() -> None:
    try:
        kept = _Cycle()
        frozen = set_aside_long_lived_objects()
        # Another thread of the test process may free a frozen object meanwhile: the count can only fall.
        assert frozen > 0 and 0 < gc.get_freeze_count() <= frozen
        assert not any(obj is kept for obj in gc.get_objects()), "frozen objects are out of the collector's reach"
        after = weakref.ref(_Cycle())  # garbage made after the freeze: a cycle only the collector can free
        assert after() is not None
        gc.collect()
        assert after() is None, "the collector still frees what was created after"
    finally:
        gc.unfreeze()


def test_the_standalone_app_sets_its_objects_aside_when_it_is_loaded(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "GPECT_SECRET_KEY": TEST_SECRET_KEY,
        "GPECT_SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'probe.sqlite3'}",
    }
    probe = "import gc, wsgi; print(gc.get_freeze_count())"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) > 50_000, "the app, its modules and mappings are frozen"
