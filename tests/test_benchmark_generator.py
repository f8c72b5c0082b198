"""The benchmark's generator and harness, at sizes that run in seconds.

The full ``make bench`` takes minutes; these prove its code works: plans are seeded and valid,
stores open with the history asked for, and the harness returns and prints its figures.
"""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson
import pytest

import benchmarks.run as bench
from benchmarks.generate import AS_OF, add_history, build_store, history_entries, stress_plan
from benchmarks.run import Config, collect, main, per_thousand, render, summary, ui_targets
from benchmarks.workloads import (
    EXPORT_FORMATS,
    TRACKER_NAME,
    ExportTimer,
    ImportTimer,
    take_snapshots,
    tracker_store,
)
from store.models import Plan, Status
from store.repository import Repository

SMALL = {"actions": 200, "themes": 8, "recommendations": 20, "allocations": 10, "spend": 50, "kpis": 6}


@pytest.fixture(scope="module")
def small_plan() -> Plan:
    return stress_plan(**SMALL, readings=12, seed=11)


def test_the_same_seed_gives_the_same_plan(small_plan: Plan) -> None:
    again = stress_plan(**SMALL, readings=12, seed=11)
    assert again == small_plan
    assert again.model_dump_json() == small_plan.model_dump_json()
    assert stress_plan(**SMALL, readings=12, seed=12) != small_plan


def test_the_plan_is_valid_and_the_size_asked_for(small_plan: Plan) -> None:
    assert Plan.model_validate(small_plan.model_dump(mode="json")) == small_plan
    assert len(small_plan.actions) == 200
    assert len(small_plan.themes) == 8
    assert len(small_plan.recommendations) == 20
    assert len(small_plan.allocations) == 10
    assert len(small_plan.spend) == 50
    assert len(small_plan.kpis) == 6
    assert all(len(kpi.readings) == 12 for kpi in small_plan.kpis)


def test_the_plan_looks_like_a_real_one(small_plan: Plan) -> None:
    actions = small_plan.actions
    assert all(re.fullmatch(r"T\d{2}-\d{4}", action.ref) for action in actions)
    assert all(action.ref.startswith(action.theme + "-") for action in actions)
    assert all(action.owner and action.recommendations for action in actions)
    period = (small_plan.starts_on, small_plan.ends_on)
    for action in actions:
        for day in (action.start_on, action.due_on, action.completed_on, *(u.on for u in action.updates)):
            assert day is None or period[0] <= day <= period[1], (action.ref, day)
    statuses = Counter(action.status for action in actions)
    assert set(statuses) == set(Status)
    assert len({action.rag for action in actions}) >= 4
    assert len({action.progress for action in actions}) > 10
    assert sum(bool(action.updates) for action in actions) > len(actions) // 2
    assert any(action.funding for action in actions)
    assert any(action.measures for action in actions)
    assert any(action.due_history for action in actions)
    assert all(action.progress == 100 for action in actions if action.status is Status.COMPLETE)


def test_history_does_not_depend_on_batching(small_plan: Plan) -> None:
    whole = [entry.model_dump() for entry in history_entries(small_plan, 40, seed=3)]
    halves = [entry.model_dump() for entry in history_entries(small_plan, 25, seed=3)]
    halves += [entry.model_dump() for entry in history_entries(small_plan, 15, start=25, seed=3)]
    assert halves == whole
    assert [entry["at"] for entry in whole] == sorted(entry["at"] for entry in whole)


def test_built_store_opens_with_its_history(small_plan: Plan, tmp_path: Path) -> None:
    store = build_store(tmp_path / "plans.json", small_plan, audit_entries=1_000)
    repo = Repository(store.path)
    assert repo.plan(small_plan.id) == small_plan
    assert repo.revision == 1
    history = repo.audit()
    assert len(history) == 1_000 + 1
    assert (history[0].entity, history[0].field) == ("plan", "created")
    assert history[0].at < history[1].at
    assert {entry.plan_id for entry in history} == {small_plan.id}


