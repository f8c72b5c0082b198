"""The one front door to stored plans.

Screens and the command line ask :class:`Repository` for pydantic models and hand
changes back to it; they never see stored documents. Every change is a transaction:
take the cross-process lock, re-read the store if another process saved, apply the
change to the *latest* stored state, validate it, and commit it with its audit lines.
Either all of a change lands or none of it does.

Two kinds of change never lose each other:

- appends (an action's updates and due-date history, a KPI's readings, a board's
  decisions and its record of each agenda item) are applied to whatever is stored when
  the lock is taken, so two officers adding at once both keep theirs;
- edits from a form carry the entity as the form loaded it (``base``). The form's changed
  fields are applied to the stored entity, unless that entity itself changed underneath,
  when :class:`ConflictError` names what changed and who changed it. A change to another
  entity is no conflict.

Where the documents live is the :class:`store.backend.Storage` behind the repository.
"""

from __future__ import annotations

import contextlib
import functools
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError

from store.backend import Data, Documents, Storage, is_database_url
from store.collector import collector_paused
from store.errors import (
    ConflictError,
    DamagedStore,
    NewerSchema,
    NotFound,
    RuleBroken,
    StoreInvalid,
    StoreUnreachable,
    StoreUnreadable,
)
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
    ReturnRequest,
    ReviewSession,
    SpendEntry,
    Theme,
    TrackerMapping,
)
from store.storage import AtomicJSONStorage, FileStorage, MemoryStorage
from store.storage import default_store_path as default_store_path
from store.validation import describe_errors

if TYPE_CHECKING:
    from store.snapshots import SnapshotHeader, SnapshotStore

M = TypeVar("M", bound=BaseModel)
E = TypeVar(
    "E",
    Theme,
    Recommendation,
    Action,
    Allocation,
    SpendEntry,
    MonitoringLine,
    Kpi,
    ReviewSession,
    TrackerMapping,
    ReturnRequest,
)

Entity = (
    Theme
    | Recommendation
    | Action
    | Allocation
    | SpendEntry
    | MonitoringLine
    | Kpi
    | ReviewSession
    | TrackerMapping
    | ReturnRequest
)


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
    TrackerMapping: EntityKind("mappings", "tracker mapping", TrackerMapping, "name"),
    ReturnRequest: EntityKind("requests", "return request", ReturnRequest, "id"),
}
KIND_BY_TABLE = {kind.table: kind for kind in KINDS.values()}

APPEND_ONLY_FIELDS = {"updates", "due_history", "readings"}
"""List fields whose audit records only what was added, not the whole list twice."""

MERGED_FIELDS = APPEND_ONLY_FIELDS | {"decisions", "items"}
"""Fields only ever changed by merging into the stored entity (appends, a board's record of
one agenda item), never by a form: another process changing them is no conflict for a form."""


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _without_plan(document: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in document.items() if name != "plan_id"}


