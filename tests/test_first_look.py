"""The first look at a store: the heading drawn before pydantic, and the parse handed on."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest

from sample_plans import list_samples, load_sample
from store.first_look import FirstLook, PlanHeading, first_look
from store.models import CriterionJudgement, Governance, Inspection, Judgement, Plan
from store.repository import Repository
from store.storage import SCHEMA_VERSION, AtomicJSONStorage, FileStorage
from tests.conftest import make_plan

SAMPLE_NAMES = [name for name, _ in list_samples()]


@functools.cache
def sample_plan(name: str) -> Plan:
    """A bundled sample's plan, validated once for the whole module."""
    return load_sample(name).plan


def store_with(path: Path, *plans: Plan) -> Path:
    """A store file at ``path`` holding ``plans``, written the ordinary way."""
    repo = Repository(path)
    for plan in plans:
        repo.add_plan(plan, by="tester")
    return path


def looked(path: Path, plan_id: str | None = None) -> FirstLook:
    """The first look at ``path``, which the test expects to succeed."""
    look = first_look(path, plan_id)
    assert look is not None, f"no first look at {path}"
    return look


def read_store(path: Path) -> dict[str, Any]:
    data = orjson.loads(path.read_bytes())
    assert isinstance(data, dict)
    return data


def only_plan_document(data: dict[str, Any]) -> dict[str, Any]:
    documents = list(data["plans"].values())
    assert len(documents) == 1
    document = documents[0]
    assert isinstance(document, dict)
    return document


@pytest.fixture
def good_store(tmp_path: Path) -> Path:
    """A real store holding one sample with an inspection, governance and judgements."""
    return store_with(tmp_path / "plans.json", sample_plan("oldham-2019"))


# The heading -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_heading_of_each_sample_matches_the_validated_plan(tmp_path: Path, name: str) -> None:
    path = store_with(tmp_path / "plans.json", sample_plan(name))
    look = looked(path)
    repo = Repository(path)
    plan_id = repo.default_plan_id()
    assert plan_id == name
    expected = PlanHeading.of(repo.plan(plan_id))
    assert look.heading == expected
    # Field by field too, so a failure says which field differs.
    for field_name in PlanHeading.__dataclass_fields__:
        assert getattr(look.heading, field_name) == getattr(expected, field_name), field_name
    assert look.heading.name == sample_plan(name).name
    assert look.heading.has_inspection == (sample_plan(name).inspection is not None)


def test_every_sample_is_checked() -> None:
    assert len(SAMPLE_NAMES) >= 2
    assert len(set(SAMPLE_NAMES)) == len(SAMPLE_NAMES)


def test_heading_with_a_published_date_and_judgements(tmp_path: Path) -> None:
    path = store_with(tmp_path / "plans.json", make_plan("dated"))
    repo = Repository(path)
    inspection = Inspection(
        framework="ILACS",
        published_on=date(2019, 3, 14),
        judgements=[
            CriterionJudgement(criterion="Overall effectiveness", judgement=Judgement.INADEQUATE),
            CriterionJudgement(criterion="Leadership", judgement=Judgement.GOOD),
        ],
    )
    governance = Governance(board="Improvement Board", chair="Chief Executive", cadence="monthly")
    repo.update_plan_header(
        "dated",
        {"inspection": inspection.model_dump(mode="json"), "governance": governance.model_dump(mode="json")},
        by="tester",
    )
    look = looked(path)
    assert look.heading == PlanHeading.of(Repository(path).plan("dated"))
    assert look.heading.published_on == date(2019, 3, 14)
    assert look.heading.judgements == (("Overall effectiveness", "Inadequate"), ("Leadership", "Good"))
    assert (look.heading.board, look.heading.chair, look.heading.cadence) == (
        "Improvement Board",
        "Chief Executive",
        "monthly",
    )


def test_heading_of_a_plan_without_inspection_or_governance(tmp_path: Path) -> None:
    path = store_with(tmp_path / "plans.json", make_plan("bare"))
    look = looked(path)
    assert look.heading == PlanHeading.of(Repository(path).plan("bare"))
    assert look.heading == PlanHeading(
        plan_id="bare", name="Test Improvement Plan 2019-2021", authority="Test Council"
    )
    assert not look.heading.has_inspection


