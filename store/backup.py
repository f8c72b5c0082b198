"""The backup of a store, and putting it back (``ipt restore-backup``).

Every save keeps the previous version of the store as ``plans.json.bak`` (see
:func:`store.storage.keep_backup`). Restoring it never passes through a moment with no
valid store. Under the store's lock:

1. the backup is read and validated whole; its bytes are the ones written later;
2. the current store is kept under a new name beside it (``plans.json.damaged-<time>``, or
   ``plans.json.undone-<time>`` for a healthy store restored with ``force``): a hard link,
   or an fsynced copy where the file system has no hard links. The store itself is not moved;
3. the store is replaced atomically with the backup's bytes (:func:`write_atomically`);
4. the audit lines the restored store never had (those of the undone saves, and any left by
   killed saves) are moved from the journal to ``plans.json.audit-undone.jsonl``.

A kill at any moment leaves the old store or the restored one. Readers already ignore the
lines of step 4 (their revision is newer than the store's); moving them aside means that a
later save at the same revision that writes no audit line cannot bring them back to life.
If a restore is killed before step 4, running it again finishes that step.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import filelock
import orjson

from store.errors import DamagedStore, NewerSchema, StoreBusy, StoreError, StoreInvalid, StoreUnreadable
from store.journal import AuditJournal, journal_path
from store.models import AuditEntry
from store.safe_files import (
    MAX_STORE_BYTES,
    open_for_append_nofollow,
    read_regular_file,
    write_all,
)
from store.storage import (
    Data,
    backup_path,
    fsync_folder,
    parse_store_bytes,
    remove_stray_temp_files,
    write_atomically,
)

LOCK_TIMEOUT = 10.0
"""Seconds a restore waits for another ipt's save to finish, as saves do."""


class BackupUnusable(StoreError):
    """There is no backup, or it is not a valid store: nothing was changed."""

    def __init__(self, path: Path, backup: Path, why: str) -> None:
        super().__init__(
            f"{backup}: there is no usable backup to restore: {why}. Nothing was changed; "
            f"{path} has been left as it was."
        )
        self.backup = backup
        self.why = why


class RestoreRefused(StoreError):
    """The store is not damaged: restoring would undo saves, which needs ``force``."""


@dataclass(frozen=True)
class Version:
    """One saved state of a store: its revision and commit token."""

    revision: int
    commit: str | None

    @property
    def label(self) -> str:
        return f"revision {self.revision}" + (f" (commit {self.commit})" if self.commit else "")


@dataclass(frozen=True)
class Restored:
    """What a restore did."""

    path: Path
    revision: int
    """The store's revision now (the backup's)."""
    kept: Path | None
    """Where the file that was the store is kept; None if there was no store or nothing changed."""
    damaged: bool
    """Whether the store replaced was damaged (False: healthy and restored with ``force``)."""
    undone: Version | None
    """The healthy state that was undone (with ``force``), else None."""
    changed: bool
    """False when the store already held exactly the backup: nothing was replaced."""


def undone_journal_path(path: Path) -> Path:
    """Where restores put the audit lines of the saves they undid: ``plans.json.audit-undone.jsonl``."""
    return path.with_name(path.name + ".audit-undone.jsonl")


def _version(data: Data) -> Version:
    meta = data.get("meta", {}).get("1", {})
    commit = meta.get("commit")
    return Version(int(meta.get("revision", 0)), str(commit) if commit else None)


def _validated(path: Path, raw: bytes) -> Data:
    """Parse and validate a whole store's bytes; raise the store's own errors."""
    from store.repository import Repository  # store.repository imports this module

    data = parse_store_bytes(path, raw)
    Repository(None)._validate_all(data)
    return data


