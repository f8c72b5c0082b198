"""The contract every backend behind :class:`store.backend.Storage` keeps, run on each one.

The repository is written against this protocol alone, so a backend that passes these
tests keeps every guarantee the repository's own tests check on the file store.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from store.backend import Storage
from store.models import AuditEntry
from store.repository import open_storage
from store.storage import FileStorage, MemoryStorage

AT = datetime(2019, 10, 3, 9, 30, tzinfo=UTC)


@pytest.fixture
def storage(backend: str | Path | None) -> Iterator[Storage]:
    """Each backend in turn (see ``backend`` in conftest): memory, a file, PostgreSQL."""
    yield open_storage(backend)


def meta(revision: int, commit: str) -> dict[str, object]:
    return {"schema_version": 1, "revision": revision, "commit": commit}


def entry(key: str, revision: int = 0) -> AuditEntry:
    return AuditEntry(
        at=AT, by="pm", plan_id="p", entity="action", key=key, field="created", revision=revision
    )


def commit_actions(storage: Storage, revision: int, commit: str, *refs: str) -> None:
    with storage.locked():
        documents = storage.begin()
        documents.insert("actions", [{"ref": ref, "plan_id": "p", "title": ref} for ref in refs])
        storage.commit([entry(ref, revision) for ref in refs], meta(revision, commit))


def test_a_new_store_is_empty_and_has_no_head(storage: Storage) -> None:
    assert storage.load() == {}
    assert storage.head() is None
    assert storage.audit(revision=0, token=None) == []


def test_a_commit_stores_documents_meta_and_audit_together(storage: Storage) -> None:
    commit_actions(storage, 1, "00000000000000a1", "WF-01", "WF-02")
    data = storage.load()
    assert data["meta"]["1"]["revision"] == 1
    assert sorted(doc["ref"] for doc in data["actions"].values()) == ["WF-01", "WF-02"]
    assert storage.head() == "00000000000000a1"
    assert [e.key for e in storage.audit(revision=1, token="00000000000000a1")] == ["WF-01", "WF-02"]


def test_documents_are_found_selected_replaced_and_deleted_by_key(storage: Storage) -> None:
    commit_actions(storage, 1, "00000000000000a1", "WF-01", "WF-02", "WF-03")
    with storage.locked():
        documents = storage.begin()
        found = documents.find("actions", "p", "ref", "WF-02")
        assert found is not None and found["title"] == "WF-02"
        assert documents.find("actions", "other-plan", "ref", "WF-02") is None
        documents.replace("actions", "p", "ref", {"WF-02": {**found, "title": "renamed"}})
        documents.delete("actions", "p", "ref", "WF-03")
        assert [doc["ref"] for doc in documents.select("actions", "p")] == ["WF-01", "WF-02"]
        storage.commit([], meta(2, "00000000000000a2"))
    titles = {doc["ref"]: doc["title"] for doc in storage.load()["actions"].values()}
    assert titles == {"WF-01": "WF-01", "WF-02": "renamed"}


def test_a_copy_found_is_not_the_stored_document(storage: Storage) -> None:
    commit_actions(storage, 1, "00000000000000a1", "WF-01")
    with storage.locked():
        documents = storage.begin()
        found = documents.find("actions", "p", "ref", "WF-01")
        assert found is not None
        found["title"] = "changed only in the copy"
        storage.rollback()
    assert next(iter(storage.load()["actions"].values()))["title"] == "WF-01"


def test_a_rollback_stores_nothing(storage: Storage) -> None:
    commit_actions(storage, 1, "00000000000000a1", "WF-01")
    with storage.locked():
        documents = storage.begin()
        documents.insert("actions", [{"ref": "WF-09", "plan_id": "p"}])
        documents.delete("actions", "p", "ref", "WF-01")
        storage.rollback()
    storage.forget()
    assert [doc["ref"] for doc in storage.load()["actions"].values()] == ["WF-01"]
    assert storage.head() == "00000000000000a1"


def test_a_failed_commit_stores_neither_documents_nor_audit(storage: Storage) -> None:
    commit_actions(storage, 1, "00000000000000a1", "WF-01")
    with storage.locked():
        documents = storage.begin()
        with pytest.raises(TypeError):  # a database refuses it at once, a file when it is written
            documents.insert("actions", [{"ref": "WF-09", "plan_id": "p", "not JSON": object()}])
            storage.commit([entry("WF-09", 2)], meta(2, "00000000000000a2"))
    storage.forget()
    assert [doc["ref"] for doc in storage.load()["actions"].values()] == ["WF-01"]
    assert [e.key for e in storage.audit(revision=1, token=storage.head())] == ["WF-01"]


def test_audit_lines_of_a_save_that_never_became_the_store_are_ignored(storage: Storage) -> None:
    commit_actions(storage, 1, "00000000000000a1", "WF-01")
    commit_actions(storage, 2, "00000000000000a2", "WF-02")
    assert [e.key for e in storage.audit(revision=1, token="00000000000000a1")] == ["WF-01"]
    assert [e.key for e in storage.audit(revision=2, token="0000000000000bad")] == ["WF-01"]


def test_audit_is_filtered_by_plan_entity_and_key(storage: Storage) -> None:
    commit_actions(storage, 1, "00000000000000a1", "WF-01", "WF-02")
    assert [e.key for e in storage.audit(revision=1, token="00000000000000a1", key="WF-02")] == ["WF-02"]
    assert storage.audit(revision=1, token="00000000000000a1", plan_id="elsewhere") == []
    assert storage.audit(revision=1, token="00000000000000a1", entity="theme") == []


def test_another_handle_on_the_same_file_sees_each_commit(tmp_path: Path) -> None:
    first, second = FileStorage(tmp_path / "plans.json"), FileStorage(tmp_path / "plans.json")
    commit_actions(first, 1, "00000000000000a1", "WF-01")
    assert second.head() == "00000000000000a1"
    assert [doc["ref"] for doc in second.load()["actions"].values()] == ["WF-01"]
    commit_actions(second, 2, "00000000000000a2", "WF-02")
    assert first.head() == "00000000000000a2"
    assert len(first.load()["actions"]) == 2


def test_the_memory_backend_is_not_read_only_and_has_no_location() -> None:
    storage = MemoryStorage()
    assert storage.location is None and not storage.read_only


def test_keys_are_read_without_the_documents_in_stored_order(storage: Storage) -> None:
    commit_actions(storage, 1, "00000000000000a1", "WF-02", "WF-01", "WF-03")
    with storage.locked():
        documents = storage.begin()
        assert documents.keys("actions", "p", "ref") == ["WF-02", "WF-01", "WF-03"]
        assert documents.keys("actions", "p", "title") == ["WF-02", "WF-01", "WF-03"]
        assert documents.keys("actions", "other-plan", "ref") == []
        storage.rollback()


def test_present_answers_only_for_the_keys_asked_and_the_plan_named(storage: Storage) -> None:
    commit_actions(storage, 1, "00000000000000a1", "WF-02", "WF-01", "WF-03")
    with storage.locked():
        documents = storage.begin()
        documents.insert("recommendations", [{"number": n, "plan_id": "p"} for n in (1, 2, 5)])
        assert documents.present("actions", "p", "ref", ["WF-01", "WF-09", "WF-03"]) == {"WF-01", "WF-03"}
        assert documents.present("actions", "p", "title", ["WF-02", "nope"]) == {"WF-02"}
        assert documents.present("actions", "other-plan", "ref", ["WF-01"]) == set()
        assert documents.present("actions", "p", "ref", []) == set()
        # Numbers stay numbers, and a document inserted in this change counts already.
        assert documents.present("recommendations", "p", "number", [2, 3, 5]) == {2, 5}
        storage.rollback()
