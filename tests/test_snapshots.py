"""Snapshots: frozen copies kept beside the store, listed from a small index, never slowing edits."""

from __future__ import annotations

import os
import stat
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import orjson
import pytest

from store.errors import NewerSchema, NotFound, RuleBroken, StoreError
from store.models import Status
from store.repository import Repository
from store.rollups import plan_summary, summary_to_json
from store.snapshots import (
    INDEX_NAME,
    SnapshotDamaged,
    SnapshotStore,
    normalise_snapshot_id,
    snapshots_folder,
)
from tests.conftest import make_plan

AS_OF = date(2019, 10, 3)
AT = datetime(2019, 10, 3, 17, 30, tzinfo=UTC)


def take(store: SnapshotStore, repo: Repository, label: str = "Change Board — October 2019") -> str:
    plan = repo.plan("test-plan")
    return store.take(
        plan, label=label, as_of=AS_OF, by="Programme Manager", revision=repo.revision, at=AT
    ).id


@pytest.fixture
def filled(repo: Repository) -> Repository:
    repo.add_plan(make_plan(), by="tester")
    return repo


@pytest.fixture
def on_disk(tmp_path: Path) -> tuple[Repository, SnapshotStore]:
    repo = Repository(tmp_path / "plans.json")
    repo.add_plan(make_plan(), by="tester")
    return repo, SnapshotStore(repo.path)


def test_round_trip_keeps_plan_summary_and_header(filled: Repository) -> None:
    store = SnapshotStore(filled.path)
    header = store.take(
        filled.plan("test-plan"), label="Change Board — October 2019", as_of=AS_OF, by="PM", revision=1, at=AT
    )
    assert (header.id, header.plan_id, header.label) == ("S0001", "test-plan", "Change Board — October 2019")
    assert (header.as_of, header.taken_at, header.taken_by, header.revision) == (AS_OF, AT, "PM", 1)
    snapshot = store.get("S0001")
    assert snapshot.plan == filled.plan("test-plan")
    assert snapshot.summary == summary_to_json(plan_summary(filled.plan("test-plan"), AS_OF))
    assert snapshot.header == header
    assert store.list() == [header]


def test_ids_are_short_sequential_and_listed_oldest_first(filled: Repository) -> None:
    store = SnapshotStore(filled.path)
    ids = [take(store, filled, f"Board {n}") for n in range(1, 4)]
    assert ids == ["S0001", "S0002", "S0003"]
    assert [header.label for header in store.list()] == ["Board 1", "Board 2", "Board 3"]
    assert [header.id for header in store.latest("test-plan")] == ["S0002", "S0003"]
    assert [header.id for header in store.latest("test-plan", 5)] == ids
    with pytest.raises(ValueError, match="at least 1"):
        store.latest("test-plan", 0)


def test_ids_are_per_store(tmp_path: Path) -> None:
    plan = make_plan()
    first = SnapshotStore(tmp_path / "a.json")
    second = SnapshotStore(tmp_path / "b.json")
    assert first.take(plan, label="A", as_of=AS_OF, by="x", revision=1).id == "S0001"
    assert second.take(plan, label="B", as_of=AS_OF, by="x", revision=1).id == "S0001"
    assert first.take(plan, label="A2", as_of=AS_OF, by="x", revision=1).id == "S0002"
    assert SnapshotStore(tmp_path / "a.json").list()[-1].label == "A2"


def test_list_and_latest_filter_by_plan(filled: Repository) -> None:
    filled.add_plan(make_plan("other-plan"), by="tester")
    store = SnapshotStore(filled.path)
    take(store, filled, "ours 1")
    store.take(filled.plan("other-plan"), label="theirs", as_of=AS_OF, by="x", revision=2)
    take(store, filled, "ours 2")
    assert [h.id for h in store.list("test-plan")] == ["S0001", "S0003"]
    assert [h.id for h in store.list("other-plan")] == ["S0002"]
    assert [h.id for h in store.latest("other-plan")] == ["S0002"]
    assert store.latest("no-such-plan") == []
    assert len(store.list()) == 3


