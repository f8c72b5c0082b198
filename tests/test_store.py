"""The repository: atomic, audited, conflict-checked saves; bad stores left untouched."""

from __future__ import annotations

import hashlib
import stat
from datetime import UTC, date, datetime
from pathlib import Path

import orjson
import pytest

from store.errors import (
    ConflictError,
    NewerSchema,
    NotFound,
    RuleBroken,
    SaveFailed,
    StoreInvalid,
    StoreUnreadable,
)
from store.models import Action, Allocation, Reading, Recommendation, SpendEntry, Theme
from store.repository import Repository, default_store_path
from store.storage import temp_prefix
from tests.conftest import make_plan

ON = date(2019, 10, 3)


def test_add_plan_then_read_it_back(repo: Repository) -> None:
    plan = make_plan()
    repo.add_plan(plan, by="pm")
    assert repo.plan_ids() == ["test-plan"]
    assert repo.plan("test-plan") == plan
    assert repo.revision == 1


def test_a_second_process_sees_the_same_plan(store_path: Path) -> None:
    Repository(store_path).add_plan(make_plan(), by="pm")
    assert Repository(store_path).plan("test-plan") == make_plan()


def test_plan_ids_are_unique_in_a_store(repo: Repository) -> None:
    repo.add_plan(make_plan(), by="pm")
    with pytest.raises(RuleBroken, match="already in the store"):
        repo.add_plan(make_plan(), by="pm")
    assert repo.revision == 1


def test_several_plans_live_in_one_store(repo: Repository) -> None:
    repo.add_plan(make_plan("one"), by="pm")
    repo.add_plan(make_plan("two", actions=5), by="pm")
    assert repo.plan_ids() == ["one", "two"]
    assert len(repo.plan("two").actions) == 5
    repo.update_action("two", "WF-01", {"progress": 10}, by="pm", on=ON)
    assert repo.plan("one").action("WF-01").progress == 0


def test_update_is_saved_and_audited(repo: Repository) -> None:
    repo.add_plan(make_plan(), by="pm")
    action = repo.update_action(
        "test-plan",
        "WF-01",
        {"status": "in progress", "rag": "G", "progress": 40},
        by="alice",
        on=ON,
        note="Recruitment campaign launched",
    )
    assert action.progress == 40
    assert repo.plan("test-plan").action("WF-01").updates[-1].text == "Recruitment campaign launched"
    history = repo.audit("test-plan", "action", "WF-01")
    fields = {entry.field: (entry.old, entry.new) for entry in history}
    assert fields["progress"] == (0, 40)
    assert fields["status"] == ("not_started", "in_progress")
    assert fields["rag"] == (None, "green")
    assert fields["updates"][1]["text"] == "Recruitment campaign launched"
    assert {entry.by for entry in history} == {"alice"}
    assert all(entry.revision == 2 for entry in history)


def test_moved_due_date_is_kept_with_its_reason(repo: Repository) -> None:
    repo.add_plan(make_plan(), by="pm")
    repo.update_action(
        "test-plan", "WF-01", {"due_on": date(2020, 2, 1)}, by="pm", on=ON, due_reason="Recruitment slipped"
    )
    moved = repo.plan("test-plan").action("WF-01").due_history
    assert [(m.old_due_on, m.new_due_on, m.reason) for m in moved] == [
        (date(2019, 12, 1), date(2020, 2, 1), "Recruitment slipped")
    ]


def test_bad_values_are_refused_and_nothing_is_written(store_path: Path) -> None:
    repo = Repository(store_path)
    repo.add_plan(make_plan(), by="pm")
    before = store_path.read_bytes()
    with pytest.raises(RuleBroken) as excinfo:
        repo.update_action("test-plan", "WF-01", {"progress": 150, "due_on": "soon"}, by="pm", on=ON)
    message = str(excinfo.value)
    assert "action WF-01: progress: 150 is more than 100, the most allowed" in message
    assert "due_on: 'soon' is not a date: write it as 30/11/2019 or 2019-11-30" in message
    assert store_path.read_bytes() == before
    assert repo.audit("test-plan", "action", "WF-01") == []
    assert repo.plan("test-plan").action("WF-01").progress == 0


