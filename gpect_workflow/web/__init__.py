"""The web UI: one module or package per page area (the names of the pages, templates and services), each
thin: parse, check, call a service, render."""