def test_first_look_picks_the_plan_the_repository_picks(tmp_path: Path) -> None:
    path = store_with(tmp_path / "plans.json", *(sample_plan(name) for name in SAMPLE_NAMES))
    repo = Repository(path)
    default = repo.default_plan_id()
    assert default is not None
    look = looked(path)
    assert look.heading.plan_id == default
    assert look.heading == PlanHeading.of(repo.plan(default))
    # The latest to start, whichever order the samples were added in.
    latest = max(SAMPLE_NAMES, key=lambda name: (sample_plan(name).starts_on, name))
    assert default == latest


@pytest.mark.parametrize("order", ["forwards", "backwards"])
def test_default_plan_does_not_depend_on_the_order_plans_were_added(tmp_path: Path, order: str) -> None:
    names = ["dorset-2017", "oldham-2019", "leicestershire-2017"]
    if order == "backwards":
        names.reverse()
    path = store_with(tmp_path / "plans.json", *(sample_plan(name) for name in names))
    repo = Repository(path)
    assert looked(path).heading.plan_id == repo.default_plan_id() == "oldham-2019"


def test_same_start_date_is_broken_by_id_as_the_repository_does(tmp_path: Path) -> None:
    path = store_with(tmp_path / "plans.json", make_plan("beta"), make_plan("alpha"), make_plan("gamma"))
    repo = Repository(path)
    assert looked(path).heading.plan_id == repo.default_plan_id() == "gamma"


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_a_named_plan_is_the_one_shown(tmp_path: Path, name: str) -> None:
    path = store_with(tmp_path / "plans.json", *(sample_plan(sample) for sample in SAMPLE_NAMES))
    look = looked(path, plan_id=name)
    assert look.heading.plan_id == name
    assert look.heading == PlanHeading.of(Repository(path).plan(name))


def test_markup_in_a_plan_name_comes_back_literally(tmp_path: Path) -> None:
    name = "[bold]x[/] [@click=app.quit]"
    plan = make_plan("markup").model_copy(update={"name": name, "authority": "[red]Council[/red]"})
    path = store_with(tmp_path / "plans.json", plan)
    look = looked(path)
    assert look.heading.name == name
    assert look.heading.authority == "[red]Council[/red]"
    assert look.heading == PlanHeading.of(Repository(path).plan("markup"))


# Handing the parse on to the repository ----------------------------------------------------


def test_repository_reuses_the_first_looks_parse(tmp_path: Path) -> None:
    path = store_with(tmp_path / "plans.json", *(sample_plan(name) for name in SAMPLE_NAMES[:3]))
    look = looked(path)
    storage = look.storage
    assert storage.path == path
    assert storage.parses == 1
    repo = Repository(path, storage=storage)
    assert isinstance(repo.storage, FileStorage) and repo.storage.file is storage
    assert storage.parses == 1, "the store was parsed a second time"
    fresh = Repository(path)
    assert fresh.storage.parses == 1
    assert repo.plan_ids() == fresh.plan_ids()
    assert len(repo.plan_ids()) == 3
    for plan_id in fresh.plan_ids():
        assert repo.plan(plan_id) == fresh.plan(plan_id)
    assert (repo.revision, repo.token) == (fresh.revision, fresh.token)
    assert look.heading == PlanHeading.of(repo.plan(repo.default_plan_id() or ""))


def test_repository_given_the_storage_can_still_save(good_store: Path) -> None:
    look = looked(good_store)
    repo = Repository(good_store, storage=look.storage)
    repo.update_plan_header("oldham-2019", {"name": "Renamed"}, by="tester")
    assert Repository(good_store).plan("oldham-2019").name == "Renamed"
    assert looked(good_store).heading.name == "Renamed"


def test_repository_rereads_after_another_process_updates_the_header(good_store: Path) -> None:
    look = looked(good_store)
    assert look.heading.name != "Renamed elsewhere"
    other = Repository(good_store)
    other.update_plan_header("oldham-2019", {"name": "Renamed elsewhere"}, by="someone else")
    repo = Repository(good_store, storage=look.storage)
    assert look.storage.parses == 2, "the storage did not re-read the changed file"
    assert repo.plan("oldham-2019").name == "Renamed elsewhere"
    assert (repo.revision, repo.token) == (other.revision, other.token)
    assert repo.plan("oldham-2019") == Repository(good_store).plan("oldham-2019")


