"""The one seam between the repository and where its documents live.

A :class:`Storage` holds the plans as documents in tables (``plans``, ``themes``,
``actions``, …; every document but a plan's carries its ``plan_id``), a metadata record
with the store's revision and commit token, and the append-only audit trail. The
repository never knows which backend it has: it takes the lock, reads the documents
through :class:`Documents`, and hands back one change set to commit, all or nothing.

Two implementations live in :mod:`store.storage`: a JSON file written atomically (the
embedded default) and memory (tests, previews). A database backend implements the same
protocol: ``locked`` becomes a transaction with a row lock, ``commit`` its ``COMMIT``.

This module imports neither TinyDB nor pydantic, so it costs nothing at start-up.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable

    from store.models import AuditEntry
    from store.snapshots import SnapshotHeader, SnapshotStore

Document = dict[str, Any]
Data = dict[str, dict[str, Document]]
"""Every table by name, each a mapping of document id to document (TinyDB's layout)."""


@dataclass(frozen=True)
class Changes:
    """What changed in the store since a revision (see :meth:`Storage.changes`)."""

    revision: int
    token: str
    meta: dict[str, Any]
    written: list[tuple[int, str, Document]]
    """(doc id, table, document) of every row written since, in doc id order."""
    removed: list[tuple[int, str, str | None, str | None]]
    """(doc id, table, plan id, key as JSON text) of every row removed since."""


class Documents(Protocol):
    """The documents a change reads and writes while the lock is held.

    ``plan_id`` selects one plan's documents; ``None`` (for the ``plans`` table itself)
    selects every document. Writes are held until :meth:`Storage.commit`.
    """

    def find(self, table: str, plan_id: str | None, key_field: str, key: Any) -> Document | None:
        """The one document whose ``key_field`` is ``key`` (a copy: change it and :meth:`replace`)."""
        ...

    def select(self, table: str, plan_id: str | None) -> list[Document]:
        """Every document of the plan in ``table``, in stored order (copies)."""
        ...

    def keys(self, table: str, plan_id: str | None, key_field: str) -> list[Any]:
        """The ``key_field`` of every document of the plan in ``table``, in stored order (a
        reference check needs only these, not the documents)."""
        ...

    def present(self, table: str, plan_id: str | None, key_field: str, keys: Iterable[Any]) -> set[Any]:
        """Which of ``keys`` some document of the plan in ``table`` has as its ``key_field``: a
        reference check asks only of the few keys an entity names, whatever the plan's size."""
        ...

    def insert(self, table: str, documents: Iterable[Document]) -> None: ...

    def replace(self, table: str, plan_id: str | None, key_field: str, new: Mapping[Any, Document]) -> None:
        """Swap the documents whose ``key_field`` is a key of ``new`` for its values, in one pass."""
        ...

    def delete(self, table: str, plan_id: str | None, key_field: str | None = None, key: Any = None) -> None:
        """Remove one document, or (``key_field`` None) all of the plan's documents in ``table``."""
        ...


class Storage(Protocol):
    """Where a repository's plans, audit trail and snapshots live."""

    @property
    def location(self) -> Path | None:
        """The store file, or None where there is none (memory, a database)."""
        ...

    @property
    def read_only(self) -> bool:
        """Whether this process may not save here (then :meth:`locked` refuses)."""
        ...

    @property
    def writes(self) -> int:
        """Changes committed by this object (for tests and benchmarks)."""
        ...

    @property
    def parses(self) -> int:
        """Times the whole store was read back in (for tests and benchmarks)."""
        ...

    def load(self) -> Data:
        """The committed documents; re-read only when another process has saved."""
        ...

    def head(self) -> str | None:
        """The commit token of the latest save, cheaply (no parse); None if none."""
        ...

    def forget(self) -> None:
        """Drop what is cached, so the next :meth:`load` reads the store again."""
        ...

    def locked(self) -> AbstractContextManager[None]:
        """Hold the store's cross-process write lock."""
        ...

    def begin(self) -> Documents:
        """Start a change on the latest committed documents (call with the lock held)."""
        ...

    def rollback(self) -> None:
        """Forget the change begun; nothing of it is stored."""
        ...

    def commit(self, audit: Sequence[AuditEntry], meta: Mapping[str, Any]) -> None:
        """Store the change and its audit lines as one: all of it, or (on any error) none."""
        ...

    def audit(
        self,
        *,
        revision: int,
        token: str | None,
        plan_id: str | None = None,
        entity: str | None = None,
        key: str | None = None,
    ) -> list[AuditEntry]:
        """Committed audit entries up to ``revision``/``token``, oldest first."""
        ...

    def snapshots(self, *, visible: Callable[[SnapshotHeader], bool] | None = None) -> SnapshotStore:
        """The store's snapshots, kept apart from the plans so they never slow an edit;
        ``visible`` says whether one counts yet (see :class:`store.snapshots.SnapshotStore`)."""
        ...

    def changes(self, revision: int, token: str | None) -> Changes | None:
        """The documents written and removed since the store was at ``revision``/``token``, so
        a repository catches up on another's save without reading everything; None where the
        store cannot tell (then :meth:`load` it all)."""
        ...

    def watch(self, changed: Callable[[], None]) -> Callable[[], None] | None:
        """Call ``changed()`` (from another thread) soon after anyone saves; returns what stops
        it, or None where the store cannot tell (then :meth:`head` is polled)."""
        ...


DATABASE_SCHEMES = ("postgresql://", "postgres://")


def is_database_url(where: object) -> bool:
    """Whether ``--db``/``IPT_DB`` names a PostgreSQL database (libpq's URL form) rather than a file."""
    return isinstance(where, str) and where.strip().lower().startswith(DATABASE_SCHEMES)


def select_documents(data: Data, table: str, plan_id: str | None) -> Iterator[tuple[str, Document]]:
    """(doc id, document) of one plan's documents in ``table`` (every document for ``None``)."""
    for doc_id, document in data.get(table, {}).items():
        if plan_id is None or document.get("plan_id") == plan_id:
            yield doc_id, document
