"""A TinyDB storage that never leaves a broken file and writes once per transaction.

TinyDB's own ``JSONStorage`` rewrites the file in place, so a kill mid-write leaves a
truncated store. :class:`AtomicJSONStorage` writes a temporary file in the same folder,
fsyncs it and ``os.replace``-s it over the original, then fsyncs the folder. Between
:meth:`begin` and :meth:`commit` it holds TinyDB's writes in memory, so a change that
touches several tables lands as one file write or not at all.

The parsed data is cached and reused while the commit token at the head of the file is
unchanged, so an edit at 10,000 actions does not re-parse the store.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage

from store.backend import Data as Data
from store.backend import select_documents
from store.errors import ReadOnlyStore, SaveFailed, StoreBusy, StoreUnreadable
from store.schema import SCHEMA_VERSION as SCHEMA_VERSION

if TYPE_CHECKING:
    from collections.abc import Callable

    from store.backend import Changes
    from store.journal import AuditJournal
    from store.models import AuditEntry
    from store.snapshots import SnapshotHeader, SnapshotStore

TEMP_MARKER = ".tmp-"


def default_store_path() -> Path:
    """``$IPT_DB`` if set, else ``plans.json`` in the user's data folder."""
    override = os.environ.get("IPT_DB")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("ipt", appauthor=False)) / "plans.json"


def temp_prefix(path: Path) -> str:
    """Name prefix of the temporary files a save of ``path`` creates beside it."""
    return f".{path.name}{TEMP_MARKER}"


def fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomically(path: Path, payload: bytes, *, what: str = "file") -> None:
    """Replace ``path`` with ``payload`` so that a crash leaves the old or the new file.

    The temporary file is created owner-only (0600), never through a link. On any failure
    it is removed and :class:`SaveFailed` is raised; the original file is untouched. A
    ``path`` that is a symbolic link is refused (:class:`~store.errors.SymlinkRefused`,
    naming it as ``what``): the rename would silently put a plain file in the link's place.
    """
    from store.errors import StoreError
    from store.safe_files import create_new_file, refuse_symlink, replace_file, write_all

    refuse_symlink(path, what)
    temp = path.with_name(f"{temp_prefix(path)}{os.getpid()}-{secrets.token_hex(4)}")
    try:
        fd = create_new_file(temp, what="temporary file")
        try:
            write_all(fd, payload)
            os.fsync(fd)
        finally:
            os.close(fd)
        replace_file(temp, path, what=what)
    except StoreError:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    except OSError as error:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise SaveFailed(path, error.strerror or str(error)) from error
    fsync_folder(path.parent)


def backup_path(path: Path) -> Path:
    """Where the previous good version of a store is kept: ``plans.json.bak``."""
    return path.with_name(path.name + ".bak")