def _read_backup(path: Path) -> tuple[bytes, Data]:
    backup = backup_path(path)
    try:
        raw = read_regular_file(backup, limit=MAX_STORE_BYTES, what="backup")
    except FileNotFoundError:
        raise BackupUnusable(path, backup, "the file does not exist") from None
    except OSError as error:
        raise BackupUnusable(path, backup, error.strerror or str(error)) from None
    try:
        data = _validated(backup, raw)
    except StoreUnreadable as error:
        raise BackupUnusable(path, backup, f"it is not a valid store ({error.why})") from None
    except StoreInvalid as error:
        why = f"{len(error.problems)} problem(s), the first: {error.problems[0]}"
        raise BackupUnusable(path, backup, f"it breaks the plan's rules ({why})") from None
    except NewerSchema as error:
        raise BackupUnusable(path, backup, f"it was written by a newer ipt (schema {error.found})") from None
    if not data:
        raise BackupUnusable(path, backup, "it holds no store")
    return raw, data


def describe_backup(path: Path) -> str | None:
    """A sentence offering the previous good version of a damaged store, if it is usable."""
    backup = backup_path(path)
    try:
        _, data = _read_backup(path)
    except StoreError:
        return None
    return (
        f"The previous good version (revision {_version(data).revision}) is kept at {backup}; "
        f"`ipt --db {path} restore-backup` puts it back and keeps the damaged file beside it."
    )


def _saved_by(path: Path, version: Version) -> list[AuditEntry]:
    """The audit entries of the save that wrote ``version``, as the journal has them."""
    entries = AuditJournal(journal_path(path)).entries(revision=version.revision, token=version.commit)
    return [entry for entry in entries if entry.revision == version.revision]


def describe_undo(path: Path, current: Version, backup: Version) -> str:
    """Which save(s) restoring the backup over a healthy store would undo, in words."""
    entries = _saved_by(path, current)
    if entries:
        first = entries[0]
        changed: dict[str, list[str]] = {}
        for entry in entries:
            fields = changed.setdefault(f"{entry.entity} {entry.key}", [])
            if entry.field not in fields:
                fields.append(entry.field)
        listed = "; ".join(f"{what}: {', '.join(fields)}" for what, fields in list(changed.items())[:5])
        if len(changed) > 5:
            listed += f"; … and {len(changed) - 5} more"
        when = first.at.strftime("%Y-%m-%d %H:%M:%S UTC")
        saved = f"saved {when} by {first.by} ({listed})"
    else:
        saved = "the audit journal does not say when or by whom it was saved"
    if backup.revision == current.revision - 1:
        undo = "would undo that save"
    elif backup.revision < current.revision:
        undo = f"would undo revisions {backup.revision + 1} to {current.revision}, the last of them that save"
    else:
        undo = f"would replace it with revision {backup.revision}"
    return (
        f"{path} is not damaged: it holds {current.label}, {saved}. "
        f"Restoring the backup (revision {backup.revision}) {undo}. Nothing was changed. "
        f"To restore it anyway, run `ipt --db {path} restore-backup --force`; "
        "the current store is then kept beside it."
    )


def _keep(path: Path, current: bytes, name: str) -> Path:
    """Keep the store's current file under a new name beside it, without moving the store.

    A hard link where the file system has them, else a copy written and fsynced under a
    temporary name (removed by the next save if this is killed) and then renamed.
    """
    for attempt in itertools.count(1):
        kept = path.with_name(name if attempt == 1 else f"{name}-{attempt}")
        if kept.exists():
            continue
        try:
            os.link(path, kept)
        except FileExistsError:
            continue
        except OSError:
            _copy_durably(path, current, kept)
        fsync_folder(path.parent)
        return kept
    raise AssertionError("unreachable")  # pragma: no cover


def _copy_durably(path: Path, payload: bytes, target: Path) -> None:
    """Keep ``payload`` at ``target`` where no hard link can be made: written atomically."""
    try:
        write_atomically(target, payload, what="kept copy of the store")
    except StoreError as error:
        raise StoreError(
            f"{path}: could not keep the current store before restoring ({error}); nothing was changed."
        ) from error


def _undone_line(line: bytes, restored: Version) -> bool | None:
    """Whether a journal line belongs to a save the restored store does not have (None: unreadable)."""
    try:
        record: Any = orjson.loads(line)
        revision, token = int(record["revision"]), str(record["txn"])
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return None
    if revision > restored.revision:
        return True
    return revision == restored.revision and restored.commit is not None and token != restored.commit