def test_reference_rules_hold_on_save(repo: Repository) -> None:
    repo.add_plan(make_plan(), by="pm")
    with pytest.raises(RuleBroken, match="9 is not a recommendation"):
        repo.update_action("test-plan", "WF-01", {"recommendations": [9]}, by="pm", on=ON)
    with pytest.raises(RuleBroken, match="'ZZ' is not a theme"):
        repo.save("test-plan", Action(ref="ZZ-1", theme="ZZ", title="t"), by="pm", create=True)
    with pytest.raises(RuleBroken, match="'NOPE' is not a funding allocation"):
        repo.save(
            "test-plan",
            SpendEntry(id="S9", allocation="NOPE", financial_year="2019/20", amount="1"),
            by="pm",
            create=True,
        )


def test_every_broken_reference_of_an_action_is_named_at_once_and_good_ones_pass(repo: Repository) -> None:
    repo.add_plan(make_plan(), by="pm")
    bad = {"theme": "ZZ", "recommendations": [1, 9], "funding": ["A1", "A7"], "measures": ["K1", "K4"]}
    with pytest.raises(RuleBroken) as excinfo:
        repo.update_action("test-plan", "WF-01", bad, by="pm", on=ON)
    problems = excinfo.value.problems
    assert problems == [
        "action WF-01.theme: 'ZZ' is not a theme of this plan",
        "action WF-01.recommendations: 9 is not a recommendation of this plan",
        "action WF-01.funding: 'A7' is not a funding allocation of this plan",
        "action WF-01.measures: 'K4' is not a KPI of this plan",
    ]
    good = {"theme": "QP", "recommendations": [1, 3], "funding": ["A1"], "measures": ["K1"]}
    saved = repo.update_action("test-plan", "WF-01", good, by="pm", on=ON)
    assert (saved.theme, saved.recommendations, saved.funding, saved.measures) == (
        "QP",
        [1, 3],
        ["A1"],
        ["K1"],
    )
    with pytest.raises(RuleBroken, match="'qp' is not a theme"):
        repo.save(
            "test-plan",
            Allocation(
                id="A2",
                source="grant",
                category="investment",
                financial_year="2019/20",
                amount="1",
                theme="qp",
            ),
            by="pm",
            create=True,
        )


def test_create_refuses_a_duplicate_ref(repo: Repository) -> None:
    repo.add_plan(make_plan(), by="pm")
    with pytest.raises(RuleBroken, match="already exists"):
        repo.save("test-plan", Action(ref="WF-01", theme="WF", title="again"), by="pm", create=True)


def test_delete_is_refused_while_used(repo: Repository) -> None:
    repo.add_plan(make_plan(), by="pm")
    with pytest.raises(RuleBroken, match="still used by action WF-01"):
        repo.delete("test-plan", Theme, "WF", by="pm")
    with pytest.raises(RuleBroken, match="still used by action"):
        repo.delete("test-plan", Recommendation, 2, by="pm")
    repo.delete("test-plan", Recommendation, 1, by="pm") if not any(
        1 in a.recommendations for a in repo.plan("test-plan").actions
    ) else None
    repo.delete("test-plan", Action, "WF-02", by="pm")
    assert [a.ref for a in repo.plan("test-plan").actions] == ["WF-01", "WF-03"]
    assert repo.audit("test-plan", "action", "WF-02")[-1].field == "deleted"


def test_new_theme_and_recommendation(repo: Repository) -> None:
    repo.add_plan(make_plan(), by="pm")
    repo.save("test-plan", Theme(key="PA", name="Partnerships"), by="pm", create=True)
    repo.save("test-plan", Recommendation(number=4, text="Pathway plans"), by="pm", create=True)
    repo.save(
        "test-plan",
        Action(ref="PA-01", theme="PA", title="Family Connect", recommendations=[4]),
        by="pm",
        create=True,
    )
    assert repo.plan("test-plan").action("PA-01").recommendations == [4]


def test_kpi_reading_is_added(repo: Repository) -> None:
    repo.add_plan(make_plan(), by="pm")
    repo.add_reading("test-plan", "K1", Reading(on=date(2019, 9, 1), value=31), by="pm")
    assert [r.value for r in repo.plan("test-plan").kpis[0].readings][-1] == 31


def test_unknown_things_are_not_found(repo: Repository) -> None:
    repo.add_plan(make_plan(), by="pm")
    with pytest.raises(NotFound, match="no action 'XX-99'"):
        repo.update_action("test-plan", "XX-99", {"progress": 1}, by="pm", on=ON)
    with pytest.raises(NotFound, match="no plan 'nope'"):
        repo.plan("nope")


