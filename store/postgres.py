"""The PostgreSQL backend behind :class:`store.backend.Storage`: a team's plans in one database.

Every entity is one row of ``ipt_documents`` (its JSON document, with its table, plan and key as
columns), so an edit writes one row whatever the plan's size. A change is one database
transaction: :meth:`PostgresStorage.locked` begins it and takes the row lock on ``ipt_meta``
(``SELECT … FOR UPDATE``), which every writer takes first, so changes never interleave;
:meth:`~PostgresStorage.begin` hands out the documents read and written inside it;
:meth:`~PostgresStorage.commit` adds the audit rows, moves the revision and commits, all at
once or (on any error, a lost connection included) not at all.

Connection settings come from libpq: the ``postgresql://`` URL, a service file, ``PG*``
variables and ``~/.pgpass``; ipt adds no network code and never takes a password on its command
line. The tables and their migrations are in :mod:`store.pg_schema`.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

import orjson
import psycopg
from psycopg import errors as pg_errors
from psycopg import sql
from psycopg.types.json import set_json_loads

from store.backend import Changes, Data, Document
from store.backend import is_database_url as is_database_url
from store.errors import NewerSchema, ReadOnlyStore, SaveFailed, StoreBusy, StoreError, StoreUnreachable
from store.pg_schema import DATABASE_VERSION, apply_migrations, installed_version

if TYPE_CHECKING:
    from store.models import AuditEntry
    from store.snapshots import SnapshotHeader, SnapshotStore

T = TypeVar("T")

KEY_FIELDS = {
    "plans": "id",
    "themes": "key",
    "recommendations": "number",
    "actions": "ref",
    "allocations": "id",
    "spend": "id",
    "monitoring": "id",
    "kpis": "id",
    "reviews": "id",
    "mappings": "name",
    "requests": "id",
}
"""The key field of each table's documents, kept in the ``key`` column for lookups by index."""

CONNECT_SECONDS = 10


class DatabaseUnavailable(StoreUnreachable):
    """The database cannot be reached or is not an ipt store yet; the message says what to do."""


