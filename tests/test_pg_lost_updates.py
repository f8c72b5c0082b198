"""The races of tests/test_lost_updates.py, run on a PostgreSQL store: 4 forked processes x 25
writes through the repository (and a few through ``ipt`` itself), every acknowledged change kept
exactly once and audited, and the processes' writes interleaved.

The race tests are imported from that module, so they run here against the ``store`` fixture
below, a fresh database schema holding the same plan, instead of a file.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from store.repository import Repository
from tests.test_lost_updates import (
    race_plan,
    test_cli_action_updates,
    test_cli_theme_field_edits,
    test_store_level_action_creates_on_the_same_refs,
    test_store_level_action_updates,
    test_store_level_allocation_adds_never_share_an_id,
    test_store_level_board_decisions,
    test_store_level_board_notes_on_different_items,
    test_store_level_form_edits_of_different_themes_never_conflict,
    test_store_level_form_edits_of_recommendation_wording,
    test_store_level_impact_evidenced,
    test_store_level_kpi_readings,
    test_store_level_spend_adds_never_share_an_id,
    test_store_level_theme_field_edits,
)

__all__ = [
    "test_cli_action_updates",
    "test_cli_theme_field_edits",
    "test_store_level_action_creates_on_the_same_refs",
    "test_store_level_action_updates",
    "test_store_level_allocation_adds_never_share_an_id",
    "test_store_level_board_decisions",
    "test_store_level_board_notes_on_different_items",
    "test_store_level_form_edits_of_different_themes_never_conflict",
    "test_store_level_form_edits_of_recommendation_wording",
    "test_store_level_impact_evidenced",
    "test_store_level_kpi_readings",
    "test_store_level_spend_adds_never_share_an_id",
    "test_store_level_theme_field_edits",
]


@pytest.fixture
def store(pg_url: str) -> Iterator[str]:
    """The race plan in a fresh PostgreSQL store; its setting-up connection closed before the fork."""
    setup = Repository(pg_url)
    setup.add_plan(race_plan(), by="setup")
    setup.storage.close()  # type: ignore[attr-defined]
    yield pg_url