def test_history_stays_valid_after_later_saves(small_plan: Plan, tmp_path: Path) -> None:
    store = build_store(tmp_path / "plans.json", small_plan, audit_entries=300)
    repo = Repository(store.path)
    ref = small_plan.actions[0].ref
    repo.update_action(small_plan.id, ref, {"progress": 55}, by="pm", on=AS_OF, note="Moved on.")
    assert len(repo.audit()) == 300 + 1 + 2  # history, creation, progress and the note
    store = add_history(store, small_plan, 200)
    assert store.history == 500
    assert len(Repository(store.path).audit()) == 500 + 1 + 2


def test_build_store_refuses_an_existing_store(small_plan: Plan, tmp_path: Path) -> None:
    build_store(tmp_path / "plans.json", small_plan, audit_entries=0)
    with pytest.raises(ValueError, match="already holds a store"):
        build_store(tmp_path / "plans.json", small_plan, audit_entries=0)


def test_a_timing_that_fails_in_its_worker_is_reported(small_plan: Plan, tmp_path: Path) -> None:
    store = build_store(tmp_path / "plans.json", small_plan, audit_entries=0)
    with bench.workers([replace(store, plan_id="no-such-plan")], seed=1) as [worker]:
        assert worker.time("open_once", 0) > 0
        with pytest.raises(
            RuntimeError, match=r"(?s)edit_once .* failed in its worker.*no plan 'no-such-plan'"
        ):
            worker.time("edit_once", 0)
        assert worker.time("parse_floor_once", 1) > 0


def test_summary_gives_median_and_p90_in_ms() -> None:
    figures = summary([0.001 * n for n in range(1, 11)])
    assert figures["median_ms"] == pytest.approx(5.5)
    assert figures["p90_ms"] == pytest.approx(9.1)
    assert figures["min_ms"] == pytest.approx(1.0)
    assert figures["runs"] == 10


@pytest.fixture(scope="module")
def tiny_figures(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("bench-temp")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tempfile, "tempdir", str(folder))
        yield collect(Config.tiny())
    assert list(folder.iterdir()) == [], "the bench left files behind"


def _timing_is_positive(timing: dict[str, Any]) -> None:
    tiny = Config.tiny()
    assert timing["runs"] in {tiny.runs, tiny.large_open_runs, tiny.export_runs, tiny.import_runs}
    assert 0 < timing["min_ms"] <= timing["median_ms"] <= timing["p90_ms"]
    assert timing["floor"]["median_ms"] > 0
    assert timing["ratio"] > 0


def test_harness_returns_every_figure(tiny_figures: dict[str, Any]) -> None:
    config = Config.tiny()
    assert {
        "config",
        "machine",
        "main",
        "everyday",
        "audit_growth",
        "snapshot_growth",
        "import",
        "messy_import",
        "requests",
        "sizes",
        "per_thousand",
        "targets",
    } <= set(tiny_figures)
    main_store = tiny_figures["main"]
    assert (main_store["actions"], main_store["audit_entries"]) == (config.main_actions, config.audit_entries)
    assert main_store["store_bytes"] > 0 and main_store["journal_bytes"] > 0
    for section in (main_store, tiny_figures["everyday"]):
        _timing_is_positive(section["open"])
        _timing_is_positive(section["edit"])
    assert [row["audit_entries"] for row in tiny_figures["audit_growth"]] == list(config.audit_steps)
    for row in tiny_figures["audit_growth"]:
        _timing_is_positive(row["edit"])
    assert tiny_figures["audit_growth_ratio"] > 0
    assert [row["actions"] for row in tiny_figures["sizes"]] == list(config.sizes)
    for row in tiny_figures["sizes"]:
        _timing_is_positive(row["open"])
        _timing_is_positive(row["edit"])
    assert tiny_figures["sizes"][0]["open"]["runs"] == config.large_open_runs  # 50 actions count as large
    edit_target = tiny_figures["targets"][0]
    assert edit_target["measured"] == main_store["edit"]["median_ms"]
    for target in tiny_figures["targets"]:
        assert target["met"] == (target["measured"] <= target["limit"]), target
    assert len(tiny_figures["targets"]) == 3 + len(EXPORT_FORMATS)
    assert tiny_figures["ui"] is None