def test_a_stale_save_is_a_conflict_naming_the_other_change(store_path: Path) -> None:
    first = Repository(store_path)
    first.add_plan(make_plan(), by="pm")
    seen = first.plan("test-plan").action("WF-01")
    second = Repository(store_path)
    second.update_action("test-plan", "WF-01", {"progress": 50}, by="bob", on=ON)
    with pytest.raises(
        ConflictError,
        match=r"action WF-01 was changed by bob at .* since you opened it \(progress: 0 → 50\); nothing was",
    ):
        first.update_action("test-plan", "WF-01", {"progress": 60}, by="alice", on=ON, base=seen)
    assert Repository(store_path).plan("test-plan").action("WF-01").progress == 50


def test_a_form_edit_is_no_conflict_when_another_entity_changed(store_path: Path) -> None:
    first = Repository(store_path)
    first.add_plan(make_plan(), by="pm")
    seen = first.plan("test-plan").action("WF-01")
    Repository(store_path).update_action("test-plan", "WF-02", {"progress": 50}, by="bob", on=ON)
    Repository(store_path).update_action("test-plan", "WF-01", {}, by="bob", on=ON, note="an update only")
    first.update_action("test-plan", "WF-01", {"progress": 60}, by="alice", on=ON, base=seen)
    plan = Repository(store_path).plan("test-plan")
    assert (plan.action("WF-01").progress, plan.action("WF-02").progress) == (60, 50)
    assert [u.text for u in plan.action("WF-01").updates] == ["an update only"]


def test_a_theme_edit_applies_only_its_changed_fields(store_path: Path) -> None:
    first = Repository(store_path)
    first.add_plan(make_plan(), by="pm")
    seen = first.plan("test-plan").themes[0]
    Repository(store_path).edit(
        "test-plan", seen.model_copy(update={"lead": "New lead"}), by="bob", base=seen
    )
    with pytest.raises(ConflictError, match=r"theme WF .*lead: Head of Workforce → New lead"):
        first.edit("test-plan", seen.model_copy(update={"name": "People"}), by="alice", base=seen)
    fresh = Repository(store_path)
    latest = fresh.plan("test-plan").themes[0]
    fresh.edit("test-plan", latest.model_copy(update={"name": "People"}), by="alice", base=latest)
    theme = Repository(store_path).plan("test-plan").themes[0]
    assert (theme.name, theme.lead) == ("People", "New lead")


def test_an_edit_without_its_base_is_refused(repo: Repository) -> None:
    repo.add_plan(make_plan(), by="pm")
    theme = repo.plan("test-plan").themes[0]
    with pytest.raises(TypeError, match="base"):
        repo.save("test-plan", theme.model_copy(update={"name": "X"}), by="pm")


def test_unchecked_update_applies_to_the_latest_state(store_path: Path) -> None:
    first = Repository(store_path)
    first.add_plan(make_plan(), by="pm")
    Repository(store_path).update_action("test-plan", "WF-01", {"progress": 50}, by="bob", on=ON, note="b")
    first.update_action("test-plan", "WF-01", {"rag": "amber"}, by="alice", on=ON, note="a")
    action = Repository(store_path).plan("test-plan").action("WF-01")
    assert (action.progress, action.rag, [u.text for u in action.updates]) == (50, "amber", ["b", "a"])


def test_another_process_change_is_noticed(store_path: Path) -> None:
    first = Repository(store_path)
    first.add_plan(make_plan(), by="pm")
    assert not first.changed_on_disk()
    Repository(store_path).update_action("test-plan", "WF-01", {"progress": 70}, by="bob", on=ON)
    assert first.changed_on_disk()
    assert first.reload_if_changed()
    assert first.plan("test-plan").action("WF-01").progress == 70


def test_store_file_is_owner_only(store_path: Path) -> None:
    Repository(store_path).add_plan(make_plan(), by="pm")
    assert stat.S_IMODE(store_path.stat().st_mode) == 0o600
    journal = store_path.with_name(store_path.name + ".audit.jsonl")
    assert stat.S_IMODE(journal.stat().st_mode) == 0o600


def test_stray_temp_files_are_removed_and_never_loaded(store_path: Path) -> None:
    repo = Repository(store_path)
    repo.add_plan(make_plan(), by="pm")
    stray = store_path.with_name(f"{temp_prefix(store_path)}999-dead")
    stray.write_bytes(b'{"meta": "half a sav')
    assert Repository(store_path).plan_ids() == ["test-plan"]
    repo.update_action("test-plan", "WF-01", {"progress": 5}, by="pm", on=ON)
    assert not stray.exists()


