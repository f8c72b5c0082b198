"""The one front door to stored plans.

Screens and the command line ask :class:`Repository` for pydantic models and hand
changes back to it; they never see TinyDB documents. Every change is a transaction:
take the cross-process lock, re-read the store if another process saved, check the
caller's revision (a stale caller gets :class:`ConflictError`), apply and validate the
change, append its audit entries to the journal, then replace the store file
atomically. Either all of a change lands or none of it does.
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import filelock
from pydantic import BaseModel, ValidationError
from tinydb import TinyDB
from tinydb.table import Table

from store.collector import collector_paused
from store.errors import (
    ConflictError,
    DamagedStore,
    NewerSchema,
    NotFound,
    ReadOnlyStore,
    RuleBroken,
    StoreBusy,
    StoreError,
    StoreInvalid,
    StoreUnreadable,
)
from store.journal import AuditJournal, journal_path
from store.migrations import migrate
from store.models import (
    SCHEMA_VERSION,
    Action,
    ActionUpdate,
    Allocation,
    AuditEntry,
    DueDateChange,
    Kpi,
    MonitoringLine,
    Plan,
    PlanHeader,
    PlanIndex,
    Reading,
    Recommendation,
    ReviewSession,
    SpendEntry,
    Theme,
)
from store.storage import (
    AtomicJSONStorage,
    Data,
    backup_path,
    parse_store_bytes,
    remove_stray_temp_files,
    write_atomically,
)
from store.storage import (
    default_store_path as default_store_path,
)
from store.validation import describe_errors

if TYPE_CHECKING:
    from store.snapshots import SnapshotHeader, SnapshotStore

M = TypeVar("M", bound=BaseModel)

Entity = Theme | Recommendation | Action | Allocation | SpendEntry | MonitoringLine | Kpi | ReviewSession


@dataclass(frozen=True)
class EntityKind:
    """How one kind of plan entity is stored: its table, model and key field."""

    table: str
    noun: str
    model: type[BaseModel]
    key_field: str


KINDS: dict[type[BaseModel], EntityKind] = {
    Theme: EntityKind("themes", "theme", Theme, "key"),
    Recommendation: EntityKind("recommendations", "recommendation", Recommendation, "number"),
    Action: EntityKind("actions", "action", Action, "ref"),
    Allocation: EntityKind("allocations", "allocation", Allocation, "id"),
    SpendEntry: EntityKind("spend", "spend entry", SpendEntry, "id"),
    MonitoringLine: EntityKind("monitoring", "monitoring line", MonitoringLine, "id"),
    Kpi: EntityKind("kpis", "KPI", Kpi, "id"),
    ReviewSession: EntityKind("reviews", "review session", ReviewSession, "id"),
}
KIND_BY_TABLE = {kind.table: kind for kind in KINDS.values()}

APPEND_ONLY_FIELDS = {"updates", "due_history", "readings"}
"""List fields whose audit records only what was added, not the whole list twice."""


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass
class Transaction:
    """What a change may touch while the lock is held."""

    db: TinyDB
    by: str
    at: datetime
    audit: list[AuditEntry] = field(default_factory=list)
    patches: list[tuple[str, EntityKind | None, Any, BaseModel | None]] = field(default_factory=list)
    """(plan id, kind, key, new model or None for removed) to apply to the cached plans."""

    def changed(self, plan_id: str, kind: EntityKind | None, key: Any, model: BaseModel | None) -> None:
        self.patches.append((plan_id, kind, key, model))

    def table(self, name: str) -> Table:
        return self.db.table(name)

    def documents(self, name: str) -> dict[str, dict[str, Any]]:
        """The raw documents of a table, by doc id, as they will be written (fast to scan)."""
        data = self.db.storage.read() or {}
        return data.get(name, {})  # type: ignore[no-any-return]

    def replace(self, name: str, doc_id: str, document: dict[str, Any]) -> None:
        """Swap one document in place, without TinyDB rebuilding the whole table."""
        data = self.db.storage.read() or {}
        data.setdefault(name, {})[doc_id] = document
        self.db.storage.write(data)


class Repository:
    """Plans in one store file (or in memory when ``path`` is None)."""

    def __init__(
        self,
        path: Path | None,
        *,
        lock_timeout: float = 10.0,
        clock: Callable[[], datetime] = utc_now,
        storage: AtomicJSONStorage | None = None,
    ) -> None:
        """``storage``: one already holding the parsed file (see :mod:`store.first_look`), so
        it is not parsed twice; it is re-read anyway if another process has saved since."""
        if storage is not None and storage.path != path:
            raise ValueError(f"the storage reads {storage.path}, not {path}")
        self.path = path
        self.lock_timeout = lock_timeout
        self.clock = clock
        self.storage = storage if storage is not None else AtomicJSONStorage(path)
        self.journal = AuditJournal(journal_path(path) if path else None)
        self._thread_lock = threading.RLock()
        self._file_lock = (
            filelock.FileLock(str(path.with_name(path.name + ".lock")), timeout=lock_timeout, mode=0o600)
            if path
            else None
        )
        self.revision = 0
        """The revision this object last loaded; edits based on it are checked against the file."""
        self.token: str | None = None
        self._plans: dict[str, Plan] = {}
        self.load()

    @functools.cached_property
    def snapshots(self) -> SnapshotStore:
        """Frozen, labelled copies of plans, kept beside the store so they never slow an edit.

        Made on first use: opening the tracker to look at a plan needs none of it."""
        from store.snapshots import SnapshotStore

        return SnapshotStore(self.path, lock_timeout=self.lock_timeout)

    # Reading ---------------------------------------------------------------------------

    @property
    def read_only(self) -> bool:
        """Whether this process cannot save here: a save needs to write the file *and* its
        folder (the temporary file, the lock, the journal and the backup live beside it)."""
        if self.path is None:
            return False
        if self.path.exists() and not os.access(self.path, os.W_OK):
            return True
        folder = self.path.parent
        return folder.exists() and not os.access(folder, os.W_OK)

    def load(self) -> None:
        """Read and validate the whole store; raise a clear error and touch nothing if it is bad."""
        with self._thread_lock, collector_paused():
            try:
                data = self.storage.load()
                self._plans = self._validate_all(data)
            except DamagedStore as error:
                if self.path is not None:
                    sentence = describe_backup(self.path)
                    if sentence:
                        error.offer_backup(sentence)
                raise
            meta = data.get("meta", {}).get("1", {})
            self.revision = int(meta.get("revision", 0))
            self.token = meta.get("commit")

    def changed_on_disk(self) -> bool:
        """Whether another process has saved since this object last loaded (cheap)."""
        if self.path is None:
            return False
        from store.storage import read_commit_token

        on_disk = read_commit_token(self.path)
        return (on_disk.decode() if on_disk else None) != self.token

    def reload_if_changed(self) -> bool:
        """Pick up another process's save; True if there was one."""
        if not self.changed_on_disk():
            return False
        self.load()
        return True

    def _validate_all(self, data: Data) -> dict[str, Plan]:
        where = self.path or Path("(memory)")
        if not data:
            return {}
        meta = data.get("meta", {}).get("1")
        if not isinstance(meta, dict) or "schema_version" not in meta:
            raise StoreUnreadable(where, "it has no ipt metadata record, so it is not an ipt store")
        version = meta["schema_version"]
        if not isinstance(version, int) or version < 1:
            raise StoreUnreadable(where, f"its schema version {version!r} is not a positive whole number")
        if version > SCHEMA_VERSION:
            raise NewerSchema(where, version, SCHEMA_VERSION)
        if version < SCHEMA_VERSION:
            data = migrate(data, version)
        problems: list[str] = []
        assembled: dict[str, dict[str, Any]] = {}
        for doc_id, document in data.get("plans", {}).items():
            plan_id = document.get("id")
            if not isinstance(plan_id, str):
                problems.append(f"plans document {doc_id}: has no plan id")
                continue
            assembled[plan_id] = {**document, **{kind.table: [] for kind in KINDS.values()}}
        for kind in KINDS.values():
            for doc_id, document in data.get(kind.table, {}).items():
                body = dict(document)
                owner = body.pop("plan_id", None)
                if owner not in assembled:
                    problems.append(f"{kind.table} document {doc_id}: belongs to unknown plan {owner!r}")
                    continue
                assembled[owner][kind.table].append(body)
        plans = {}
        for plan_id, raw in assembled.items():
            try:
                plans[plan_id] = Plan.model_validate(raw)
            except ValidationError as error:
                problems.extend(describe_errors(error, f"plan {plan_id}: "))
        if problems:
            raise StoreInvalid(where, [p.replace(": .", ": ", 1) for p in problems])
        return plans

    def plan_ids(self) -> list[str]:
        return sorted(self._plans)

    def plans(self) -> list[PlanHeader]:
        return [self._plans[plan_id].header for plan_id in self.plan_ids()]

    def plan(self, plan_id: str) -> Plan:
        try:
            return self._plans[plan_id]
        except KeyError:
            known = ", ".join(self.plan_ids()) or "none"
            raise NotFound(f"no plan {plan_id!r} in the store (plans: {known})") from None

    def default_plan_id(self) -> str | None:
        """The only plan, or the most recently started one; None for an empty store."""
        if not self._plans:
            return None
        return max(self._plans.values(), key=lambda plan: (plan.starts_on, plan.id)).id

    def audit(
        self, plan_id: str | None = None, entity: str | None = None, key: str | None = None
    ) -> list[AuditEntry]:
        """Committed audit entries, oldest first."""
        return self.journal.entries(
            revision=self.revision, token=self.token, plan_id=plan_id, entity=entity, key=key
        )

    # Transactions ----------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with self._thread_lock:
            if self._file_lock is None:
                yield
                return
            assert self.path is not None
            if self.read_only:
                raise ReadOnlyStore(self.path)
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            except PermissionError:
                raise ReadOnlyStore(self.path) from None
            try:
                self._file_lock.acquire()
            except filelock.Timeout:
                raise StoreBusy(self.path, self.lock_timeout) from None
            except PermissionError:
                raise ReadOnlyStore(self.path) from None
            try:
                remove_stray_temp_files(self.path)
                yield
            finally:
                self._file_lock.release()

    @contextlib.contextmanager
    def transaction(self, *, by: str, base_revision: int | None = None) -> Iterator[Transaction]:
        """Apply a change atomically. ``base_revision`` makes a stale caller fail with a conflict."""
        with self._locked():
            self.storage.begin()
            try:
                current = self.storage.load()
                meta = dict(current.get("meta", {}).get("1", {}))
                on_disk = int(meta.get("revision", 0))
                if base_revision is not None and on_disk != base_revision:
                    raise ConflictError(base_revision, on_disk)
                if on_disk != self.revision or meta.get("commit") != self.token:
                    self._plans = self._validate_all(current)
                    self.revision, self.token = on_disk, meta.get("commit")
                txn = Transaction(TinyDB(storage=lambda: self.storage), by=by, at=self.clock())
                yield txn
            except BaseException:
                self.storage.rollback()
                raise
            revision = on_disk + 1
            token = secrets.token_hex(8)
            try:
                for entry in txn.audit:
                    entry.revision = revision
                self.journal.append(txn.audit, revision=revision, token=token)
                self.storage.commit({"schema_version": SCHEMA_VERSION, "revision": revision, "commit": token})
            except BaseException:
                self.storage.rollback()
                raise
            self.revision, self.token = revision, token
            for patch in txn.patches:
                self._patch_cache(*patch)

    def _patch_cache(self, plan_id: str, kind: EntityKind | None, key: Any, model: BaseModel | None) -> None:
        """Bring one cached plan up to date with a committed change, without revalidating it all."""
        if kind is None:  # the plan itself: added, removed or its header changed
            if model is None:
                self._plans.pop(plan_id, None)
            elif isinstance(model, Plan):
                self._plans[plan_id] = model
            else:
                self._plans[plan_id] = self._plans[plan_id].model_copy(update=dict(model))
            return
        plan = self._plans[plan_id]
        items = list(getattr(plan, kind.table))
        position = next((i for i, item in enumerate(items) if getattr(item, kind.key_field) == key), None)
        if model is None:
            if position is not None:
                del items[position]
        elif position is None:
            items.append(model)
        else:
            items[position] = model
        self._plans[plan_id] = plan.model_copy(update={kind.table: items})

    def take_snapshot(self, plan_id: str, *, label: str, as_of: date, by: str) -> SnapshotHeader:
        """Freeze the latest saved state of a plan, so the plan and its revision always match."""
        self.reload_if_changed()
        return self.snapshots.take(
            self.plan(plan_id), label=label, as_of=as_of, by=by, revision=self.revision
        )

    # Whole plans -----------------------------------------------------------------------

    def add_plan(self, plan: Plan, *, by: str) -> None:
        """Store a new plan; its id must not be in use."""
        plan = Plan.model_validate(plan.model_dump())
        with self.transaction(by=by) as txn:
            plans = txn.table("plans")
            if any(doc.get("id") == plan.id for doc in plans.all()):
                raise RuleBroken([f"a plan with id {plan.id!r} is already in the store"])
            plans.insert(plan.header.model_dump(mode="json"))
            for kind in KINDS.values():
                entities = getattr(plan, kind.table)
                txn.table(kind.table).insert_multiple(
                    {**entity.model_dump(mode="json"), "plan_id": plan.id} for entity in entities
                )
            txn.audit.append(self.audit_entry(txn, plan.id, "plan", plan.id, "created", None, plan.name))
            txn.changed(plan.id, None, plan.id, plan)

    def remove_plan(self, plan_id: str, *, by: str) -> None:
        self.plan(plan_id)
        with self.transaction(by=by) as txn:
            txn.table("plans").remove(lambda doc: doc.get("id") == plan_id)
            for kind in KINDS.values():
                txn.table(kind.table).remove(lambda doc: doc.get("plan_id") == plan_id)
            txn.audit.append(self.audit_entry(txn, plan_id, "plan", plan_id, "removed", plan_id, None))
            txn.changed(plan_id, None, plan_id, None)

    def update_plan_header(
        self, plan_id: str, changes: Mapping[str, Any], *, by: str, base_revision: int | None = None
    ) -> PlanHeader:
        with self.transaction(by=by, base_revision=base_revision) as txn:
            plans = txn.table("plans")
            found = plans.get(lambda doc: doc.get("id") == plan_id)
            if found is None:
                raise NotFound(f"no plan {plan_id!r} in the store")
            old = dict(found)
            new = self._validated(PlanHeader, {**old, **changes}, f"plan {plan_id}")
            if new.id != plan_id:
                raise RuleBroken(["a plan's id cannot be changed"])
            new_doc = new.model_dump(mode="json")
            self.audit_changes(txn, plan_id, "plan", plan_id, old, new_doc)
            txn.replace("plans", str(found.doc_id), new_doc)
            txn.changed(plan_id, None, plan_id, new)
            return new

    # Entities --------------------------------------------------------------------------

    def save(
        self,
        plan_id: str,
        entity: Entity,
        *,
        by: str,
        base_revision: int | None = None,
        create: bool = False,
    ) -> None:
        """Add (``create=True``) or replace one entity, checking the plan's rules."""
        kind = KINDS[type(entity)]
        key = getattr(entity, kind.key_field)
        with self.transaction(by=by, base_revision=base_revision) as txn:
            self._require_plan(txn, plan_id)
            found = self._find(txn, plan_id, kind, key)
            if create and found is not None:
                raise RuleBroken([f"{kind.noun} {key!r} already exists in this plan"])
            if not create and found is None:
                raise NotFound(f"no {kind.noun} {key!r} in plan {plan_id}")
            if kind.model is ReviewSession and found is not None and found[1].get("state") == "closed":
                raise RuleBroken([f"review session {key!r} is closed and kept as a record; it cannot change"])
            self._check_references(txn, plan_id, entity)
            new_doc = {**entity.model_dump(mode="json"), "plan_id": plan_id}
            if found is None:
                txn.table(kind.table).insert(new_doc)
                txn.audit.append(self.audit_entry(txn, plan_id, kind.noun, key, "created", None, str(key)))
            else:
                self.audit_changes(txn, plan_id, kind.noun, key, dict(found[1]), new_doc)
                txn.replace(kind.table, found[0], new_doc)
            txn.changed(plan_id, kind, key, entity)

    def delete(
        self,
        plan_id: str,
        entity_type: type[BaseModel],
        key: Any,
        *,
        by: str,
        base_revision: int | None = None,
    ) -> None:
        """Remove one entity; refused while other entities still refer to it."""
        kind = KINDS[entity_type]
        with self.transaction(by=by, base_revision=base_revision) as txn:
            found = self._find(txn, plan_id, kind, key)
            if found is None:
                raise NotFound(f"no {kind.noun} {key!r} in plan {plan_id}")
            users = self._users_of(txn, plan_id, kind, key)
            if users:
                listed = ", ".join(users[:10]) + (" …" if len(users) > 10 else "")
                raise RuleBroken([f"{kind.noun} {key!r} is still used by {listed}; change those first"])
            txn.table(kind.table).remove(doc_ids=[int(found[0])])
            txn.audit.append(self.audit_entry(txn, plan_id, kind.noun, key, "deleted", str(key), None))
            txn.changed(plan_id, kind, key, None)

    def update_action(
        self,
        plan_id: str,
        ref: str,
        changes: Mapping[str, Any],
        *,
        by: str,
        on: date,
        note: str | None = None,
        due_reason: str | None = None,
        base_revision: int | None = None,
    ) -> Action:
        """Change an action's fields and optionally add a dated update, as one audited save.

        A moved due date is kept in the action's ``due_history`` with ``due_reason``.
        Without ``base_revision`` the change applies to the latest saved state, read
        under the lock, so concurrent updates to one store never lose each other.
        """
        kind = KINDS[Action]
        with self.transaction(by=by, base_revision=base_revision) as txn:
            found = self._find(txn, plan_id, kind, ref)
            if found is None:
                raise NotFound(f"no action {ref!r} in plan {plan_id}")
            doc_id, stored = found
            old = {k: v for k, v in stored.items() if k != "plan_id"}
            merged = {**old, **changes}
            current = self._validated(Action, merged, f"action {ref}")
            if "due_on" in changes and current.due_on != Action.model_validate(old).due_on:
                previous = old.get("due_on")
                if previous is not None and not (due_reason or "").strip():
                    raise RuleBroken(
                        [
                            f"action {ref}: due_on: moving a due date needs a reason, "
                            "which is kept in the action's history"
                        ]
                    )
                if previous is not None and current.due_on is not None:
                    merged["due_history"] = [
                        *old.get("due_history", []),
                        DueDateChange(
                            on=on,
                            by=by,
                            old_due_on=date.fromisoformat(previous),
                            new_due_on=current.due_on,
                            reason=str(due_reason).strip(),
                        ).model_dump(mode="json"),
                    ]
            if note:
                update = ActionUpdate(on=on, author=by, text=note, rag=current.rag)
                merged["updates"] = [*old.get("updates", []), update.model_dump(mode="json")]
            action = self._validated(Action, merged, f"action {ref}")
            self._check_references(txn, plan_id, action)
            new_doc = {**action.model_dump(mode="json"), "plan_id": plan_id}
            self.audit_changes(txn, plan_id, kind.noun, ref, dict(stored), new_doc)
            txn.replace(kind.table, doc_id, new_doc)
            txn.changed(plan_id, kind, ref, action)
            return action

    def add_reading(self, plan_id: str, kpi_id: str, reading: Reading, *, by: str) -> Kpi:
        """Record a KPI reading (replacing one on the same date)."""
        kpi = self.plan(plan_id)
        current = next((k for k in kpi.kpis if k.id == kpi_id), None)
        if current is None:
            raise NotFound(f"no KPI {kpi_id!r} in plan {plan_id}")
        readings = [r for r in current.readings if r.on != reading.on] + [reading]
        updated = current.model_copy(update={"readings": sorted(readings, key=lambda r: r.on)})
        self.save(plan_id, Kpi.model_validate(updated.model_dump()), by=by)
        return updated

    # Helpers ---------------------------------------------------------------------------

    def audit_entry(
        self, txn: Transaction, plan_id: str, entity: str, key: Any, field_name: str, old: Any, new: Any
    ) -> AuditEntry:
        """One audit line of the change ``txn`` is making (for code that writes inside a transaction)."""
        return AuditEntry(
            at=txn.at,
            by=txn.by,
            plan_id=plan_id,
            entity=entity,
            key=str(key),
            field=field_name,
            old=old,
            new=new,
        )

    def audit_changes(
        self, txn: Transaction, plan_id: str, entity: str, key: Any, old: dict[str, Any], new: dict[str, Any]
    ) -> None:
        """Audit lines for every top-level field that differs between two stored documents."""
        for name in sorted(set(old) | set(new)):
            if name == "plan_id" or old.get(name) == new.get(name):
                continue
            before, after = old.get(name), new.get(name)
            if name in APPEND_ONLY_FIELDS and isinstance(before, list) and isinstance(after, list):
                added = [item for item in after if item not in before]
                if len(added) == len(after) - len(before):
                    for item in added:
                        txn.audit.append(self.audit_entry(txn, plan_id, entity, key, name, None, item))
                    continue
            txn.audit.append(self.audit_entry(txn, plan_id, entity, key, name, before, after))

    @staticmethod
    def _validated(model: type[M], raw: Mapping[str, Any], where: str) -> M:
        try:
            return model.model_validate(dict(raw))
        except ValidationError as error:
            raise RuleBroken(describe_errors(error, f"{where}: ")) from None

    @staticmethod
    def _require_plan(txn: Transaction, plan_id: str) -> None:
        if not any(doc.get("id") == plan_id for doc in txn.documents("plans").values()):
            raise NotFound(f"no plan {plan_id!r} in the store")

    @staticmethod
    def _find(
        txn: Transaction, plan_id: str, kind: EntityKind, key: Any
    ) -> tuple[str, dict[str, Any]] | None:
        """The (doc id, document) of one entity, scanning raw documents (no Document objects)."""
        field_name = kind.key_field
        for doc_id, doc in txn.documents(kind.table).items():
            if doc.get(field_name) == key and doc.get("plan_id") == plan_id:
                return doc_id, doc
        return None

    def _keys(self, txn: Transaction, plan_id: str, kind: EntityKind) -> list[Any]:
        return [
            doc.get(kind.key_field)
            for doc in txn.documents(kind.table).values()
            if doc.get("plan_id") == plan_id
        ]

    def _check_references(self, txn: Transaction, plan_id: str, entity: Entity) -> None:
        index = PlanIndex(
            self._keys(txn, plan_id, KINDS[Theme]),
            self._keys(txn, plan_id, KINDS[Recommendation]),
            self._keys(txn, plan_id, KINDS[Allocation]),
            self._keys(txn, plan_id, KINDS[Kpi]),
        )
        problems: list[str] = []
        if isinstance(entity, Action):
            problems = [f"action {entity.ref}.{p}" for p in index.action_problems(entity)]
        elif isinstance(entity, SpendEntry) and entity.allocation not in index.allocation_ids:
            problems = [f"spend {entity.id}.allocation: {entity.allocation!r} is not a funding allocation"]
        elif isinstance(entity, Allocation) and entity.theme and entity.theme not in index.theme_keys:
            problems = [f"allocation {entity.id}.theme: {entity.theme!r} is not a theme of this plan"]
        if problems:
            raise RuleBroken(problems)

    def _users_of(self, txn: Transaction, plan_id: str, kind: EntityKind, key: Any) -> list[str]:
        """What still refers to the entity ``key`` of ``kind``, as "action WF-01" strings."""
        actions = txn.table("actions").search(lambda doc: doc.get("plan_id") == plan_id)
        users: list[str] = []
        if kind.model is Theme:
            users = [f"action {doc['ref']}" for doc in actions if doc.get("theme") == key]
            users += [
                f"allocation {doc['id']}"
                for doc in txn.table("allocations").search(lambda doc: doc.get("plan_id") == plan_id)
                if doc.get("theme") == key
            ]
        elif kind.model is Recommendation:
            users = [f"action {doc['ref']}" for doc in actions if key in doc.get("recommendations", [])]
        elif kind.model is Allocation:
            users = [f"action {doc['ref']}" for doc in actions if key in doc.get("funding", [])]
            users += [
                f"spend entry {doc['id']}"
                for doc in txn.table("spend").search(lambda doc: doc.get("plan_id") == plan_id)
                if doc.get("allocation") == key
            ]
        elif kind.model is Kpi:
            users = [f"action {doc['ref']}" for doc in actions if key in doc.get("measures", [])]
        return users


def describe_backup(path: Path) -> str | None:
    """A sentence offering the previous good version of a damaged store, if it is usable."""
    backup = backup_path(path)
    try:
        data = parse_store_bytes(backup, backup.read_bytes())
        Repository(None)._validate_all(data)
    except (OSError, StoreError):
        return None
    meta = data.get("meta", {}).get("1", {})
    return (
        f"The previous good version (revision {meta.get('revision', '?')}) is kept at {backup}; "
        f"`ipt --db {path} restore-backup` puts it back and keeps the damaged file beside it."
    )


def restore_backup(path: Path, *, stamp: str) -> Path:
    """Put the backup back in place of a damaged store; the damaged file is kept, renamed.

    Returns where the damaged file now is. The backup is validated first; audit lines of
    the lost save are ignored from then on, because their revision is newer than the store's.
    """
    backup = backup_path(path)
    if describe_backup(path) is None:
        raise StoreUnreadable(backup, "there is no usable backup")
    lock = filelock.FileLock(str(path.with_name(path.name + ".lock")), timeout=10, mode=0o600)
    with lock:
        kept = path.with_name(f"{path.name}.damaged-{stamp}")
        if path.exists():
            os.replace(path, kept)
        write_atomically(path, backup.read_bytes())
    return kept