def test_the_council_tracker_and_the_owners_requests_are_timed(tiny_figures: dict[str, Any]) -> None:
    config = Config.tiny()
    messy = tiny_figures["messy_import"]
    assert messy["rows"] == config.messy_rows and messy["file_bytes"] > 0
    for key in ("read", "dry_run"):
        _timing_is_positive(messy[key])
        assert messy[key]["floor"]["what"].startswith("openpyxl load_workbook()")
    requests = tiny_figures["requests"]
    assert (requests["owners"], requests["actions"]) == (config.request_owners, config.request_actions)
    _timing_is_positive(requests["write"])


def test_every_export_format_is_timed(tiny_figures: dict[str, Any]) -> None:
    for section in (tiny_figures["main"], tiny_figures["everyday"], *tiny_figures["sizes"]):
        assert list(section["exports"]) == list(EXPORT_FORMATS)
        for timing in section["exports"].values():
            _timing_is_positive(timing)
            assert timing["floor"]["what"].startswith("orjson.dumps")
    assert tiny_figures["main"]["exports"]["xlsx"]["runs"] == Config.tiny().export_runs


def test_snapshots_are_taken_and_edits_compared_with_none(tiny_figures: dict[str, Any]) -> None:
    config = Config.tiny()
    snapshots = tiny_figures["main"]["snapshots"]
    assert snapshots["count"] == config.snapshots and snapshots["folder_bytes"] > 0
    assert snapshots["take"]["runs"] == config.snapshots
    none, most = tiny_figures["snapshot_growth"]
    assert (none["snapshots"], most["snapshots"]) == (0, config.snapshots)
    assert none["audit_entries"] == most["audit_entries"] == config.audit_entries
    assert most["edit"] == tiny_figures["main"]["edit"]
    assert none["edit"] == tiny_figures["audit_growth"][-1]["edit"]
    ratio = most["edit"]["median_ms"] / none["edit"]["median_ms"]
    assert tiny_figures["snapshot_growth_ratio"] == pytest.approx(ratio)


def test_tracker_import_is_timed(tiny_figures: dict[str, Any]) -> None:
    figures = tiny_figures["import"]
    assert figures["rows"] == Config.tiny().import_actions and figures["file_bytes"] > 0
    for key in ("read", "dry_run", "import"):
        _timing_is_positive(figures[key])
        assert "load_workbook" in figures[key]["floor"]["what"]


def test_cost_per_thousand_actions(tiny_figures: dict[str, Any]) -> None:
    [small, large] = tiny_figures["per_thousand"]
    row = tiny_figures["sizes"][0]
    assert small["actions"] == row["actions"] == 50
    assert small["ms_per_1000"]["open"] == pytest.approx(row["open"]["median_ms"] * 20)
    assert small["ms_per_1000"]["xlsx"] == pytest.approx(row["exports"]["xlsx"]["median_ms"] * 20)
    assert set(large["ms_per_1000"]) == {"open", "edit", *EXPORT_FORMATS}
    bare = {"actions": 2_000, "open": {"median_ms": 10.0}, "edit": {"median_ms": 4.0}}
    assert per_thousand([bare]) == [{"actions": 2_000, "ms_per_1000": {"open": 5.0, "edit": 2.0}}]


def test_figures_print_as_a_table(tiny_figures: dict[str, Any]) -> None:
    text = render(tiny_figures)
    for heading in (
        "Main store: 200 actions",
        "Everyday:",
        "Edit time against audit history",
        "By plan size",
        "Edit time against snapshots",
        "Tracker import: 60-row XLSX",
        "Cost per 1,000 actions",
        "Ratio to each size's own floor",
        "UI: not timed",
        "Targets",
    ):
        assert heading in text
    assert "update_action" in text and "open + validate" in text and "take_snapshot" in text
    for fmt in EXPORT_FORMATS:
        assert f"export {fmt}" in text
    assert "<= 50 ms" in text and "<= 1000 ms" in text and "<= 1.25x" in text


UI_ROWS = [
    {"figure": "start-up: bare Textual app", "unit": "ms", "median": 400.0, "p90": 420.0, "runs": 3,
     "target": "", "met": None},
    {"figure": "start-up ratio: Oldham / bare", "unit": "x", "median": 1.1, "p90": None, "runs": 3,
     "target": "<= 1.25", "met": True},
    {"figure": "down key to next frame, 200 actions", "unit": "ms", "median": 25.0, "p90": 40.0, "runs": 5,
     "target": "median <= 20, p90 <= 33", "met": False},
]  # fmt: skip
"""Rows in the shape :func:`benchmarks.tui_bench.tui_figures` returns."""