@dataclass
class Transaction:
    """What a change may read and write while the lock is held: entities, never tables."""

    documents: Documents
    by: str
    at: datetime
    audit: list[AuditEntry] = field(default_factory=list)
    patches: list[tuple[str, EntityKind | None, Any, BaseModel | None]] = field(default_factory=list)
    """(plan id, kind, key, new model or None for removed) to apply to the cached plans."""

    def changed(self, plan_id: str, kind: EntityKind | None, key: Any, model: BaseModel | None) -> None:
        self.patches.append((plan_id, kind, key, model))

    # Reading ---------------------------------------------------------------------------

    def plan_document(self, plan_id: str) -> dict[str, Any]:
        found = self.documents.find("plans", None, "id", plan_id)
        if found is None:
            raise NotFound(f"no plan {plan_id!r} in the store")
        return found

    def stored(self, plan_id: str, model: type[BaseModel], key: Any) -> dict[str, Any] | None:
        """The stored document of one entity (without its plan id), or None."""
        kind = KINDS[model]
        found = self.documents.find(kind.table, plan_id, kind.key_field, key)
        return None if found is None else _without_plan(found)

    def get(self, plan_id: str, model: type[E], key: Any) -> E:
        """The latest stored entity; :class:`NotFound` if there is none."""
        found = self.stored(plan_id, model, key)
        if found is None:
            raise NotFound(f"no {KINDS[model].noun} {key!r} in plan {plan_id}")
        return validated(model, found, f"{KINDS[model].noun} {key}")

    def keys(self, plan_id: str, model: type[BaseModel]) -> list[Any]:
        kind = KINDS[model]
        return self.documents.keys(kind.table, plan_id, kind.key_field)

    def present(self, plan_id: str, model: type[BaseModel], keys: Iterable[Any]) -> set[Any]:
        """Which of ``keys`` the plan has among its entities of ``model``."""
        kind = KINDS[model]
        return self.documents.present(kind.table, plan_id, kind.key_field, keys)

    # Writing ---------------------------------------------------------------------------

    def entry(self, plan_id: str, entity: str, key: Any, field_name: str, old: Any, new: Any) -> AuditEntry:
        """One audit line of this change."""
        return AuditEntry(
            at=self.at,
            by=self.by,
            plan_id=plan_id,
            entity=entity,
            key=str(key),
            field=field_name,
            old=old,
            new=new,
        )

    def audit_changes(
        self, plan_id: str, entity: str, key: Any, old: Mapping[str, Any], new: Mapping[str, Any]
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
                        self.audit.append(self.entry(plan_id, entity, key, name, None, item))
                    continue
            self.audit.append(self.entry(plan_id, entity, key, name, before, after))

    def add(self, plan_id: str, entity: Entity) -> None:
        """Insert a new entity; refused if its key is taken or it breaks the plan's references."""
        kind = KINDS[type(entity)]
        key = getattr(entity, kind.key_field)
        self.plan_document(plan_id)
        if self.stored(plan_id, type(entity), key) is not None:
            raise RuleBroken([f"{kind.noun} {key!r} already exists in this plan"])
        if isinstance(entity, Theme):
            taken = [k for k in self.keys(plan_id, Theme) if isinstance(k, str) and k.lower() == key.lower()]
            if taken:
                raise RuleBroken(
                    [
                        f"key: {key!r} is theme {taken[0]}'s key in another case; a theme's key is one "
                        "whatever its case, so choose another"
                    ]
                )
        self.check_references(plan_id, entity)
        self.documents.insert(kind.table, [{**entity.model_dump(mode="json"), "plan_id": plan_id}])
        self.audit.append(self.entry(plan_id, kind.noun, key, "created", None, str(key)))
        self.changed(plan_id, kind, key, entity)

    def put(self, plan_id: str, entity: Entity, old: Mapping[str, Any]) -> None:
        """Replace a stored entity (``old``: its stored document), auditing every changed field."""
        kind = KINDS[type(entity)]
        key = getattr(entity, kind.key_field)
        self.check_references(plan_id, entity)
        new_doc = entity.model_dump(mode="json")
        self.audit_changes(plan_id, kind.noun, key, old, new_doc)
        self.documents.replace(kind.table, plan_id, kind.key_field, {key: {**new_doc, "plan_id": plan_id}})
        self.changed(plan_id, kind, key, entity)

    def modify(self, plan_id: str, model: type[E], key: Any, change: Callable[[E], E]) -> E:
        """Apply ``change`` to the latest stored entity and store the result."""
        found = self.stored(plan_id, model, key)
        if found is None:
            raise NotFound(f"no {KINDS[model].noun} {key!r} in plan {plan_id}")
        current = validated(model, found, f"{KINDS[model].noun} {key}")
        updated = validated(model, change(current).model_dump(), f"{KINDS[model].noun} {key}")
        self.put(plan_id, updated, found)
        return updated

    def remove(self, plan_id: str, model: type[BaseModel], key: Any) -> None:
        """Remove one entity; refused while other entities still refer to it."""
        kind = KINDS[model]
        if self.stored(plan_id, model, key) is None:
            raise NotFound(f"no {kind.noun} {key!r} in plan {plan_id}")
        users = self.users_of(plan_id, kind, key)
        if users:
            listed = ", ".join(users[:10]) + (" …" if len(users) > 10 else "")
            raise RuleBroken([f"{kind.noun} {key!r} is still used by {listed}; change those first"])
        self.documents.delete(kind.table, plan_id, kind.key_field, key)
        self.audit.append(self.entry(plan_id, kind.noun, key, "deleted", str(key), None))
        self.changed(plan_id, kind, key, None)

    # Rules -----------------------------------------------------------------------------

    def check_references(self, plan_id: str, entity: Entity) -> None:
        # Only the keys this entity names are looked up, so a check costs the same at any size.
        themes: set[Any] = set()
        numbers: set[Any] = set()
        allocations: set[Any] = set()
        kpis: set[Any] = set()
        if isinstance(entity, Action):
            themes, numbers = {entity.theme}, set(entity.recommendations)
            allocations, kpis = set(entity.funding), set(entity.measures)
        elif isinstance(entity, SpendEntry):
            allocations = {entity.allocation}
        elif isinstance(entity, Allocation) and entity.theme:
            themes = {entity.theme}
        index = PlanIndex(
            self.present(plan_id, Theme, themes),
            self.present(plan_id, Recommendation, numbers),
            self.present(plan_id, Allocation, allocations),
            self.present(plan_id, Kpi, kpis),
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

    def users_of(self, plan_id: str, kind: EntityKind, key: Any) -> list[str]:
        """What still refers to the entity ``key`` of ``kind``, as "action WF-01" strings."""
        actions = self.documents.select("actions", plan_id)
        users: list[str] = []
        if kind.model is Theme:
            users = [f"action {doc['ref']}" for doc in actions if doc.get("theme") == key]
            users += [
                f"allocation {doc['id']}"
                for doc in self.documents.select("allocations", plan_id)
                if doc.get("theme") == key
            ]
        elif kind.model is Recommendation:
            users = [f"action {doc['ref']}" for doc in actions if key in doc.get("recommendations", [])]
        elif kind.model is Allocation:
            users = [f"action {doc['ref']}" for doc in actions if key in doc.get("funding", [])]
            users += [
                f"spend entry {doc['id']}"
                for doc in self.documents.select("spend", plan_id)
                if doc.get("allocation") == key
            ]
        elif kind.model is Kpi:
            users = [f"action {doc['ref']}" for doc in actions if key in doc.get("measures", [])]
        return users


def validated(model: type[M], raw: Mapping[str, Any], where: str) -> M:
    """``raw`` as a ``model``, or :class:`RuleBroken` naming each refused field."""
    try:
        return model.model_validate(dict(raw))
    except ValidationError as error:
        raise RuleBroken(describe_errors(error, f"{where}: ")) from None


def _shown(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "–"
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def open_storage(where: Path | str | Storage | None, *, lock_timeout: float = 10.0) -> Storage:
    """The backend for a store file, a ``postgresql://`` URL, memory (``None``), or a backend
    given as it is.

    A store file is checked first (:func:`store.safe_files.check_store_path`): a folder, a
    FIFO or a linked sidecar is refused with a message, and a linked store is followed."""
    if where is None:
        return MemoryStorage()
    if isinstance(where, str):
        if is_database_url(where):
            from store.postgres import PostgresStorage

            return PostgresStorage(where.strip(), lock_timeout=lock_timeout)
        where = Path(where)
    if isinstance(where, Path):
        from store.safe_files import check_store_path

        return FileStorage(check_store_path(where), lock_timeout=lock_timeout)
    return where


class Repository:
    """Plans in one store: a file, memory (``None``), or any :class:`store.backend.Storage`."""

    def __init__(
        self,
        where: Path | str | Storage | None,
        *,
        lock_timeout: float = 10.0,
        clock: Callable[[], datetime] = utc_now,
        storage: AtomicJSONStorage | None = None,
    ) -> None:
        """``storage``: one already holding the parsed file (see :mod:`store.first_look`), so
        it is not parsed twice; it is re-read anyway if another process has saved since."""
        if storage is not None:
            if not isinstance(where, Path):
                raise ValueError(f"the storage reads {storage.path}, not {where}")
            where = FileStorage(where, lock_timeout=lock_timeout, parsed=storage)
        self.storage: Storage = open_storage(where, lock_timeout=lock_timeout)
        self.path = self.storage.location
        self.lock_timeout = lock_timeout
        self.clock = clock
        self._thread_lock = threading.RLock()
        self.revision = 0
        """The revision this object last loaded."""
        self.token: str | None = None
        self._plans: dict[str, Plan] = {}
        self._held: dict[str, list[tuple[EntityKind, Any, BaseModel | None]]] = {}
        """Changes committed to each plan's entities, not yet put into its cached plan (see
        :meth:`_patch_cache`)."""
        self._patch_lock = threading.Lock()
        """Held only while changes are held or put in: never while saving or reading the store."""
        self._positions: dict[tuple[str, str], tuple[list[Any], dict[Any, int]]] = {}
        """Where each key sits in a cached plan's list (the list it indexes, key → position), so
        patching one entity in after a save does not search 50,000 actions for it."""
        self.load()

    @functools.cached_property
    def snapshots(self) -> SnapshotStore:
        """Frozen, labelled copies of plans, kept beside the store so they never slow an edit.

        Made on first use: opening the tracker to look at a plan needs none of it."""
        return self.storage.snapshots(visible=self._snapshot_visible)

    def _snapshot_visible(self, header: SnapshotHeader) -> bool:
        """A snapshot taken by closing a board counts once the session's close is stored."""
        if header.review_id is None:
            return True
        self.reload_if_changed()
        plan = self.plan(header.plan_id) if header.plan_id in self._plans else None
        return plan is not None and any(
            session.id == header.review_id and session.snapshot_id == header.id for session in plan.reviews
        )

    # Reading ---------------------------------------------------------------------------

    @property
    def read_only(self) -> bool:
        """Whether this process cannot save here."""
        return self.storage.read_only

    @property
    def where(self) -> Path:
        """The store, for messages (a database by its name and host, never its password)."""
        return self.path or Path(getattr(self.storage, "name", "(memory)"))

    def load(self) -> None:
        """Read and validate the whole store; raise a clear error and touch nothing if it is bad."""
        with self._thread_lock, collector_paused():
            try:
                data = self.storage.load()
                plans = self._validate_all(data)
                with self._patch_lock:  # what was held is in what was read
                    self._plans, self._held = plans, {}
            except DamagedStore as error:
                if self.path is not None:
                    from store.backup import describe_backup

                    sentence = describe_backup(self.path)
                    if sentence:
                        error.offer_backup(sentence)
                raise
            self.revision, self.token = self._meta(data)

    def _meta(self, data: Data) -> tuple[int, str | None]:
        """The store's revision and commit token, from its metadata record."""
        meta = data.get("meta", {}).get("1", {})
        revision = meta.get("revision", 0)
        if not isinstance(revision, int) or isinstance(revision, bool) or revision < 0:
            raise StoreUnreadable(self.where, f"its revision {revision!r} is not a whole number")
        token = meta.get("commit")
        return revision, str(token) if token is not None else None

    def changed_on_disk(self) -> bool:
        """Whether another process has saved since this object last loaded (cheap)."""
        return self.storage.head() != self.token

    def reload_if_changed(self) -> bool:
        """Pick up another process's save; True if there was one."""
        if not self.changed_on_disk():
            return False
        with self._thread_lock:
            if not self._catch_up():
                self.load()
        return True

    def _catch_up(self) -> bool:
        """Apply what others saved since this object last read, entity by entity, where the
        store can say what that was (:meth:`store.backend.Storage.changes`): each changed row
        is validated and patched in, so catching up costs the change, not the plan. False
        (nothing to trust) where it cannot, or where a plan itself changed: then load it all."""
        with collector_paused():
            found = self.storage.changes(self.revision, self.token)
            if found is None:
                return False
            if found.revision == self.revision and found.token == self.token:
                return True
            patches: list[tuple[str, EntityKind, Any, BaseModel | None]] = []
            for _, table, plan_id, key in found.removed:
                kind = KIND_BY_TABLE.get(table)
                if kind is None or plan_id not in self._plans or key is None:
                    return False
                patches.append((plan_id, kind, orjson.loads(key), None))
            for _, table, document in found.written:
                kind = KIND_BY_TABLE.get(table)
                plan_id = document.get("plan_id")
                if kind is None or plan_id not in self._plans:
                    return False
                body = _without_plan(document)
                try:
                    model = validated(kind.model, body, f"{kind.noun} {body.get(kind.key_field)}")
                except RuleBroken:
                    return False  # read it all, which names every problem
                patches.append((plan_id, kind, getattr(model, kind.key_field), model))
            for patch in patches:
                self._patch_cache(*patch)
            self.revision, self.token = found.revision, found.token
        return True

    def _validate_all(self, data: Data) -> dict[str, Plan]:
        where = self.where
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
        self._meta(data)
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
        if plan_id in self._held:
            with self._patch_lock:
                self._put_held(plan_id)
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
        return self.storage.audit(
            revision=self.revision, token=self.token, plan_id=plan_id, entity=entity, key=key
        )

    # Transactions ----------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with self._thread_lock, self.storage.locked():
            yield

    @contextlib.contextmanager
    def transaction(self, *, by: str) -> Iterator[Transaction]:
        """Apply a change atomically to the latest stored state.

        Inside, :meth:`plan` is the latest saved plan: the store is re-read under the lock
        if another process saved since this object last loaded."""
        with self._locked():
            try:
                if not self._catch_up():
                    current = self.storage.load()
                    on_disk, token = self._meta(current)
                    if on_disk != self.revision or token != self.token:
                        plans = self._validate_all(current)
                        with self._patch_lock:  # what was held is in what was read
                            self._plans, self._held = plans, {}
                        self.revision, self.token = on_disk, token
                on_disk = self.revision
                txn = Transaction(self.storage.begin(), by=by, at=self.clock())
                yield txn
            except BaseException:
                self.storage.rollback()
                raise
            revision = on_disk + 1
            token = secrets.token_hex(8)
            for entry in txn.audit:
                entry.revision = revision
            self.storage.commit(
                txn.audit, {"schema_version": SCHEMA_VERSION, "revision": revision, "commit": token}
            )
            self.revision, self.token = revision, token
            for patch in txn.patches:
                self._patch_cache(*patch)

    def _patch_cache(self, plan_id: str, kind: EntityKind | None, key: Any, model: BaseModel | None) -> None:
        """Bring one cached plan up to date with a committed change, without revalidating it all.

        A changed entity is held until the plan is next read (:meth:`plan`), and then all held
        for it go in at once: copying a 50,000-action list on every save would make each of a
        run of saves cost in proportion to the plan."""
        with self._patch_lock:
            if kind is not None:
                if plan_id in self._plans:
                    self._held.setdefault(plan_id, []).append((kind, key, model))
                return
            # The plan itself: added, removed or its header changed.
            self._put_held(plan_id)
            if model is None:
                self._plans.pop(plan_id, None)
            elif isinstance(model, Plan):
                self._plans[plan_id] = model
            else:
                self._plans[plan_id] = self._plans[plan_id].model_copy(update=dict(model))

    def _put_held(self, plan_id: str) -> None:
        """Put the changes held for ``plan_id`` into its cached plan: one copy of each list changed."""
        held = self._held.pop(plan_id, None)
        plan = self._plans.get(plan_id)
        if not held or plan is None:
            return
        tables: dict[str, list[tuple[EntityKind, Any, BaseModel | None]]] = {}
        for kind, key, model in held:
            tables.setdefault(kind.table, []).append((kind, key, model))
        update: dict[str, list[Any]] = {}
        for table, changes in tables.items():
            key_field = changes[0][0].key_field
            stored = getattr(plan, table)
            known = self._positions.get((plan_id, table))
            if known is not None and known[0] is stored:
                positions = known[1]
            else:  # first change to this list since it was read: index it once
                positions = {}
                for i, item in enumerate(stored):
                    positions.setdefault(getattr(item, key_field), i)
            items = list(stored)
            for _, key, model in changes:
                position = positions.get(key)
                if model is None:
                    if position is not None:
                        del items[position]
                        positions = {
                            k: (i - 1 if i > position else i) for k, i in positions.items() if k != key
                        }
                elif position is None:
                    positions[key] = len(items)
                    items.append(model)
                else:
                    items[position] = model
            update[table] = items
            self._positions[(plan_id, table)] = (items, positions)
        self._plans[plan_id] = plan.model_copy(update=update)

    def take_snapshot(
        self, plan_id: str, *, label: str, as_of: date, by: str, review_id: str | None = None
    ) -> SnapshotHeader:
        """Freeze the latest saved state of a plan, so the plan and its revision always match."""
        try:
            self.reload_if_changed()
        except StoreUnreachable as error:
            message = str(error)
            if "nothing was saved" not in message:
                message += "; nothing was saved"
            raise StoreUnreachable(message) from None
        return self.snapshots.take(
            self.plan(plan_id), label=label, as_of=as_of, by=by, revision=self.revision, review_id=review_id
        )

    # Whole plans -----------------------------------------------------------------------

    def add_plan(self, plan: Plan, *, by: str) -> None:
        """Store a new plan; its id must not be in use."""
        plan = Plan.model_validate(plan.model_dump())
        with self.transaction(by=by) as txn:
            if txn.documents.find("plans", None, "id", plan.id) is not None:
                raise RuleBroken([f"a plan with id {plan.id!r} is already in the store"])
            txn.documents.insert("plans", [plan.header.model_dump(mode="json")])
            for kind in KINDS.values():
                entities = getattr(plan, kind.table)
                txn.documents.insert(
                    kind.table,
                    ({**entity.model_dump(mode="json"), "plan_id": plan.id} for entity in entities),
                )
            txn.audit.append(txn.entry(plan.id, "plan", plan.id, "created", None, plan.name))
            txn.changed(plan.id, None, plan.id, plan)

    def remove_plan(self, plan_id: str, *, by: str) -> None:
        with self.transaction(by=by) as txn:
            txn.plan_document(plan_id)
            txn.documents.delete("plans", None, "id", plan_id)
            for kind in KINDS.values():
                txn.documents.delete(kind.table, plan_id)
            txn.audit.append(txn.entry(plan_id, "plan", plan_id, "removed", plan_id, None))
            txn.changed(plan_id, None, plan_id, None)

    def update_plan_header(
        self, plan_id: str, changes: Mapping[str, Any], *, by: str, base: PlanHeader | None = None
    ) -> PlanHeader:
        """Change the plan's own fields; ``base`` (the header as the form loaded it) as for :meth:`edit`."""
        with self.transaction(by=by) as txn:
            old = txn.plan_document(plan_id)
            if base is not None:
                self._refuse_if_changed(txn, plan_id, "plan", plan_id, old, base.model_dump(mode="json"))
            new = validated(PlanHeader, {**old, **changes}, f"plan {plan_id}")
            if new.id != plan_id:
                raise RuleBroken(["a plan's id cannot be changed"])
            new_doc = new.model_dump(mode="json")
            txn.audit_changes(plan_id, "plan", plan_id, old, new_doc)
            txn.documents.replace("plans", None, "id", {plan_id: new_doc})
            txn.changed(plan_id, None, plan_id, new)
            return new

    # Entities --------------------------------------------------------------------------

    def create(self, plan_id: str, entity: Entity, *, by: str) -> None:
        """Add one entity, checking the plan's rules; refused if its key is taken."""
        with self.transaction(by=by) as txn:
            txn.add(plan_id, entity)

    def edit(self, plan_id: str, entity: E, *, by: str, base: E) -> E:
        """Save a form's edit of one entity: the fields that differ from ``base`` (the entity as
        the form loaded it) are applied to the stored entity.

        Refused with :class:`ConflictError`, naming the other change, if that entity changed
        underneath (other than by merged appends); changes to other entities do not matter.
        Returns the entity as stored."""
        model = type(entity)
        kind = KINDS[model]
        key = getattr(base, kind.key_field)
        if getattr(entity, kind.key_field) != key:
            raise RuleBroken([f"{kind.noun} {key!r}: its {kind.key_field} cannot be changed"])
        with self.transaction(by=by) as txn:
            stored = txn.stored(plan_id, model, key)
            if stored is None:
                raise NotFound(f"{kind.noun} {key!r} has been deleted by someone else; nothing was saved")
            if model is ReviewSession and stored.get("state") == "closed":
                raise RuleBroken([f"review session {key!r} is closed and kept as a record; it cannot change"])
            before, after = base.model_dump(mode="json"), entity.model_dump(mode="json")
            self._refuse_if_changed(txn, plan_id, kind.noun, key, stored, before)
            changed = {name: value for name, value in after.items() if before.get(name) != value}
            updated = validated(model, {**stored, **changed}, f"{kind.noun} {key}")
            txn.put(plan_id, updated, stored)
            return updated

    def save(
        self, plan_id: str, entity: Entity, *, by: str, create: bool = False, base: Entity | None = None
    ) -> None:
        """:meth:`create` (``create=True``) or :meth:`edit` from ``base``."""
        if create:
            self.create(plan_id, entity, by=by)
        elif base is None:
            raise TypeError("an edit needs the entity as it was loaded (base), so a stale copy never wins")
        else:
            self.edit(plan_id, entity, by=by, base=base)  # type: ignore[type-var]

    def modify(self, plan_id: str, model: type[E], key: Any, change: Callable[[E], E], *, by: str) -> E:
        """Apply ``change`` to the latest stored entity under the lock (appends, merges)."""
        with self.transaction(by=by) as txn:
            return txn.modify(plan_id, model, key, change)

    def delete(
        self, plan_id: str, entity_type: type[BaseModel], key: Any, *, by: str, base: BaseModel | None = None
    ) -> None:
        """Remove one entity; refused while other entities still refer to it, or (with ``base``,
        the entity as the user saw it) if it changed underneath."""
        kind = KINDS[entity_type]
        with self.transaction(by=by) as txn:
            stored = txn.stored(plan_id, entity_type, key)
            if stored is not None and base is not None:
                self._refuse_if_changed(txn, plan_id, kind.noun, key, stored, base.model_dump(mode="json"))
            txn.remove(plan_id, entity_type, key)

    def _refuse_if_changed(
        self,
        txn: Transaction,
        plan_id: str,
        noun: str,
        key: Any,
        stored: Mapping[str, Any],
        base: Mapping[str, Any],
    ) -> None:
        """:class:`ConflictError` naming what changed, if ``stored`` is not what the form loaded."""
        if noun != "plan":
            model = next(kind.model for kind in KINDS.values() if kind.noun == noun)
            stored = validated(model, stored, f"{noun} {key}").model_dump(mode="json")
        moved = [
            name
            for name in sorted(set(stored) | set(base))
            if name not in MERGED_FIELDS and name != "plan_id" and stored.get(name) != base.get(name)
        ]
        if not moved:
            return
        what = "; ".join(f"{name}: {_shown(base.get(name))} → {_shown(stored.get(name))}" for name in moved)
        history = [
            entry
            for entry in self.storage.audit(
                revision=self.revision, token=self.token, plan_id=plan_id, entity=noun, key=str(key)
            )
            if entry.field in moved
        ]
        who = f"{history[-1].by} at {history[-1].at:%d %b %Y %H:%M} UTC" if history else "someone else"
        raise ConflictError(
            f"{noun} {key} was changed by {who} since you opened it ({what}); nothing was saved."
        )

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
        base: Action | None = None,
    ) -> Action:
        """Change an action's fields and optionally add a dated update, as one audited save.

        The change applies to the latest saved state, read under the lock, so concurrent
        updates never lose each other; with ``base`` (the action as a form loaded it) a
        change to the action's own fields underneath is a conflict instead."""
        with self.transaction(by=by) as txn:
            return self.apply_action_change(
                txn, plan_id, ref, changes, on=on, note=note, due_reason=due_reason, base=base
            )

    def apply_action_change(
        self,
        txn: Transaction,
        plan_id: str,
        ref: str,
        changes: Mapping[str, Any],
        *,
        on: date,
        note: str | None = None,
        due_reason: str | None = None,
        base: Action | None = None,
    ) -> Action:
        """:meth:`update_action` inside a transaction another operation is making (a board's record)."""
        old = txn.stored(plan_id, Action, ref)
        if old is None:
            raise NotFound(f"no action {ref!r} in plan {plan_id}")
        if base is not None:
            self._refuse_if_changed(txn, plan_id, "action", ref, old, base.model_dump(mode="json"))
        merged = {**old, **changes}
        current = validated(Action, merged, f"action {ref}")
        if "due_on" in changes and current.due_on != validated(Action, old, f"action {ref}").due_on:
            previous = old.get("due_on")
            if previous is not None and not (due_reason or "").strip():
                raise RuleBroken(
                    [f"action {ref}: due_on: moving a due date needs a reason, kept in the action's history"]
                )
            if previous is not None and current.due_on is not None:
                merged["due_history"] = [
                    *old.get("due_history", []),
                    DueDateChange(
                        on=on,
                        by=txn.by,
                        old_due_on=date.fromisoformat(previous),
                        new_due_on=current.due_on,
                        reason=str(due_reason).strip(),
                    ).model_dump(mode="json"),
                ]
        if note:
            update = validated(
                ActionUpdate,
                {"on": on, "author": txn.by, "text": note, "rag": current.rag},
                f"action {ref}.note",
            )
            merged["updates"] = [*old.get("updates", []), update.model_dump(mode="json")]
        action = validated(Action, merged, f"action {ref}")
        txn.put(plan_id, action, old)
        return action

    def add_reading(self, plan_id: str, kpi_id: str, reading: Reading, *, by: str) -> Kpi:
        """Record a KPI reading (replacing one on the same date) on the latest stored KPI."""

        def with_reading(kpi: Kpi) -> Kpi:
            readings = [r for r in kpi.readings if r.on != reading.on] + [reading]
            return kpi.model_copy(update={"readings": sorted(readings, key=lambda r: r.on)})

        return self.modify(plan_id, Kpi, kpi_id, with_reading, by=by)