def test_loose_ids_are_accepted(filled: Repository) -> None:
    store = SnapshotStore(filled.path)
    take(store, filled)
    for typed in ("S0001", "s1", "1", " S01 "):
        assert store.get(typed).id == "S0001"
    assert normalise_snapshot_id("12") == "S0012"
    with pytest.raises(NotFound, match="not a snapshot id"):
        store.get("latest")
    with pytest.raises(NotFound, match="not a snapshot id"):
        store.get("S0")


def test_unknown_id_names_what_there_is(filled: Repository) -> None:
    store = SnapshotStore(filled.path)
    with pytest.raises(NotFound, match=r"no snapshot S0009.*no snapshots yet"):
        store.get("S0009")
    take(store, filled)
    take(store, filled)
    with pytest.raises(NotFound, match=r"no snapshot S0009.*S0001, S0002"):
        store.get("S0009")


def test_label_that_looks_like_markup_is_kept_literally(filled: Repository) -> None:
    store = SnapshotStore(filled.path)
    label = "[bold red]Change Board[/] — [link=x]October[/link] 2019"
    take(store, filled, label)
    assert store.get("S0001").label == label
    assert store.list()[0].label == label


def test_label_is_stripped_and_must_not_be_empty(filled: Repository) -> None:
    store = SnapshotStore(filled.path)
    assert store.take(filled.plan("test-plan"), label="  Board  ", as_of=AS_OF, by="x", revision=1).label == (
        "Board"
    )
    with pytest.raises(RuleBroken, match="label"):
        take(store, filled, "   ")
    with pytest.raises(RuleBroken, match="label"):
        take(store, filled, "x" * 201)
    assert [h.id for h in store.list()] == ["S0001"]


def test_taken_at_defaults_to_now_in_utc(filled: Repository) -> None:
    store = SnapshotStore(filled.path)
    before = datetime.now(UTC).replace(microsecond=0)
    header = store.take(filled.plan("test-plan"), label="Now", as_of=AS_OF, by="x", revision=1)
    assert header.taken_at.tzinfo is not None
    assert before <= header.taken_at <= datetime.now(UTC)


def test_snapshot_is_frozen_against_later_edits(filled: Repository) -> None:
    store = SnapshotStore(filled.path)
    take(store, filled)
    filled.update_action(
        "test-plan", "WF-01", {"status": "complete", "progress": 100}, by="PM", on=date(2019, 11, 1)
    )
    assert filled.plan("test-plan").action("WF-01").status is Status.COMPLETE
    frozen = store.get("S0001")
    assert frozen.plan.action("WF-01").status is Status.NOT_STARTED
    assert frozen.summary["progress"]["complete"] == 0


def test_snapshot_is_frozen_against_the_object_it_was_taken_from() -> None:
    plan = make_plan()
    store = SnapshotStore(None)
    store.take(plan, label="Board", as_of=AS_OF, by="x", revision=1)
    plan.actions[0].progress = 77
    plan.themes[0].name = "Renamed"
    assert store.get("S0001").plan.actions[0].progress == 0
    assert store.get("S0001").plan.themes[0].name == "Workforce"
    returned = store.get("S0001")
    returned.plan.actions[0].progress = 55
    assert store.get("S0001").plan.actions[0].progress == 0