def test_ui_figures_print_and_count_as_targets(tiny_figures: dict[str, Any]) -> None:
    targets = ui_targets(UI_ROWS)
    assert [(target["label"], target["met"]) for target in targets] == [
        ("start-up ratio: Oldham / bare", True),
        ("down key to next frame, 200 actions", False),
    ]
    assert ui_targets(None) == []
    figures = {**tiny_figures, "ui": UI_ROWS, "targets": [*tiny_figures["targets"], *targets]}
    text = render(figures)
    assert "UI (benchmarks.tui_bench)" in text and "UI: not timed" not in text
    assert "1.10x" in text and "median <= 20, p90 <= 33: MISSED" in text
    assert "down key to next frame, 200 actions: 25.0 ms (median <= 20, p90 <= 33): MISSED" in text


def test_quick_skips_the_largest_plan_and_the_ui() -> None:
    quick = Config.quick()
    assert max(quick.sizes) == quick.main_actions and not quick.ui
    assert max(Config().sizes) == 50_000 and Config().ui
    full = Config()
    assert (full.allocations + full.spend, full.kpis, full.snapshots) == (5_000, 100, 24)


def test_export_timer_times_every_format(small_plan: Plan, tmp_path: Path) -> None:
    store = build_store(tmp_path / "plans.json", small_plan, audit_entries=0)
    timer = ExportTimer(store.path, store.plan_id, 1)
    for run, fmt in enumerate(EXPORT_FORMATS):
        assert timer.export_once(run, fmt) > 0
    assert timer.dump_floor_once(9) > 0
    assert list(timer.folder.iterdir()) == []  # each pack is removed after its run
    timer.close()
    assert not timer.folder.exists()


def test_import_timer_reads_checks_and_imports(small_plan: Plan, tmp_path: Path) -> None:
    store = tracker_store(tmp_path / "import", small_plan, seed=1)
    assert store.path.with_name(TRACKER_NAME).exists()
    assert Repository(store.path).plan(small_plan.id).actions == []
    timer = ImportTimer(store.path, store.plan_id, 1)
    assert timer.read_once(0) > 0
    assert timer.dry_run_once(0) > 0
    assert timer.import_once(0) > 0  # fails if fewer actions were added than rows read
    assert timer.floor_once(0) > 0
    timer.close()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["import"]  # the copy is gone
    assert Repository(store.path).plan(small_plan.id).actions == []  # the template is untouched


def test_take_snapshots(small_plan: Plan, tmp_path: Path) -> None:
    store = build_store(tmp_path / "plans.json", small_plan, audit_entries=10)
    seconds = take_snapshots(store, 3)
    assert len(seconds) == 3 and all(second > 0 for second in seconds)
    headers = Repository(store.path).snapshots.list(small_plan.id)
    assert [header.label for header in headers] == ["Board 1", "Board 2", "Board 3"]
    assert headers[-1].as_of == AS_OF


def test_command_line_prints_and_writes_json(
    tiny_figures: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    asked: list[Config] = []

    def fake_collect(config: Config, progress: Any = None) -> dict[str, Any]:
        asked.append(config)
        return tiny_figures

    monkeypatch.setattr(bench, "collect", fake_collect)
    out = tmp_path / "out" / "figures.json"
    assert main(["--tiny", "--json", str(out)]) == 0
    assert asked == [Config.tiny()]
    assert "Main store: 200 actions" in capsys.readouterr().out
    assert orjson.loads(out.read_bytes())["main"]["actions"] == 200
    missed = {**tiny_figures, "targets": [{**tiny_figures["targets"][0], "met": False}]}
    monkeypatch.setattr(bench, "collect", lambda config, progress=None: missed)
    assert main(["--quick"]) == 0
    assert main(["--quick", "--check"]) == 1


def test_command_line_rejects_bad_runs(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--tiny", "--runs", "1"])
    assert "--runs" in capsys.readouterr().err
