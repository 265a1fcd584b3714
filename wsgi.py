"""Entry point of the standalone application: ``flask --app wsgi ...`` and WSGI servers."""

import sys

from gpect_workflow import create_app
from gpect_workflow.errors import ConfigurationError
from gpect_workflow.heap import set_aside_long_lived_objects

try:
    app = create_app()
except ConfigurationError as error:
    sys.exit(f"GPECT Workflow cannot start: {error}")
# The app lives as long as the process: its objects need not be walked by every full garbage collection.
set_aside_long_lived_objects()