def set_aside_undone_lines(path: Path, restored: Version) -> int:
    """Move the journal lines of saves newer than ``restored`` to the undone journal.

    Call with the lock held, once the store holds ``restored``. Readers already ignore these
    lines; moved aside, they cannot be taken for a later save's. Returns how many moved.
    The undone journal is appended first, so a kill leaves each line in one file or both.
    """
    journal = journal_path(path)
    try:
        raw = journal.read_bytes()
    except FileNotFoundError:
        return 0
    except OSError as error:
        raise StoreError(f"{journal}: could not read the audit journal: {error.strerror or error}") from error
    kept: list[bytes] = []
    aside: list[bytes] = []
    for line in raw.splitlines():
        if not line.strip():
            continue
        undone = _undone_line(line, restored)
        if undone is None:
            continue  # a line cut short by a kill: no reader uses it
        (aside if undone else kept).append(line + b"\n")
    if not aside:
        return 0
    _append_durably(undone_journal_path(path), b"".join(aside))
    write_atomically(journal, b"".join(kept))
    return len(aside)


def _append_durably(target: Path, payload: bytes) -> None:
    fd = open_for_append_nofollow(target, what="journal of undone saves")
    try:
        write_all(fd, payload)
        os.fsync(fd)
    finally:
        os.close(fd)


def restore(path: Path, *, stamp: str, force: bool = False, lock_timeout: float = LOCK_TIMEOUT) -> Restored:
    """Put the backup back in place of the store, holding the store's lock throughout.

    A damaged (or missing) store is restored. A healthy one is refused with
    :class:`RestoreRefused`, which says which save it would undo, unless ``force``. With no
    usable backup, :class:`BackupUnusable`; in both cases nothing changes. The file that was
    the store is kept beside it (``.damaged-<stamp>`` or ``.undone-<stamp>``).
    """
    lock = filelock.FileLock(str(path.with_name(path.name + ".lock")), timeout=lock_timeout, mode=0o600)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise StoreBusy(path, lock_timeout) from None
    try:
        remove_stray_temp_files(path)
        backup_bytes, backup_data = _read_backup(path)
        restored = _version(backup_data)
        try:
            current: bytes | None = path.read_bytes()
        except FileNotFoundError:
            current = None
        except OSError as error:
            raise StoreError(
                f"{path}: cannot read the store ({error.strerror or error}); nothing was changed."
            ) from error
        if current == backup_bytes:  # already restored, perhaps by a restore killed before its last step
            set_aside_undone_lines(path, restored)
            return Restored(path, restored.revision, None, False, None, changed=False)
        kept: Path | None = None
        damaged, undone = True, None
        if current is not None:
            try:
                undone = _version(_validated(path, current))
                damaged = False
            except DamagedStore:
                pass
            except NewerSchema as error:
                if not force:
                    raise RestoreRefused(
                        f"{error} Restoring the backup (revision {restored.revision}) would replace it "
                        f"with an older version; nothing was changed. To do it anyway, run "
                        f"`ipt --db {path} restore-backup --force`."
                    ) from None
                damaged = False
            if not damaged and not force:
                assert undone is not None
                raise RestoreRefused(describe_undo(path, undone, restored))
            label = "damaged" if damaged else "undone"
            kept = _keep(path, current, f"{path.name}.{label}-{stamp}")
        write_atomically(path, backup_bytes)
        set_aside_undone_lines(path, restored)
        return Restored(path, restored.revision, kept, current is not None and damaged, undone, changed=True)
    finally:
        lock.release()


def restore_backup(path: Path, *, stamp: str, force: bool = False) -> Path:
    """Put the backup back in place of the store (see :func:`restore`).

    Returns where the file that was the store is kept (``plans.json.damaged-<stamp>``); if
    there was no store, nothing is there.
    """
    result = restore(path, stamp=stamp, force=force)
    return result.kept or path.with_name(f"{path.name}.damaged-{stamp}")
