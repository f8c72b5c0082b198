"""The version of the plan file and store layout (no imports: every layer may read it)."""

SCHEMA_VERSION = 1
"""Bump with a migration in :mod:`store.migrations`."""