def describe_url(url: str) -> str:
    """``database NAME on HOST`` for messages: never the password, never the whole URL."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or os.environ.get("PGDATABASE") or "(default)"
    host = parts.hostname or os.environ.get("PGHOST") or "this machine"
    return f"database {name} on {host}"


def refuse_password(url: str) -> None:
    """A password in the URL would sit in shell history and process lists: refuse it."""
    parts = urlsplit(url)
    if parts.password is not None or "password=" in parts.query.lower():
        raise DatabaseUnavailable(
            f"{describe_url(url)}: a password is not taken on the command line or in IPT_DB; "
            "put it in ~/.pgpass (or a pg_service.conf service) and ipt's libpq will use it"
        )


def _document_key(table: str, document: Mapping[str, Any]) -> str | None:
    value = document.get(KEY_FIELDS.get(table, "id"))
    return None if value is None else orjson.dumps(value).decode()


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


class PgDocuments:
    """:class:`store.backend.Documents` as rows read and written inside the change's transaction."""

    def __init__(
        self, connection: psycopg.Connection[Any], errors: Callable[[str], AbstractContextManager[None]]
    ) -> None:
        self._db = connection
        self._errors = errors
        """Turns a database error into the store's message (see :meth:`PostgresStorage._errors`)."""
        self.written: list[tuple[str, int, Document | None]] = []
        """(table, doc id, document or None for removed) in order, to bring a cached copy of
        the store up to date after the commit without reading it again."""
        self.removed: list[tuple[int, str, str | None, str | None]] = []
        """(doc id, table, plan id, key) of every row removed, recorded at the commit."""

    def _where(self, table: str, plan_id: str | None) -> tuple[str, list[Any]]:
        if plan_id is None:
            return "table_name = %s", [table]
        return "table_name = %s AND plan_id = %s", [table, plan_id]

    def find(self, table: str, plan_id: str | None, key_field: str, key: Any) -> Document | None:
        with self._errors("saving"):
            return self._find(table, plan_id, key_field, key)

    def _keyed(self, table: str, plan_id: str | None, key_field: str, key: Any) -> tuple[str, list[Any]]:
        """The WHERE clause and its parameters for one document: by the key column where the
        field is the table's key, else by the field inside the document."""
        where, params = self._where(table, plan_id)
        if KEY_FIELDS.get(table) == key_field:
            where += " AND key = %s"
        else:
            where += " AND document -> %s = %s::jsonb"
            params.append(key_field)
        params.append(_json(key))
        return where, params

    def _find(self, table: str, plan_id: str | None, key_field: str, key: Any) -> Document | None:
        where, params = self._keyed(table, plan_id, key_field, key)
        row = self._db.execute(
            f"SELECT document FROM ipt_documents WHERE {where} ORDER BY doc_id LIMIT 1", params
        ).fetchone()
        return None if row is None else dict(row[0])

    def select(self, table: str, plan_id: str | None) -> list[Document]:
        with self._errors("saving"):
            return self._select(table, plan_id)

    def _select(self, table: str, plan_id: str | None) -> list[Document]:
        where, params = self._where(table, plan_id)
        rows = self._db.execute(
            f"SELECT document FROM ipt_documents WHERE {where} ORDER BY doc_id", params
        ).fetchall()
        return [dict(row[0]) for row in rows]

    def keys(self, table: str, plan_id: str | None, key_field: str) -> list[Any]:
        with self._errors("saving"):
            if KEY_FIELDS.get(table) != key_field:
                return [document.get(key_field) for document in self._select(table, plan_id)]
            where, params = self._where(table, plan_id)
            rows = self._db.execute(
                f"SELECT key FROM ipt_documents WHERE {where} ORDER BY doc_id", params
            ).fetchall()
            return [None if row[0] is None else orjson.loads(row[0]) for row in rows]

    def present(self, table: str, plan_id: str | None, key_field: str, keys: Iterable[Any]) -> set[Any]:
        wanted = set(keys)
        if not wanted:
            return set()
        if KEY_FIELDS.get(table) != key_field:
            return wanted & set(self.keys(table, plan_id, key_field))
        where, params = self._where(table, plan_id)
        with self._errors("saving"):
            rows = self._db.execute(
                f"SELECT DISTINCT key FROM ipt_documents WHERE {where} AND key = ANY(%s)",
                [*params, [_json(key) for key in wanted]],
            ).fetchall()
        return {orjson.loads(row[0]) for row in rows}

    def insert(self, table: str, documents: Iterable[Document]) -> None:
        with self._errors("saving"):
            return self._insert(table, documents)

    def _insert(self, table: str, documents: Iterable[Document]) -> None:
        rows = [
            (table, document.get("plan_id"), _document_key(table, document), _json(document))
            for document in documents
        ]
        if not rows:
            return
        ids = [
            row[0]
            for row in self._db.execute(
                "SELECT nextval(pg_get_serial_sequence('ipt_documents', 'doc_id'))"
                " FROM generate_series(1, %s) ORDER BY 1",
                (len(rows),),
            ).fetchall()
        ]
        with (
            self._db.cursor() as cursor,
            cursor.copy("COPY ipt_documents (doc_id, table_name, plan_id, key, document) FROM STDIN") as copy,
        ):
            for doc_id, row in zip(ids, rows, strict=True):
                copy.write_row((doc_id, *row))
        self.written.extend(
            (table, doc_id, orjson.loads(row[3])) for doc_id, row in zip(ids, rows, strict=True)
        )

    def replace(self, table: str, plan_id: str | None, key_field: str, new: Mapping[Any, Document]) -> None:
        with self._errors("saving"):
            return self._replace(table, plan_id, key_field, new)

    def _replace(self, table: str, plan_id: str | None, key_field: str, new: Mapping[Any, Document]) -> None:
        if not new:
            return
        where, params = self._where(table, plan_id)
        by_column = KEY_FIELDS.get(table) == key_field
        match = " AND key = %s" if by_column else " AND document -> %s = %s::jsonb"
        for key, document in new.items():
            text = _json(document)
            updated = self._db.execute(
                "UPDATE ipt_documents SET document = %s::jsonb, key = %s"
                f" WHERE {where}{match} RETURNING doc_id",
                [
                    text,
                    _document_key(table, document),
                    *params,
                    *([] if by_column else [key_field]),
                    _json(key),
                ],
            ).fetchall()
            self.written.extend((table, row[0], orjson.loads(text)) for row in updated)

    def delete(self, table: str, plan_id: str | None, key_field: str | None = None, key: Any = None) -> None:
        with self._errors("saving"):
            return self._delete(table, plan_id, key_field, key)

    def _delete(self, table: str, plan_id: str | None, key_field: str | None = None, key: Any = None) -> None:
        if key_field is not None:
            where, params = self._keyed(table, plan_id, key_field, key)
        else:
            where, params = self._where(table, plan_id)
        removed = self._db.execute(
            f"DELETE FROM ipt_documents WHERE {where} RETURNING doc_id, plan_id, key", params
        ).fetchall()
        self.written.extend((table, row[0], None) for row in removed)
        self.removed.extend((row[0], table, row[1], row[2]) for row in removed)