def test_snapshots_never_touch_the_store_file_or_its_journal(filled: Repository, tmp_path: Path) -> None:
    store = SnapshotStore(filled.path)
    before_bytes = filled.path.read_bytes() if filled.path else None
    writes, parses = filled.storage.writes, filled.storage.parses
    audit = len(filled.audit())
    for n in range(30):
        take(store, filled, f"Board {n}")
    assert filled.storage.writes == writes
    assert filled.storage.parses == parses
    assert len(filled.audit()) == audit
    if filled.path is not None:
        assert filled.path.read_bytes() == before_bytes
        journal = filled.path.with_name(filled.path.name + ".audit.jsonl")
        assert b"snapshot" not in journal.read_bytes().lower()

    # An edit after 30 snapshots costs one write, no re-parse, and writes a store of the
    # same size as the same edit on a twin store that has no snapshots.
    filled.update_action("test-plan", "WF-01", {"progress": 40}, by="PM", on=date(2019, 11, 1))
    assert filled.storage.writes == writes + 1
    assert filled.storage.parses == parses
    if filled.path is not None:
        twin = Repository(tmp_path / "twin.json")
        twin.add_plan(make_plan(), by="tester")
        twin.update_action("test-plan", "WF-01", {"progress": 40}, by="PM", on=date(2019, 11, 1))
        assert filled.path.stat().st_size == twin.path.stat().st_size  # type: ignore[union-attr]


def test_memory_store_writes_no_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = SnapshotStore(None)
    store.take(make_plan(), label="Board", as_of=AS_OF, by="x", revision=0)
    assert list(tmp_path.iterdir()) == []
    assert store.folder is None and store.list()[0].id == "S0001"


def test_files_are_owner_only_beside_the_store(on_disk: tuple[Repository, SnapshotStore]) -> None:
    repo, store = on_disk
    take(store, repo)
    assert repo.path is not None
    folder = snapshots_folder(repo.path)
    assert folder == repo.path.with_name("plans.json.snapshots")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in ("S0001.json", INDEX_NAME):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600
    assert sorted(p.name for p in folder.iterdir()) == [".lock", "S0001.json", INDEX_NAME]
    index = orjson.loads((folder / INDEX_NAME).read_bytes())
    assert index["format"] == "ipt-snapshot-index"
    assert set(index["snapshots"][0]) == {
        "id",
        "plan_id",
        "label",
        "taken_at",
        "as_of",
        "taken_by",
        "revision",
        "review_id",
    }
    document = orjson.loads((folder / "S0001.json").read_bytes())
    assert document["format"] == "ipt-snapshot" and document["schema_version"] == 1
    assert document["snapshot"]["plan"]["id"] == "test-plan"


def test_listing_reads_only_the_index(on_disk: tuple[Repository, SnapshotStore]) -> None:
    repo, store = on_disk
    for n in range(3):
        take(store, repo, f"Board {n}")
    folder = store.folder
    assert folder is not None
    for n in range(1, 4):
        (folder / f"S{n:04d}.json").write_bytes(b"garbage")
    assert [h.label for h in SnapshotStore(repo.path).list()] == ["Board 0", "Board 1", "Board 2"]


def test_damaged_snapshot_is_named_and_others_still_work(on_disk: tuple[Repository, SnapshotStore]) -> None:
    repo, store = on_disk
    for n in range(3):
        take(store, repo, f"Board {n}")
    assert store.folder is not None
    damaged = store.folder / "S0002.json"
    damaged.write_bytes(b'{"format": "ipt-snapshot", "schema_version": 1, "snapshot": {"id": "S00')
    with pytest.raises(SnapshotDamaged) as excinfo:
        store.get("S0002")
    assert isinstance(excinfo.value, StoreError)
    assert str(damaged) in str(excinfo.value) and "not valid JSON" in str(excinfo.value)
    assert damaged.read_bytes().startswith(b'{"format"')  # left untouched
    assert store.get("S0001").label == "Board 0" and store.get("S0003").label == "Board 2"
    assert [h.id for h in store.list()] == ["S0001", "S0002", "S0003"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format="ipt-plan"), "not an ipt snapshot file"),
        (lambda d: d.update(schema_version="one"), "schema version 'one'"),
        (lambda d: d["snapshot"].update(revision=-1), "snapshot.revision"),
        (lambda d: d["snapshot"]["plan"]["actions"][0].update(progress=140), "progress"),
        (lambda d: d["snapshot"].update(id="S0007"), "holds snapshot S0007, not S0001"),
    ],
)
def test_invalid_snapshot_content_is_reported(
    on_disk: tuple[Repository, SnapshotStore], change: object, message: str
) -> None:
    repo, store = on_disk
    take(store, repo)
    assert store.folder is not None
    path = store.folder / "S0001.json"
    document = orjson.loads(path.read_bytes())
    change(document)  # type: ignore[operator]
    path.write_bytes(orjson.dumps(document))
    with pytest.raises(SnapshotDamaged, match=message) as excinfo:
        store.get("S0001")
    assert "S0001.json" in str(excinfo.value)


