"""Fixtures of the exchange-format tests (defined in format_material.py)."""

from format_material import filled, fresh  # noqa: F401
