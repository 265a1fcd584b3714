"""Marshmallow schemas of the API by area: what goes in and out, documented in the OpenAPI spec."""
