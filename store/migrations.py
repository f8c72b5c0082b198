"""Upgrades of older store layouts to the current schema version.

Each entry of :data:`MIGRATIONS` takes the raw TinyDB data of version ``n`` and returns
it as version ``n + 1``. Migrations run in memory when a store is opened; the upgraded
layout reaches the disk with the next save, so opening an old store never writes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from store.models import SCHEMA_VERSION

Data = dict[str, dict[str, Any]]

MIGRATIONS: dict[int, Callable[[Data], Data]] = {}
"""From-version -> function; empty while version 1 is the only layout there has been."""


def migrate(data: Data, found_version: int) -> Data:
    """Bring ``data`` from ``found_version`` up to :data:`SCHEMA_VERSION`."""
    version = found_version
    while version < SCHEMA_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise ValueError(f"no migration from schema version {version} to {version + 1}")
        data = step(data)
        version += 1
    return data