def test_repository_rereads_after_another_process_adds_a_plan(good_store: Path) -> None:
    look = looked(good_store)
    assert look.heading.plan_id == "oldham-2019"
    other = Repository(good_store)
    other.add_plan(sample_plan("middlesbrough-2021"), by="someone else")
    repo = Repository(good_store, storage=look.storage)
    assert look.storage.parses == 2
    assert sorted(repo.plan_ids()) == ["middlesbrough-2021", "oldham-2019"]
    assert repo.default_plan_id() == "middlesbrough-2021"
    assert repo.plan("middlesbrough-2021") == other.plan("middlesbrough-2021")


def test_repository_refuses_a_storage_of_another_file(tmp_path: Path) -> None:
    path = store_with(tmp_path / "plans.json", make_plan())
    other_path = store_with(tmp_path / "other.json", make_plan("other"))
    with pytest.raises(ValueError, match=re.escape(str(path))) as caught:
        Repository(path, storage=AtomicJSONStorage(other_path))
    assert str(other_path) in str(caught.value)
    with pytest.raises(ValueError, match=re.escape(str(path))):
        Repository(path, storage=looked(other_path).storage)
    with pytest.raises(ValueError, match=re.escape(str(path))):
        Repository(path, storage=AtomicJSONStorage(other_path.with_name("third.json")))


# Nothing simple to show --------------------------------------------------------------------


def rewrite(path: Path, change: Callable[[dict[str, Any]], object]) -> Path:
    """Load the store's JSON, let ``change`` edit it in place, and write it back."""
    data = read_store(path)
    change(data)
    path.write_bytes(orjson.dumps(data))
    return path


def test_the_store_layout_these_tests_edit(good_store: Path) -> None:
    data = read_store(good_store)
    assert next(iter(data)) == "meta"
    assert {"meta", "plans", "themes", "actions"} <= set(data)
    assert data["meta"]["1"]["schema_version"] == SCHEMA_VERSION
    assert only_plan_document(data)["id"] == "oldham-2019"
    # An edit that changes nothing still gives a first look, so the bad stores below fail
    # for what they change, not for being rewritten.
    rewrite(good_store, lambda data: None)
    assert looked(good_store).heading.plan_id == "oldham-2019"


def test_no_first_look_at_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.json"
    assert first_look(path) is None
    assert first_look(path, "oldham-2019") is None
    assert not path.exists()


