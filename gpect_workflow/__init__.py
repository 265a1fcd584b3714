"""GPECT Workflow: territorial jobs-and-skills action plans, as a Flask extension and a standalone app."""

from .app import create_app
from .extension import GpectWorkflow

__version__ = "0.1.0"

__all__ = ["GpectWorkflow", "__version__", "create_app"]
