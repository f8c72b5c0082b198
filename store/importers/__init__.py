"""Bringing a council's Excel action tracker (XLSX or CSV) into a plan.

:func:`read_tracker` reads and checks the file (see :mod:`store.importers.sources` for the
safety limits, :mod:`store.importers.tracker` for the columns and
:mod:`store.importers.values` for the values it accepts); :func:`import_tracker` checks the
rows against the plan and writes them in one transaction. Any problem, anywhere, raises
:class:`TrackerError` listing every one by row and column, and nothing is written.
"""

from __future__ import annotations

from store.importers.apply import FieldChange, ImportResult, import_tracker, theme_key_for
from store.importers.problems import TrackerError, TrackerIssue
from store.importers.sources import (
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_RATIO,
    MAX_UNCOMPRESSED_BYTES,
)
from store.importers.tracker import COLUMNS, TrackerRow, TrackerRows, read_tracker

__all__ = [
    "COLUMNS",
    "MAX_COLUMNS",
    "MAX_FILE_BYTES",
    "MAX_RATIO",
    "MAX_UNCOMPRESSED_BYTES",
    "FieldChange",
    "ImportResult",
    "TrackerError",
    "TrackerIssue",
    "TrackerRow",
    "TrackerRows",
    "import_tracker",
    "read_tracker",
    "theme_key_for",
]