def keep_backup(path: Path) -> None:
    """Keep the current store as the backup before it is replaced.

    A hard link costs no copying, so every save keeps the previous version at no cost to
    the edit. Where the file system has no hard links, no backup is kept.
    """
    from store.errors import StoreError
    from store.safe_files import refuse_symlink

    # A link would be linked itself (os.link does not follow it), and the backup renamed
    # over a link would take the place of whatever the user linked to: refuse both.
    refuse_symlink(path, "store file")
    refuse_symlink(backup_path(path), "backup")
    if not path.exists():
        return
    temp = path.with_name(f"{temp_prefix(path)}bak-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        os.link(path, temp)
        refuse_symlink(backup_path(path), "backup")
        os.replace(temp, backup_path(path))
    except OSError:
        pass
    except StoreError:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    # Renaming a link onto another link of the same file does nothing (the store and its
    # backup are one file after a save killed at this point), so the link may still be here.
    with contextlib.suppress(OSError):
        temp.unlink()


def remove_stray_temp_files(path: Path) -> list[Path]:
    """Delete temporary files left by a save that was killed; call with the lock held."""
    removed = []
    prefix = temp_prefix(path)
    with contextlib.suppress(OSError):
        for candidate in path.parent.iterdir():
            if candidate.name.startswith(prefix):
                with contextlib.suppress(OSError):
                    candidate.unlink()
                    removed.append(candidate)
    return removed


def parse_store_bytes(path: Path, raw: bytes) -> Data:
    """Parse the store file, refusing anything that is not TinyDB's table layout."""
    if not raw.strip():
        raise StoreUnreadable(path, "the file is empty")
    if raw.startswith(b"\xef\xbb\xbf"):
        raise StoreUnreadable(path, "the file starts with a byte-order mark; it was not written by ipt")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise StoreUnreadable(path, f"it is not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise StoreUnreadable(path, f"the top level is a JSON {type(data).__name__}, not an object of tables")
    for table_name, table in data.items():
        if not isinstance(table, dict):
            raise StoreUnreadable(path, f"table {table_name!r} is not an object of documents")
        for doc_id, document in table.items():
            if not isinstance(document, dict):
                raise StoreUnreadable(path, f"document {doc_id} of table {table_name!r} is not an object")
    return data


_HEADER = re.compile(rb'^\{"meta":\{"1":\{[^{}]*"commit":"([0-9a-f]{16})"')


def read_commit_token(path: Path) -> bytes | None:
    """The commit token stamped at the head of the file, or None if it has none (or cannot be
    read: a full read says why). Never blocks: anything but a regular file has no token."""
    from store.errors import StoreError
    from store.safe_files import open_regular_file

    try:
        fd, _ = open_regular_file(path, what="store")
    except (OSError, StoreError):
        return None
    try:
        head = os.read(fd, 512)
    except OSError:
        return None
    finally:
        os.close(fd)
    match = _HEADER.match(head)
    return match.group(1) if match else None


class BatchingStorage(Storage):
    """A TinyDB storage that holds TinyDB's writes between :meth:`begin` and :meth:`commit`,
    so a change that touches several tables is stored once, or (on :meth:`rollback`) not at all.

    Every commit stamps a random token into the ``meta`` table, which is written first, so
    a reader can tell whether anyone has saved since it last read. Subclasses say where the
    committed data lives: :meth:`load` it and :meth:`store` it."""

    def __init__(self) -> None:
        self._cache: Data | None = None
        self._pending: Data | None = None
        self._batching = False
        self.writes = 0
        """Changes stored so far (for tests and benchmarks)."""
        self.parses = 0
        """Times the whole store was parsed (for tests and benchmarks)."""

    def load(self) -> Data:
        """The committed data."""
        raise NotImplementedError

    def store(self, ordered: Data, token: str) -> None:
        """Keep ``ordered`` as the committed data, whole, or raise and keep the old."""
        raise NotImplementedError

    def forget(self) -> None:
        """Drop what is cached, so the next read comes from where the data lives."""

    # TinyDB's interface -------------------------------------------------------------

    def read(self) -> Data | None:
        if self._pending is not None:
            return self._pending
        data = self.load()
        if self._batching:
            self._pending = self._working_copy(data)
            return self._pending
        return data or None

    def _working_copy(self, data: Data) -> Data:
        """What TinyDB may change in place during a change (the file store drops its cache
        on a rollback instead of copying)."""
        return data

    def write(self, data: Data) -> None:
        if not self._batching:
            raise RuntimeError("the store is written only inside a repository transaction")
        self._pending = data

    def close(self) -> None:
        self.forget()

    # Transactions -------------------------------------------------------------------

    def begin(self) -> None:
        self._batching = True
        self._pending = None

    def rollback(self) -> None:
        self._batching = False
        self._pending = None
        self.forget()

    def commit(self, meta: dict[str, Any]) -> None:
        """Store the pending data with ``meta`` first, as one replacement."""
        pending, self._pending, self._batching = self._pending, None, False
        if pending is None:
            pending = self.load()
        token = str(meta.get("commit") or secrets.token_hex(8))
        ordered: Data = {"meta": {"1": {**meta, "commit": token}}}
        ordered.update((name, table) for name, table in pending.items() if name != "meta")
        try:
            self.store(ordered, token)
        except BaseException:
            self.forget()
            raise
        self._cache = ordered
        self.writes += 1


class AtomicJSONStorage(BatchingStorage):
    """TinyDB storage over one JSON file, written atomically once per transaction.

    The parsed data is kept while the commit token at the head of the file is unchanged,
    so an edit at 10,000 actions does not re-parse the store."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self._token: bytes | None = None

    def load(self) -> Data:
        """The committed data, re-read from disk only when another process replaced it."""
        token = read_commit_token(self.path)
        if self._cache is not None and token is not None and token == self._token:
            return self._cache
        from store.safe_files import MAX_STORE_BYTES, read_regular_file

        try:
            raw = read_regular_file(self.path, limit=MAX_STORE_BYTES, what="store")
        except FileNotFoundError:
            self._cache, self._token = {}, None
            return self._cache
        except OSError as error:
            raise StoreUnreadable(self.path, error.strerror or str(error)) from None
        self._cache = parse_store_bytes(self.path, raw)
        header = _HEADER.match(raw[:512])
        self._token = header.group(1) if header else None
        self.parses += 1
        return self._cache

    def forget(self) -> None:
        self._cache, self._token = None, None

    def store(self, ordered: Data, token: str) -> None:
        payload = orjson.dumps(ordered)
        keep_backup(self.path)
        write_atomically(self.path, payload)
        self._token = token.encode()


class MemoryJSONStorage(BatchingStorage):
    """The same storage in memory: no file, the same rules (what a file could not hold is refused)."""

    def load(self) -> Data:
        if self._cache is None:
            self._cache = {}
        return self._cache

    def _working_copy(self, data: Data) -> Data:
        # Memory has no file to fall back on after a rollback, so a change works on a copy.
        return orjson.loads(orjson.dumps(data))  # type: ignore[no-any-return]

    def store(self, ordered: Data, token: str) -> None:
        orjson.dumps(ordered)


# The two backends behind store.backend.Storage ------------------------------------------------


class TinyDocuments:
    """:class:`store.backend.Documents` over a TinyDB whose storage is batching a change.

    Lookups scan the raw documents (no TinyDB ``Document`` objects, fast at 10,000 actions);
    inserts and deletes go through TinyDB's tables, which number the documents."""

    def __init__(self, storage: BatchingStorage) -> None:
        self._storage = storage
        self._db = TinyDB(storage=lambda: storage)
        self._found: dict[tuple[str, str | None, str, Any], str] = {}
        """Where :meth:`find` found a document, so replacing it needs no second scan."""

    def _data(self) -> Data:
        return self._storage.read() or {}

    def find(self, table: str, plan_id: str | None, key_field: str, key: Any) -> dict[str, Any] | None:
        for doc_id, document in select_documents(self._data(), table, plan_id):
            if document.get(key_field) == key:
                self._found[(table, plan_id, key_field, key)] = doc_id
                return dict(document)
        return None

    def select(self, table: str, plan_id: str | None) -> list[dict[str, Any]]:
        return [dict(document) for _, document in select_documents(self._data(), table, plan_id)]

    def keys(self, table: str, plan_id: str | None, key_field: str) -> list[Any]:
        return [document.get(key_field) for _, document in select_documents(self._data(), table, plan_id)]

    def present(self, table: str, plan_id: str | None, key_field: str, keys: Iterable[Any]) -> set[Any]:
        wanted = set(keys)
        if not wanted:
            return set()
        return wanted & set(self.keys(table, plan_id, key_field))

    def insert(self, table: str, documents: Iterable[dict[str, Any]]) -> None:
        batch = list(documents)
        if batch:
            self._db.table(table).insert_multiple(batch)

    def replace(
        self, table: str, plan_id: str | None, key_field: str, new: Mapping[Any, dict[str, Any]]
    ) -> None:
        if not new:
            return
        data = self._data()
        documents = data.setdefault(table, {})
        left = dict(new)
        for key in new:
            doc_id = self._found.get((table, plan_id, key_field, key))
            if doc_id is not None and documents.get(doc_id, {}).get(key_field) == key:
                documents[doc_id] = dict(left.pop(key))
        if left:
            for doc_id, document in list(select_documents(data, table, plan_id)):
                key = document.get(key_field)
                if key in left:
                    documents[doc_id] = dict(left[key])
        self._storage.write(data)

    def delete(self, table: str, plan_id: str | None, key_field: str | None = None, key: Any = None) -> None:
        doc_ids = [
            int(doc_id)
            for doc_id, document in select_documents(self._data(), table, plan_id)
            if key_field is None or document.get(key_field) == key
        ]
        if doc_ids:
            self._db.table(table).remove(doc_ids=doc_ids)
            self._found.clear()


class _JournalledStorage:
    """What both backends below share: a batching TinyDB storage and an audit journal."""

    file: BatchingStorage

    @property
    def journal(self) -> AuditJournal:
        raise NotImplementedError

    @property
    def writes(self) -> int:
        """Changes committed so far (for tests and benchmarks)."""
        return self.file.writes

    @property
    def parses(self) -> int:
        """Times the whole store was parsed (for tests and benchmarks)."""
        return self.file.parses

    def load(self) -> Data:
        return self.file.load()

    def forget(self) -> None:
        self.file.forget()

    def begin(self) -> TinyDocuments:
        self.file.begin()
        return TinyDocuments(self.file)

    def rollback(self) -> None:
        self.file.rollback()

    def commit(self, audit: Sequence[AuditEntry], meta: Mapping[str, Any]) -> None:
        """Append the audit lines first, then store the documents.

        A failure in either stores nothing; a kill between the two leaves journal lines whose
        token never became the store's, which readers ignore (see :mod:`store.journal`)."""
        try:
            self.journal.append(audit, revision=int(meta["revision"]), token=str(meta["commit"]))
            self.file.commit(dict(meta))
        except BaseException:
            self.file.rollback()
            raise

    def watch(self, changed: Callable[[], None]) -> Callable[[], None] | None:
        """A file or memory cannot tell anyone it changed: the tracker polls :meth:`head`."""
        return None

    def changes(self, revision: int, token: str | None) -> Changes | None:
        """A file is read whole when anyone else saved (its cache spares the parse otherwise)."""
        return None

    def audit(
        self,
        *,
        revision: int,
        token: str | None,
        plan_id: str | None = None,
        entity: str | None = None,
        key: str | None = None,
    ) -> list[AuditEntry]:
        return self.journal.entries(revision=revision, token=token, plan_id=plan_id, entity=entity, key=key)


class FileStorage(_JournalledStorage):
    """The embedded backend: one JSON file written atomically, its journal, lock and backup beside it.

    Made cheaply (nothing but the path is touched until it is used), so the tracker can
    read the file for its first frame before the lock and the journal are loaded."""

    def __init__(
        self, path: Path, *, lock_timeout: float = 10.0, parsed: AtomicJSONStorage | None = None
    ) -> None:
        """``parsed``: a storage that already holds the parsed file (see :mod:`store.first_look`)."""
        if parsed is not None and parsed.path != path:
            raise ValueError(f"the storage reads {parsed.path}, not {path}")
        self.path = path
        self.lock_timeout = lock_timeout
        self.file = parsed if parsed is not None else AtomicJSONStorage(path)
        self._lock: Any = None
        self._lock_pid = 0
        self._journal: AuditJournal | None = None

    @property
    def location(self) -> Path:
        return self.path

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    @property
    def journal(self) -> AuditJournal:
        if self._journal is None:
            from store.journal import AuditJournal, journal_path

            self._journal = AuditJournal(journal_path(self.path))
        return self._journal

    @property
    def read_only(self) -> bool:
        """A save needs to write the file *and* its folder (the temporary file, the lock, the
        journal and the backup live beside it)."""
        if self.path.exists() and not os.access(self.path, os.W_OK):
            return True
        folder = self.path.parent
        return folder.exists() and not os.access(folder, os.W_OK)

    def head(self) -> str | None:
        token = read_commit_token(self.path)
        return token.decode() if token else None

    def snapshots(self, *, visible: Callable[[SnapshotHeader], bool] | None = None) -> SnapshotStore:
        """In ``<store>.snapshots/`` beside the file, one file each."""
        from store.snapshots import SnapshotStore

        return SnapshotStore(self.path, lock_timeout=self.lock_timeout, visible=visible)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        import filelock

        from store.safe_files import make_private_folder, refuse_symlink

        if self.read_only:
            raise ReadOnlyStore(self.path)
        try:
            make_private_folder(self.path.parent, what="store's folder", allow_link=True)
        except PermissionError:
            raise ReadOnlyStore(self.path) from None
        refuse_symlink(self.lock_path, "lock file")
        if self._lock is None or self._lock_pid != os.getpid():
            # A lock held by a parent process cannot cross a fork: a child takes its own.
            self._lock = filelock.FileLock(str(self.lock_path), timeout=self.lock_timeout, mode=0o600)
            self._lock_pid = os.getpid()
        try:
            self._lock.acquire()
        except filelock.Timeout:
            raise StoreBusy(self.path, self.lock_timeout) from None
        except PermissionError:
            raise ReadOnlyStore(self.path) from None
        try:
            remove_stray_temp_files(self.path)
            yield
        finally:
            self._lock.release()


class MemoryStorage(_JournalledStorage):
    """The same store held in memory: for tests (every store test runs on both) and previews.

    A commit refuses what a file could not hold, as the file store does."""

    location = None
    read_only = False

    def __init__(self) -> None:
        from store.journal import MemoryJournal

        self.file = MemoryJSONStorage()
        self._journal = MemoryJournal()
        self._lock = threading.Lock()

    @property
    def journal(self) -> AuditJournal:
        return self._journal

    def head(self) -> str | None:
        token = self.file.load().get("meta", {}).get("1", {}).get("commit")
        return str(token) if token else None

    def snapshots(self, *, visible: Callable[[SnapshotHeader], bool] | None = None) -> SnapshotStore:
        from store.snapshots import SnapshotStore

        return SnapshotStore(None, visible=visible)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        with self._lock:
            yield
