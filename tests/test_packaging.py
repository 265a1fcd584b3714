"""``pip install .`` gives an installable plugin whose wheel carries templates, definitions and migrations."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(REPO)]
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    (built,) = out.glob("gpect_workflow-*.whl")
    return built


@pytest.mark.slow
def test_wheel_carries_templates_definitions_and_migrations(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        "gpect_workflow/templates/gpect_workflow/layout.html",
        "gpect_workflow/templates/gpect_workflow/plans/index.html",
        "gpect_workflow/workflows/gpect-five-levers.yaml",
        "gpect_workflow/workflows/chartres-cosmetics-training.yaml",
        "gpect_workflow/migrations/env.py",
        "gpect_workflow/migrations/alembic.ini",
        "gpect_workflow/migrations/versions/0001_initial_schema.py",
        "gpect_workflow/static/gpect.css",
        "gpect_workflow/extension.py",
    }
    assert expected <= names
    assert not any(name.startswith(("tests/", "instance/")) for name in names)


@pytest.mark.slow
def test_installed_package_finds_its_resources_inside_itself(wheel: Path, tmp_path: Path) -> None:
    zipfile.ZipFile(wheel).extractall(tmp_path)
    script = (
        "from gpect_workflow import resources as r;"
        "print(r.templates_dir(), r.workflows_dir(), r.migrations_dir(), sep='\\n')"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        timeout=60,
        check=True,
    )
    for line in result.stdout.splitlines():
        folder = Path(line)
        assert folder.is_relative_to(tmp_path / "gpect_workflow") and folder.is_dir()