def test_audit_lives_outside_the_store_so_saves_stay_flat(store_path: Path) -> None:
    repo = Repository(store_path)
    repo.add_plan(make_plan(), by="pm")
    sizes = []
    for n in range(30):
        repo.update_action("test-plan", "WF-03", {"progress": n}, by="pm", on=ON)
        sizes.append(store_path.stat().st_size)
    assert max(sizes) - min(sizes) <= 2  # the store does not grow with history
    assert len(repo.audit("test-plan", "action", "WF-03")) == 29  # progress 0 -> 0 is no change


def test_a_save_that_fails_leaves_the_old_file(store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = Repository(store_path)
    repo.add_plan(make_plan(), by="pm")
    before = store_path.read_bytes()

    def refuse(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("store.storage.os.replace", refuse)
    with pytest.raises(SaveFailed, match="not saved: No space left on device"):
        repo.update_action("test-plan", "WF-01", {"progress": 5}, by="pm", on=ON)
    monkeypatch.undo()
    assert store_path.read_bytes() == before
    assert not list(store_path.parent.glob(f"{temp_prefix(store_path)}*"))
    assert repo.plan("test-plan").action("WF-01").progress == 0
    assert Repository(store_path).audit("test-plan", "action", "WF-01") == []
    repo.update_action("test-plan", "WF-01", {"progress": 6}, by="pm", on=ON)
    assert [e.new for e in Repository(store_path).audit("test-plan", "action", "WF-01")] == [6]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _good_store(path: Path) -> bytes:
    Repository(path).add_plan(make_plan(), by="pm")
    return path.read_bytes()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda good: good[: len(good) // 2], "not valid JSON"),
        (lambda good: good + b"garbage", "not valid JSON"),
        (lambda good: b"", "the file is empty"),
        (lambda good: b"\xef\xbb\xbf" + good, "byte-order mark"),
        (lambda good: b"[1, 2, 3]", "not an object of tables"),
        (lambda good: b'{"plans": {"1": 5}}', "is not an object"),
        (lambda good: b'{"plans": {}}', "not an ipt store"),
        (lambda good: b"\x00\xff\xfe binary", "not valid JSON"),
    ],
)
def test_damaged_stores_are_reported_and_left_untouched(store_path: Path, damage, message: str) -> None:  # type: ignore[no-untyped-def]
    store_path.write_bytes(damage(_good_store(store_path)))
    before = _digest(store_path)
    with pytest.raises(StoreUnreadable, match=message) as excinfo:
        Repository(store_path)
    assert str(store_path) in str(excinfo.value)
    assert "left untouched" in str(excinfo.value)
    assert _digest(store_path) == before


def test_newer_schema_is_refused_untouched(store_path: Path) -> None:
    data = orjson.loads(_good_store(store_path))
    data["meta"]["1"]["schema_version"] = 99
    store_path.write_bytes(orjson.dumps(data))
    before = _digest(store_path)
    with pytest.raises(NewerSchema, match="schema version 99"):
        Repository(store_path)
    assert _digest(store_path) == before


def test_rule_breaking_store_lists_where(store_path: Path) -> None:
    data = orjson.loads(_good_store(store_path))
    first_action = next(iter(data["actions"].values()))
    first_action["progress"] = 500
    first_action["theme"] = "NOPE"
    store_path.write_bytes(orjson.dumps(data))
    before = _digest(store_path)
    with pytest.raises(StoreInvalid) as excinfo:
        Repository(store_path)
    text = str(excinfo.value)
    assert "plan test-plan: actions[0].progress" in text
    assert _digest(store_path) == before


def test_default_store_path_honours_ipt_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("IPT_DB", str(tmp_path / "x.json"))
    assert default_store_path() == tmp_path / "x.json"
    monkeypatch.delenv("IPT_DB")
    assert default_store_path().name == "plans.json"


def test_clock_is_injected_for_audit_times(tmp_path: Path) -> None:
    fixed = datetime(2019, 10, 3, 9, 30, tzinfo=UTC)
    repo = Repository(tmp_path / "s.json", clock=lambda: fixed)
    repo.add_plan(make_plan(), by="pm")
    assert repo.audit()[0].at == fixed


def test_edits_do_not_reparse_an_unchanged_store(store_path: Path) -> None:
    repo = Repository(store_path)
    repo.add_plan(make_plan(), by="pm")
    parses = repo.storage.parses
    for n in range(5):
        repo.update_action("test-plan", "WF-01", {"progress": n + 1}, by="pm", on=ON)
    assert repo.storage.parses == parses
    Repository(store_path).update_action("test-plan", "WF-01", {"progress": 99}, by="x", on=ON)
    repo.update_action("test-plan", "WF-02", {"progress": 1}, by="pm", on=ON)
    assert repo.storage.parses == parses + 1


def test_take_snapshot_freezes_the_saved_state_with_its_revision(repo: Repository) -> None:
    repo.add_plan(make_plan(), by="pm")
    repo.update_action("test-plan", "WF-01", {"progress": 30}, by="pm", on=ON)
    header = repo.take_snapshot("test-plan", label="Change Board — October 2019", as_of=ON, by="chair")
    repo.update_action("test-plan", "WF-01", {"progress": 90}, by="pm", on=ON)
    frozen = repo.snapshots.get(header.id)
    assert (header.revision, frozen.plan.action("WF-01").progress) == (2, 30)
    assert repo.plan("test-plan").action("WF-01").progress == 90


def test_every_save_keeps_the_previous_version_as_a_backup(store_path: Path) -> None:
    repo = Repository(store_path)
    repo.add_plan(make_plan(), by="pm")
    first = store_path.read_bytes()
    repo.update_action("test-plan", "WF-01", {"progress": 5}, by="pm", on=ON)
    assert store_path.with_name("plans.json.bak").read_bytes() == first
    assert stat.S_IMODE(store_path.with_name("plans.json.bak").stat().st_mode) == 0o600


def test_a_damaged_store_offers_the_backup_and_restoring_it_keeps_the_damage(store_path: Path) -> None:
    from store.backup import restore_backup

    repo = Repository(store_path)
    repo.add_plan(make_plan(), by="pm")
    repo.update_action("test-plan", "WF-01", {"progress": 5}, by="pm", on=ON)
    damaged = store_path.read_bytes()[:40]
    store_path.write_bytes(damaged)
    with pytest.raises(StoreUnreadable) as excinfo:
        Repository(store_path)
    assert "previous good version (revision 1)" in str(excinfo.value)
    assert "restore-backup" in str(excinfo.value)
    assert store_path.read_bytes() == damaged
    kept = restore_backup(store_path, stamp="20191003T120000")
    assert kept.read_bytes() == damaged
    restored = Repository(store_path)
    assert restored.revision == 1
    assert restored.plan("test-plan").action("WF-01").progress == 0
    assert [entry.field for entry in restored.audit()] == ["created"]  # the lost save's audit is ignored
    restored.update_action("test-plan", "WF-02", {"progress": 7}, by="pm", on=ON)
    assert [entry.new for entry in Repository(store_path).audit("test-plan", "action")] == [7]


def test_no_backup_no_offer(store_path: Path) -> None:
    store_path.write_bytes(b"{")
    with pytest.raises(StoreUnreadable) as excinfo:
        Repository(store_path)
    assert "previous good version" not in str(excinfo.value)


def test_changes_held_for_the_cached_plan_all_go_in_when_it_is_next_read(repo: Repository) -> None:
    """Saves hold their changes for the cached plan until it is read; then all go in, in order:
    replaced, added and removed entities, across tables, the same as a fresh read shows."""
    repo.add_plan(make_plan(actions=5), by="pm")
    before = repo.plan("test-plan")
    repo.update_action("test-plan", "WF-02", {"progress": 40}, by="pm", on=ON)
    repo.save("test-plan", Action(ref="WF-09", theme="WF", title="Added"), by="pm", create=True)
    repo.delete("test-plan", Action, "WF-01", by="pm")
    repo.update_action("test-plan", "WF-04", {"progress": 80}, by="pm", on=ON, note="Nearly there")
    repo.save("test-plan", Recommendation(number=4, text="A fourth"), by="pm", create=True)
    repo.update_action("test-plan", "WF-09", {"progress": 10}, by="pm", on=ON)
    after = repo.plan("test-plan")
    assert [a.ref for a in before.actions] == ["WF-01", "WF-02", "WF-03", "WF-04", "WF-05"]  # untouched
    assert [a.ref for a in after.actions] == ["WF-02", "WF-03", "WF-04", "WF-05", "WF-09"]
    assert [(a.ref, a.progress) for a in after.actions if a.progress] == [
        ("WF-02", 40),
        ("WF-04", 80),
        ("WF-09", 10),
    ]
    assert [r.number for r in after.recommendations] == [1, 2, 3, 4]
    fresh = Repository(repo.storage)
    fresh.load()
    assert fresh.plan("test-plan") == after
    assert repo.plan("test-plan") is after  # nothing more held: read again, the same object