def test_snapshot_from_a_newer_ipt_is_refused(on_disk: tuple[Repository, SnapshotStore]) -> None:
    repo, store = on_disk
    take(store, repo)
    assert store.folder is not None
    path = store.folder / "S0001.json"
    document = orjson.loads(path.read_bytes())
    document["schema_version"] = 99
    path.write_bytes(orjson.dumps(document))
    with pytest.raises(NewerSchema, match="schema version 99"):
        store.get("S0001")


def test_damaged_index_is_rebuilt_from_the_files(on_disk: tuple[Repository, SnapshotStore]) -> None:
    repo, store = on_disk
    for n in range(3):
        take(store, repo, f"Board {n}")
    assert store.folder is not None
    (store.folder / INDEX_NAME).write_bytes(b"{broken")
    (store.folder / "S0002.json").write_bytes(b"also broken")
    assert [h.id for h in store.list()] == ["S0001", "S0003"]
    assert take(store, repo, "Board 3") == "S0004"  # the damaged S0002 is never overwritten
    assert (store.folder / "S0002.json").read_bytes() == b"also broken"
    assert [h.id for h in SnapshotStore(repo.path).list()] == ["S0001", "S0003", "S0004"]
    (store.folder / INDEX_NAME).unlink()
    assert [h.id for h in store.list()] == ["S0001", "S0003", "S0004"]


def test_a_take_killed_before_its_index_write_is_not_listed_or_reused(
    on_disk: tuple[Repository, SnapshotStore],
) -> None:
    repo, store = on_disk
    take(store, repo)
    assert store.folder is not None
    index = (store.folder / INDEX_NAME).read_bytes()
    take(store, repo)
    (store.folder / INDEX_NAME).write_bytes(index)  # as if killed between the two writes
    (store.folder / ".S0003.json.tmp-1234-abcd").write_bytes(b"half a snapshot")
    assert [h.id for h in store.list()] == ["S0001"]
    assert take(store, repo) == "S0003"
    assert [h.id for h in store.list()] == ["S0001", "S0003"]
    assert not any(".tmp-" in p.name for p in store.folder.iterdir())


def test_concurrent_takers_never_share_an_id(tmp_path: Path) -> None:
    path = tmp_path / "plans.json"
    plan = make_plan()
    taken: list[str] = []
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        store = SnapshotStore(path)
        try:
            for n in range(5):
                taken.append(store.take(plan, label=f"{name} {n}", as_of=AS_OF, by=name, revision=1).id)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(taken) == [f"S{n:04d}" for n in range(1, 21)]
    listed = SnapshotStore(path).list()
    assert [h.id for h in listed] == sorted(taken)
    assert all(SnapshotStore(path).get(h.id).label == h.label for h in listed)


def test_store_path_folder_is_created_on_first_take(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "deeper" / "plans.json"
    store = SnapshotStore(path)
    assert store.list() == []
    store.take(make_plan(), label="Board", as_of=AS_OF, by="x", revision=0)
    assert (tmp_path / "nested" / "deeper" / "plans.json.snapshots" / "S0001.json").exists()
    assert not path.exists()
    assert os.listdir(tmp_path / "nested" / "deeper") == ["plans.json.snapshots"]