class PostgresStorage:
    """The store in a PostgreSQL database named by a ``postgresql://`` URL (libpq's own form)."""

    location = None

    def __init__(self, url: str, *, lock_timeout: float = 10.0) -> None:
        refuse_password(url)
        self.url = url
        self.name = describe_url(url)
        self.lock_timeout = lock_timeout
        self.writes = 0
        """Changes committed by this object (for tests and benchmarks)."""
        self.parses = 0
        """Times the whole store was read (for tests and benchmarks)."""
        self._connection: psycopg.Connection[Any] | None = None
        self._pid = 0
        self._lock = threading.RLock()
        self._cache: Data | None = None
        self._cache_token: str | None = None
        self._in_change = False
        self._read_only: bool | None = None
        self._documents: PgDocuments | None = None
        self._begun_on: str | None = None
        """The commit token of the cached copy when the change began (None: no cache)."""

    @property
    def where(self) -> Path:
        """The database, for messages."""
        return Path(self.name)

    # The connection ------------------------------------------------------------------

    def connect(self, *, check_version: bool = True) -> psycopg.Connection[Any]:
        """The open connection (made again after a fork or a lost connection)."""
        connection = self._connection
        if connection is not None and self._pid == os.getpid() and not connection.closed:
            return connection
        try:
            connection = psycopg.connect(
                self.url, autocommit=True, connect_timeout=CONNECT_SECONDS, fallback_application_name="ipt"
            )
        except psycopg.Error as error:
            raise DatabaseUnavailable(f"{self.name}: cannot connect: {_why_not_connected(error)}") from None
        set_json_loads(orjson.loads, connection)
        if check_version:
            try:
                version = installed_version(connection)
            except psycopg.Error as error:
                connection.close()
                raise DatabaseUnavailable(f"{self.name}: {_first_line(error)}") from None
            if version is None:
                connection.close()
                raise DatabaseUnavailable(
                    f"{self.name} has no ipt tables yet; create them with `ipt --db URL store init`"
                )
            if version > DATABASE_VERSION:
                connection.close()
                raise NewerSchema(self.where, version, DATABASE_VERSION)
            if version < DATABASE_VERSION:
                connection.close()
                raise DatabaseUnavailable(
                    f"{self.name}: its ipt tables are at version {version} and this ipt needs "
                    f"{DATABASE_VERSION}; bring them up to date with `ipt --db URL store migrate`"
                )
        self._connection, self._pid = connection, os.getpid()
        return connection

    def close(self) -> None:
        with self._lock:
            if self._connection is not None and self._pid == os.getpid():
                self._connection.close()
            self._connection = None

    def migrate(self) -> tuple[int, int]:
        """Create or update the tables (:func:`store.pg_schema.apply_migrations`); (before, after)."""
        with self._lock:
            connection = self.connect(check_version=False)
            try:
                return apply_migrations(connection)
            except psycopg.Error as error:
                raise DatabaseUnavailable(
                    f"{self.name}: the tables were not changed: {_first_line(error)}"
                ) from None

    @contextlib.contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """Database errors as the store's own clear messages."""
        try:
            yield
        except pg_errors.LockNotAvailable:
            raise StoreBusy(self.where, self.lock_timeout) from None
        except pg_errors.InsufficientPrivilege:
            raise ReadOnlyStore(self.where) from None
        except psycopg.OperationalError as error:
            self._drop_connection()
            unsaved = "; nothing was saved" if self._in_change or "sav" in doing else ""
            self._in_change = False
            raise DatabaseUnavailable(
                f"{self.name}: lost the connection while {doing}: {_first_line(error)}{unsaved}"
            ) from None
        except psycopg.Error as error:
            raise SaveFailed(self.where, _first_line(error)) from None

    def _drop_connection(self) -> None:
        with contextlib.suppress(Exception):
            if self._connection is not None:
                self._connection.close()
        self._connection = None

    # Reading ---------------------------------------------------------------------------

    @property
    def read_only(self) -> bool:
        """Whether this role may not change the plans (a board member's read-only role)."""
        if self._read_only is None:
            with self._lock, self._errors("checking its rights"):
                row = (
                    self.connect()
                    .execute(
                        "SELECT has_table_privilege('ipt_documents', 'INSERT, UPDATE, DELETE')"
                        " AND has_table_privilege('ipt_meta', 'UPDATE')"
                    )
                    .fetchone()
                )
                self._read_only = not (row and row[0])
        return self._read_only

    def _read(self, doing: str, read: Callable[[psycopg.Connection[Any]], T]) -> T:
        """``read(connection)``, once more on a new connection if the first was lost (a server
        restart, a dropped network): a read outside a change has nothing to lose by trying again."""
        with self._lock:
            if not self._in_change:
                try:
                    return read(self.connect())
                except psycopg.OperationalError:
                    self._drop_connection()
                except psycopg.Error:
                    pass  # tried again below, which turns it into a message
            with self._errors(doing):
                return read(self.connect())

    def head(self) -> str | None:
        row = self._read("reading", lambda db: db.execute("SELECT commit_token FROM ipt_meta").fetchone())
        return None if row is None or row[0] is None else str(row[0])

    def forget(self) -> None:
        self._cache, self._cache_token = None, None

    def load(self) -> Data:
        fresh = self._read("reading", self._read_all)
        if fresh is None:
            assert self._cache is not None
            return self._cache
        meta_row, token, rows = fresh
        data: Data = {}
        if token is not None or rows:
            data["meta"] = {"1": dict(meta_row[1]) if meta_row else {}}
        for doc_id, table, document in rows:
            data.setdefault(table, {})[str(doc_id)] = document
        self.parses += 1
        self._cache, self._cache_token = data, token
        return data

    def _read_all(self, connection: psycopg.Connection[Any]) -> tuple[Any, str | None, list[Any]] | None:
        """(meta row, token, every document row) in one snapshot; None when the cache is current."""
        if not self._in_change:
            connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            meta_row = connection.execute("SELECT commit_token, meta FROM ipt_meta").fetchone()
            token = None if meta_row is None else meta_row[0]
            if self._cache is not None and token is not None and token == self._cache_token:
                return None
            rows = connection.execute(
                "SELECT doc_id, table_name, document FROM ipt_documents ORDER BY doc_id"
            ).fetchall()
        finally:
            if not self._in_change and not connection.closed:
                connection.execute("COMMIT")
        return meta_row, token, rows

    def audit(
        self,
        *,
        revision: int,
        token: str | None,
        plan_id: str | None = None,
        entity: str | None = None,
        key: str | None = None,
    ) -> list[AuditEntry]:
        from store.models import AuditEntry

        where = "(revision < %s OR (revision = %s AND (%s::text IS NULL OR commit_token = %s)))"
        params: list[Any] = [revision, revision, token, token]
        for column, value in (("plan_id", plan_id), ("entity", entity), ("key", key)):
            if value is not None:
                where += f" AND {column} = %s"
                params.append(value)
        rows = self._read(
            "reading the audit trail",
            lambda db: db.execute(
                f"SELECT entry FROM ipt_audit WHERE {where} ORDER BY seq", params
            ).fetchall(),
        )
        return [AuditEntry.model_validate(row[0]) for row in rows]

    def snapshots(self, *, visible: Callable[[SnapshotHeader], bool] | None = None) -> SnapshotStore:
        """In the database's ``ipt_snapshot_files``, one row per snapshot, never changed."""
        from store.snapshots import SnapshotStore

        return SnapshotStore(None, visible=visible, shelf=DatabaseShelf(self))

    # Changing --------------------------------------------------------------------------

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """A transaction holding the row lock on ``ipt_meta`` that every writer takes first."""
        if self.read_only:
            raise ReadOnlyStore(self.where)
        with self._lock:
            with self._errors("waiting for another ipt to save"):
                connection = self._connect_to_save()
                try:
                    connection.execute("BEGIN")
                except psycopg.OperationalError:  # lost since its last use: nothing begun, connect again
                    self._drop_connection()
                    connection = self._connect_to_save()
                    connection.execute("BEGIN")
                self._in_change = True
                try:
                    connection.execute(
                        "SELECT set_config('lock_timeout', %s, true)", (f"{int(self.lock_timeout * 1000)}ms",)
                    )
                    # A change is acknowledged only once it is on disk: a server set not to wait
                    # for that (synchronous_commit = off) would lose it in a crash.
                    connection.execute(
                        "SELECT set_config('synchronous_commit', 'on', true)"
                        " WHERE current_setting('synchronous_commit') = 'off'"
                    )
                    connection.execute("SELECT revision FROM ipt_meta WHERE id = 1 FOR UPDATE")
                except BaseException:
                    self._end("ROLLBACK")
                    raise
            try:
                yield
            finally:
                if self._in_change:
                    self._end("ROLLBACK")

    def _connect_to_save(self) -> psycopg.Connection[Any]:
        """:meth:`connect` for a change about to begin: if the database cannot be reached (the
        server is down or restarting), the message says plainly that nothing was saved."""
        try:
            return self.connect()
        except DatabaseUnavailable as error:
            raise DatabaseUnavailable(f"{error}; nothing was saved") from None

    def _end(self, statement: str) -> None:
        self._in_change = False
        connection = self._connection
        if connection is not None and not connection.closed:
            with contextlib.suppress(psycopg.Error):
                connection.execute(statement)

    def begin(self) -> PgDocuments:
        if not self._in_change:
            raise RuntimeError("begin() needs the lock: call it inside locked()")
        self._documents = PgDocuments(self.connect(), self._errors)
        self._begun_on = self._cache_token if self._cache is not None else None
        return self._documents

    def rollback(self) -> None:
        if self._in_change:
            self._end("ROLLBACK")
        self._documents = None
        self.forget()

    def commit(self, audit: Sequence[AuditEntry], meta: Mapping[str, Any]) -> None:
        """Add the audit rows, move the revision and ``COMMIT``: all of it or none."""
        if not self._in_change:
            raise RuntimeError("commit() needs the lock: call it inside locked()")
        token, revision = str(meta["commit"]), int(meta["revision"])
        connection = self.connect()
        try:
            rows = [
                (
                    entry.revision
                    or revision,  # a copied store's entries keep the revisions they were made at
                    token,
                    entry.plan_id,
                    entry.entity,
                    entry.key,
                    _json({**entry.model_dump(mode="json"), "revision": entry.revision or revision}),
                )
                for entry in audit
            ]
            with self._errors("saving"):
                if rows:
                    with connection.cursor() as cursor:
                        cursor.executemany(
                            "INSERT INTO ipt_audit (revision, commit_token, plan_id, entity, key, entry)"
                            " VALUES (%s, %s, %s, %s, %s, %s::jsonb)",
                            rows,
                        )
                self._mark_revision(connection, revision)
                connection.execute(
                    "UPDATE ipt_meta SET revision = %s, commit_token = %s, meta = %s::jsonb WHERE id = 1",
                    (revision, token, _json(dict(meta))),
                )
                # Sent to every listening tracker when (and only if) the change commits.
                connection.execute("SELECT pg_notify(ipt_channel(), %s)", (token,))
            self._in_change = False
            try:
                connection.execute("COMMIT")
            except psycopg.OperationalError as error:
                self._drop_connection()
                self._settle_lost_commit(token, error)
        except BaseException:
            self.rollback()
            raise
        self._keep_cache(token, meta)
        self.writes += 1

    def watch(self, changed: Callable[[], None]) -> Callable[[], None]:
        """``LISTEN`` on a connection of its own in a daemon thread; ``changed()`` is called for
        every change another process commits (and once after a lost connection is made again,
        as changes may have been missed meanwhile). Returns what stops it."""
        stop = threading.Event()

        def listen() -> None:
            lost = False
            while not stop.is_set():
                try:
                    with psycopg.connect(
                        self.url, autocommit=True, connect_timeout=CONNECT_SECONDS,
                        fallback_application_name="ipt",
                    ) as connection:  # fmt: skip
                        channel = connection.execute("SELECT ipt_channel()").fetchone()
                        connection.execute(
                            sql.SQL("LISTEN {}").format(sql.Identifier(str(channel and channel[0])))
                        )
                        if lost:
                            changed()
                        while not stop.is_set():
                            for _ in connection.notifies(timeout=0.25):
                                changed()
                except psycopg.Error:
                    lost = True
                    stop.wait(1.0)

        thread = threading.Thread(target=listen, name="ipt-listen", daemon=True)
        thread.start()

        def stop_watching() -> None:
            stop.set()
            thread.join(timeout=2)

        return stop_watching

    def _mark_revision(self, connection: psycopg.Connection[Any], revision: int) -> None:
        """Stamp the rows this change wrote with its revision, and note the rows it removed."""
        documents = self._documents
        if documents is None:
            return
        kept = sorted({doc_id for _, doc_id, document in documents.written if document is not None})
        if kept:
            connection.execute(
                "UPDATE ipt_documents SET revision = %s WHERE doc_id = ANY(%s)", (revision, kept)
            )
        if documents.removed:
            with connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO ipt_removed (revision, doc_id, table_name, plan_id, key)"
                    " VALUES (%s, %s, %s, %s, %s)",
                    [(revision, *row) for row in documents.removed],
                )

    def changes(self, revision: int, token: str | None) -> Changes | None:
        """What other processes changed since this store was at ``revision``/``token``: the
        documents written and removed since, read in one snapshot (and applied to the cached
        copy). None where that cannot be told (nothing read yet, or that revision is not this
        store's history): then :meth:`load` everything."""
        if token is None or revision < 1:
            return None

        def read(connection: psycopg.Connection[Any]) -> Changes | None:
            if not self._in_change:
                connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                meta_row = connection.execute("SELECT revision, commit_token, meta FROM ipt_meta").fetchone()
                if meta_row is None or meta_row[1] is None:
                    return None
                if meta_row[0] == revision and meta_row[1] == token:
                    return Changes(revision, token, dict(meta_row[2]), [], [])
                known = connection.execute(
                    "SELECT 1 FROM ipt_audit WHERE revision = %s AND commit_token = %s LIMIT 1",
                    (revision, token),
                ).fetchone()
                if known is None or meta_row[0] < revision:
                    return None
                written = connection.execute(
                    "SELECT doc_id, table_name, document FROM ipt_documents WHERE revision > %s"
                    " ORDER BY doc_id",
                    (revision,),
                ).fetchall()
                removed = connection.execute(
                    "SELECT doc_id, table_name, plan_id, key FROM ipt_removed WHERE revision > %s",
                    (revision,),
                ).fetchall()
            finally:
                if not self._in_change and not connection.closed:
                    connection.execute("COMMIT")
            return Changes(int(meta_row[0]), str(meta_row[1]), dict(meta_row[2]), written, removed)

        found = self._read("reading", read)
        if found is not None:
            self._apply_to_cache(found, revision, token)
        return found

    def _apply_to_cache(self, found: Changes, revision: int, token: str) -> None:
        """Bring the cached copy, if it is of ``revision``/``token``, up to ``found``'s revision."""
        cache = self._cache
        meta = (cache or {}).get("meta", {}).get("1", {})
        if cache is None or self._cache_token != token or meta.get("revision") != revision:
            self.forget()
            return
        for doc_id, table, _, _ in found.removed:
            cache.get(table, {}).pop(str(doc_id), None)
        for doc_id, table, document in found.written:
            cache.setdefault(table, {})[str(doc_id)] = document
        cache["meta"] = {"1": found.meta}
        self._cache_token = found.token

    def _settle_lost_commit(self, token: str, error: BaseException) -> None:
        """The connection died during ``COMMIT``: ask the database, on a new connection, whether
        the change landed. Returns if it did; otherwise says plainly that nothing was saved."""
        try:
            row = self.connect().execute("SELECT commit_token FROM ipt_meta").fetchone()
        except (psycopg.Error, StoreError):
            raise DatabaseUnavailable(
                f"{self.name}: the connection was lost while saving ({_first_line(error)}) and the "
                "database cannot be reached to tell whether the change was saved; look again once it is back"
            ) from None
        if row is None or row[0] != token:
            raise SaveFailed(self.where, f"the connection was lost while saving ({_first_line(error)})")

    def _keep_cache(self, token: str, meta: Mapping[str, Any]) -> None:
        """Apply the committed change to the cached copy, so the next change reads no rows
        again: an edit costs its own rows, whatever the plan's size."""
        documents, self._documents = self._documents, None
        cache = self._cache
        if cache is None or documents is None or self._begun_on != self._cache_token:
            self.forget()
            return
        for table, doc_id, document in documents.written:
            rows = cache.setdefault(table, {})
            if document is None:
                rows.pop(str(doc_id), None)
            else:
                rows[str(doc_id)] = document
        cache["meta"] = {"1": dict(meta)}
        self._cache_token = token


