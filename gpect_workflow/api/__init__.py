"""The REST API (flask-smorest): ``{URL_PREFIX}/api/v1``, OpenAPI at ``{URL_PREFIX}/api/openapi.json``."""
