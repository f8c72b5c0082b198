"""Copy a whole store between backends: a file into a team's database, or a database out to a file.

Everything goes: every document (plans, their actions, funding, KPIs, review sessions, …), the
audit trail with each entry's own revision, the revision and commit token, and the snapshot
files byte for byte, so a file → database → file round trip gives the same plans, audit and
snapshots. The target must be empty, so a copy never overwrites anything; the documents and the
audit land as one change, and the snapshots after them.
"""

from __future__ import annotations

from dataclasses import dataclass

from store.backend import Storage
from store.errors import StoreError


@dataclass(frozen=True)
class Copied:
    """What a copy carried over."""

    plans: int
    documents: int
    audit_entries: int
    snapshots: int
    revision: int


def describe(storage: Storage) -> str:
    """The store for messages: its file, or its database's name (never a password)."""
    if storage.location is not None:
        return str(storage.location)
    return str(getattr(storage, "name", "the store in memory"))


def copy_store(source: Storage, target: Storage) -> Copied:
    """Copy everything in ``source`` into the empty ``target``; refused, writing nothing, if the
    target already holds anything or the source holds nothing."""
    data = source.load()
    meta = data.get("meta", {}).get("1")
    if not data or not isinstance(meta, dict):
        raise StoreError(f"{describe(source)} holds no ipt store; there is nothing to copy")
    if target.head() is not None or target.load() or target.snapshots().list():
        raise StoreError(
            f"{describe(target)} already holds a store; copy only into an empty one, so nothing "
            "there is overwritten. Nothing was copied."
        )
    revision, token = int(meta.get("revision", 0)), meta.get("commit")
    audit = source.audit(revision=revision, token=None if token is None else str(token))
    files = source.snapshots().files()
    documents = 0
    with target.locked():
        change = target.begin()
        for table, rows in data.items():
            if table == "meta":
                continue
            ordered = [rows[doc_id] for doc_id in sorted(rows, key=_doc_order)]
            change.insert(table, ordered)
            documents += len(ordered)
        target.commit(audit, dict(meta))
    target.snapshots().put_files(files)
    return Copied(
        plans=len(data.get("plans", {})),
        documents=documents,
        audit_entries=len(audit),
        snapshots=sum(name.startswith("S") and name.endswith(".json") for name in files),
        revision=revision,
    )


def _doc_order(doc_id: str) -> tuple[int, str]:
    return (int(doc_id), "") if doc_id.isdigit() else (0, doc_id)