@pytest.mark.parametrize(
    "content",
    [b"", b"   \n", b"{not json", b'{"meta": {"1": ', b"[]", b'[{"meta": {}}]', b"42", b'"text"', b"null"],
    ids=["empty", "blank", "invalid", "truncated", "list", "list-of-tables", "number", "string", "null"],
)
def test_no_first_look_at_a_file_that_is_not_a_store(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "plans.json"
    path.write_bytes(content)
    assert first_look(path) is None


def test_no_first_look_without_a_meta_record(good_store: Path) -> None:
    rewrite(good_store, lambda data: data.pop("meta"))
    assert first_look(good_store) is None


def test_no_first_look_without_the_meta_document(good_store: Path) -> None:
    rewrite(good_store, lambda data: data["meta"].pop("1"))
    assert first_look(good_store) is None


@pytest.mark.parametrize(
    "version", [SCHEMA_VERSION + 1, SCHEMA_VERSION - 1, 0, None, str(SCHEMA_VERSION), float(SCHEMA_VERSION)]
)
def test_no_first_look_at_another_schema_version(good_store: Path, version: object) -> None:
    rewrite(good_store, lambda data: data["meta"]["1"].__setitem__("schema_version", version))
    assert read_store(good_store)["meta"]["1"]["schema_version"] == version
    assert first_look(good_store) is None


def test_no_first_look_without_a_schema_version(good_store: Path) -> None:
    rewrite(good_store, lambda data: data["meta"]["1"].pop("schema_version"))
    assert first_look(good_store) is None


def test_no_first_look_at_an_empty_store(tmp_path: Path) -> None:
    path = store_with(tmp_path / "plans.json", make_plan("gone"))
    Repository(path).remove_plan("gone", by="tester")
    assert Repository(path).default_plan_id() is None
    assert read_store(path)["meta"]["1"]["schema_version"] == SCHEMA_VERSION
    assert first_look(path) is None


def test_no_first_look_without_a_plans_table(good_store: Path) -> None:
    rewrite(good_store, lambda data: data.pop("plans"))
    assert first_look(good_store) is None


def test_no_first_look_at_a_plan_not_in_the_store(good_store: Path) -> None:
    assert first_look(good_store, "oldham-2019") is not None
    assert first_look(good_store, "no-such-plan") is None
    assert first_look(good_store, "") is None


def set_in(*keys: str, value: object) -> Callable[[dict[str, Any]], None]:
    """An edit setting one field, found by ``keys``, of the store's only plan document."""

    def change(data: dict[str, Any]) -> None:
        target = only_plan_document(data)
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return change


def drop(*keys: str) -> Callable[[dict[str, Any]], None]:
    """An edit removing one field, found by ``keys``, of the store's only plan document."""

    def change(data: dict[str, Any]) -> None:
        target = only_plan_document(data)
        for key in keys[:-1]:
            target = target[key]
        del target[keys[-1]]

    return change


def judgements(*entries: object) -> Callable[[dict[str, Any]], None]:
    return set_in("inspection", "judgements", value=list(entries))


BAD_HEADINGS: dict[str, Callable[[dict[str, Any]], None]] = {
    "id-number": set_in("id", value=7),
    "id-missing": drop("id"),
    "name-number": set_in("name", value=42),
    "name-null": set_in("name", value=None),
    "name-list": set_in("name", value=["Plan"]),
    "name-missing": drop("name"),
    "authority-object": set_in("authority", value={"name": "Council"}),
    "authority-missing": drop("authority"),
    "starts-on-not-a-date": set_in("starts_on", value="soon"),
    "starts-on-number": set_in("starts_on", value=20190801),
    "starts-on-null": set_in("starts_on", value=None),
    "starts-on-missing": drop("starts_on"),
    "inspection-list": set_in("inspection", value=[{"framework": "ILACS"}]),
    "inspection-string": set_in("inspection", value="ILACS"),
    "inspection-number": set_in("inspection", value=3),
    "framework-number": set_in("inspection", "framework", value=5),
    "published-on-not-a-date": set_in("inspection", "published_on", value="March 2019"),
    "published-on-number": set_in("inspection", "published_on", value=20190314),
    "published-on-list": set_in("inspection", "published_on", value=["2019-03-14"]),
    "judgements-null": set_in("inspection", "judgements", value=None),
    "judgements-object": set_in("inspection", "judgements", value={"criterion": "x", "judgement": "Good"}),
    "judgements-string": set_in("inspection", "judgements", value="Good"),
    "judgement-without-criterion": judgements({"judgement": "Good"}),
    "judgement-without-judgement": judgements({"criterion": "Overall effectiveness"}),
    "judgement-criterion-number": judgements({"criterion": 1, "judgement": "Good"}),
    "judgement-value-null": judgements({"criterion": "Overall effectiveness", "judgement": None}),
    "judgement-a-string": judgements("Overall effectiveness: Good"),
    "judgement-a-list": judgements(["Overall effectiveness", "Good"]),
    "governance-list": set_in("governance", value=["Board"]),
    "governance-string": set_in("governance", value="Board"),
    "board-number": set_in("governance", "board", value=1),
    "chair-list": set_in("governance", "chair", value=["Chief Executive"]),
    "cadence-object": set_in("governance", "cadence", value={"every": "month"}),
    "name-empty": set_in("name", value=""),
    "authority-empty": set_in("authority", value=""),
    "inspection-empty-list": set_in("inspection", value=[]),
    "inspection-empty-string": set_in("inspection", value=""),
    "inspection-zero": set_in("inspection", value=0),
    "governance-empty-list": set_in("governance", value=[]),
    "published-on-empty": set_in("inspection", "published_on", value=""),
    "published-on-zero": set_in("inspection", "published_on", value=0),
}


@pytest.mark.parametrize("change", BAD_HEADINGS.values(), ids=BAD_HEADINGS.keys())
def test_no_first_look_at_a_heading_with_a_wrong_type(
    good_store: Path, change: Callable[[dict[str, Any]], None]
) -> None:
    before = good_store.read_bytes()
    rewrite(good_store, change)
    assert good_store.read_bytes() != before, "the edit changed nothing"
    assert first_look(good_store) is None
    assert first_look(good_store, "oldham-2019") is None


def test_a_bad_plan_named_elsewhere_does_not_stop_the_first_look(tmp_path: Path) -> None:
    path = store_with(tmp_path / "plans.json", sample_plan("oldham-2019"), sample_plan("dorset-2017"))

    def break_dorset(data: dict[str, Any]) -> None:
        for document in data["plans"].values():
            if document["id"] == "dorset-2017":
                document["name"] = 42

    rewrite(path, break_dorset)
    assert first_look(path, "dorset-2017") is None
    look = looked(path, "oldham-2019")
    assert look.heading.name == sample_plan("oldham-2019").name