class DatabaseShelf:
    """Where a database store's snapshots live: rows of ``ipt_snapshot_files`` (see
    :class:`store.snapshots.SnapshotStore`), written under an advisory lock in one transaction
    on a connection of their own, so taking one never waits for, or joins, a change."""

    folder: Path | None = None

    def __init__(self, storage: PostgresStorage) -> None:
        self._storage = storage
        self._own = PostgresStorage(storage.url, lock_timeout=storage.lock_timeout)
        self._lock = threading.RLock()

    def where(self, name: str) -> Path:
        return Path(self._storage.name) / name

    def _db(self) -> psycopg.Connection[Any]:
        return self._own.connect()

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        if self._storage.read_only:
            raise ReadOnlyStore(self._storage.where)
        with self._lock:
            with self._own._errors("taking a snapshot"):
                connection = self._own._connect_to_save()
                try:
                    connection.execute("BEGIN")
                except psycopg.OperationalError:  # lost since its last use (a restart): connect again
                    self._own._drop_connection()
                    connection = self._own._connect_to_save()
                    connection.execute("BEGIN")
                connection.execute(
                    "SELECT set_config('lock_timeout', %s, true)",
                    (f"{int(self._own.lock_timeout * 1000)}ms",),
                )
                # Acknowledged only once on disk, as a change is (see PostgresStorage.locked).
                connection.execute(
                    "SELECT set_config('synchronous_commit', 'on', true)"
                    " WHERE current_setting('synchronous_commit') = 'off'"
                )
                connection.execute(
                    "SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.ipt_snapshots'))"
                )
            try:
                yield
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            with self._own._errors("saving a snapshot"):
                connection.execute("COMMIT")

    def names(self) -> list[str]:
        with self._lock, self._own._errors("listing the snapshots"):
            return [row[0] for row in self._db().execute("SELECT name FROM ipt_snapshot_files").fetchall()]

    def exists(self) -> bool:
        return bool(self.names())

    def read(self, name: str, what: str) -> bytes:
        with self._lock, self._own._errors(f"reading the {what}"):
            row = (
                self._db()
                .execute("SELECT payload FROM ipt_snapshot_files WHERE name = %s", (name,))
                .fetchone()
            )
        if row is None:
            raise FileNotFoundError(name)
        return bytes(row[0])

    def refuse_links(self, names: dict[str, str]) -> None:
        """Nothing in a database is a link."""

    def write(self, name: str, payload: bytes, what: str) -> None:
        with self._lock, self._own._errors(f"saving the {what}"):
            self._db().execute(
                "INSERT INTO ipt_snapshot_files (name, payload) VALUES (%s, %s) "
                "ON CONFLICT (name) DO UPDATE SET payload = EXCLUDED.payload",
                (name, payload),
            )


_CONNECT_FAILURES = (
    (("no such file or directory", "connection refused"),
     "the server is not running or not taking connections (it may be restarting)"),
    (("timeout expired",), f"the server did not answer within {CONNECT_SECONDS} s"),
    (("password authentication failed", "no password supplied", "authentication failed"),
     "the server refused the login: check the user, and the password in ~/.pgpass or the "
     "service file (ipt never takes one on the command line)"),
    (("does not exist",), "the server has no such database or user"),
    (("could not translate host name", "name or service not known"), "the server's name is not known here"),
)  # fmt: skip
"""Words in libpq's message, and what they mean to the person reading it."""


def _why_not_connected(error: BaseException) -> str:
    """Why a connection failed, in plain words first, then libpq's own first line for whoever
    looks after the server."""
    detail = _first_line(error)
    lowered = detail.lower()
    for words, meaning in _CONNECT_FAILURES:
        if any(word in lowered for word in words):
            return f"{meaning} ({detail})"
    return detail


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
