"""The fault campaign (``make faults``) with small counts, so ``make test`` runs every part of it."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from store.repository import Repository
from store.storage import backup_path
from tests.faults import campaign
from tests.faults.campaign import Section


def _passed(section: Section) -> None:
    assert section.ok, f"{section.title}: {section.failures()}\n{campaign.render([section])}"


def test_kill_9_during_saves_of_a_small_store(tmp_path: Path) -> None:
    section = campaign.kill_campaign(
        campaign.small_store(tmp_path), kills=20, seed=5, title="kill -9, small store", min_mid_save=3
    )
    rows = {row.check.strip(): row for row in section.rows}
    # The only known gap (see test_a_save_after_a_killed_backup_leaves_no_temp_file) is judged there.
    rows.pop("temp files the next save itself left", None)
    assert all(row.ok for row in rows.values()), "; ".join(
        f"{row.check}: {row.value} (want {row.expected})" for row in rows.values() if not row.ok
    )


def test_kill_9_during_saves_of_a_larger_store(tmp_path: Path) -> None:
    store, plan_id, ref = campaign.large_store(tmp_path, actions=300, history=200)
    section = campaign.kill_campaign(
        store,
        kills=10,
        seed=6,
        title="kill -9, larger store",
        plan_id=plan_id,
        ref=ref,
        via_cli=False,
        min_mid_save=2,
    )
    rows = [row for row in section.rows if row.check.strip() != "temp files the next save itself left"]
    assert all(row.ok for row in rows), section.failures()


def test_write_errors_leave_the_store_and_memory_intact(tmp_path: Path) -> None:
    section = campaign.write_error_campaign(tmp_path)
    assert len(section.rows) == len(campaign.WRITE_FAULTS)
    _passed(section)


def test_concurrent_writers_and_a_stale_writer(tmp_path: Path) -> None:
    _passed(campaign.concurrency_campaign(tmp_path, processes=2, updates=20))


def test_a_killed_lock_holder_releases_the_lock(tmp_path: Path) -> None:
    _passed(campaign.lock_holder_campaign(tmp_path, rounds=2))


def test_a_read_only_store_opens_and_refuses_to_save() -> None:
    _passed(campaign.read_only_campaign())


def test_damaged_stores_are_reported_untouched_and_restorable(tmp_path: Path) -> None:
    _passed(campaign.damage_campaign(tmp_path, truncations=20))


def test_a_save_after_a_killed_backup_leaves_no_temp_file(tmp_path: Path) -> None:
    store = campaign.small_store(tmp_path)
    backup_path(store).unlink(missing_ok=True)
    os.link(store, backup_path(store))  # what a save killed just after keep_backup leaves
    Repository(store).update_action("test-plan", "WF-01", {"progress": 9}, by="pm", on=date(2019, 10, 3))
    assert campaign.stray_temp_files(store) == []
