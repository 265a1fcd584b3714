"""Entry point of the standalone application: ``flask --app wsgi ...`` and WSGI servers."""

import sys

from gpect_workflow import create_app
from gpect_workflow.errors import ConfigurationError

try:
    app = create_app()
except ConfigurationError as error:
    sys.exit(f"GPECT Workflow cannot start: {error}")
