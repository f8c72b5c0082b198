"""Snapshots: frozen, labelled copies of a plan and its roll-ups, kept outside the store file.

A snapshot ("Change Board — October 2019") freezes the whole plan and its summary as they
stood on a day, so a later board can see what moved. Snapshots accumulate every month, so
they never go in the main store file, whose every save rewrites it whole: they live in a
folder beside it, ``<store file>.snapshots/``, one owner-only file per snapshot
(``S0001.json``) written atomically, plus ``index.json`` holding each snapshot's header so
listing never parses the snapshots themselves. Taking one writes two small files and never
touches the store file, its lock or its audit journal.

Writers take ``<store file>.snapshots/.lock``, not the store's own lock: snapshots never
hold up an edit, and a snapshot taken while the caller holds the store lock cannot
deadlock. The snapshot file is written before the index, so a take killed in between
leaves an unlisted file that is never reused: the next id skips every file on disk.
The index is only a cache of the files' headers; when it is missing or damaged it is
rebuilt from them. A damaged snapshot file is reported by name when asked for and does
not affect listing the others.
"""

from __future__ import annotations

import builtins
import contextlib
import os
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from store.errors import (
    NewerSchema,
    NotFound,
    ReadOnlyStore,
    RuleBroken,
    SaveFailed,
    StoreBusy,
    StoreError,
    UnsafePath,
)
from store.models import SCHEMA_VERSION, Plan
from store.rollups.summary import plan_summary, summary_to_json
from store.safe_files import MAX_STORE_BYTES, make_private_folder, read_regular_file, refuse_symlink
from store.storage import TEMP_MARKER, write_atomically
from store.validation import describe_errors

INDEX_NAME = "index.json"
LOCK_NAME = ".lock"
_ID_PATTERN = re.compile(r"^[Ss]?0*(\d{1,9})$")
_FILE_PATTERN = re.compile(r"^S(\d+)\.json$")

Label = Annotated[str, Field(min_length=1, max_length=200)]


def snapshots_folder(store_path: Path) -> Path:
    """The folder beside the store file that holds its snapshots."""
    return store_path.with_name(store_path.name + ".snapshots")


def snapshot_id(number: int) -> str:
    """``1`` -> ``"S0001"``: short, and sorts in taking order as text up to S9999."""
    return f"S{number:04d}"


def normalise_snapshot_id(text: str) -> str:
    """Accept ``"S0001"``, ``"s1"`` and ``"1"`` alike, as people type them."""
    match = _ID_PATTERN.match(text.strip())
    if match is None or int(match.group(1)) == 0:
        raise NotFound(f"{text!r} is not a snapshot id; they look like S0001")
    return snapshot_id(int(match.group(1)))


def _number(snapshot_id_text: str) -> int:
    return int(snapshot_id_text[1:])


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class SnapshotHeader(BaseModel):
    """What the index holds about a snapshot: enough to list and choose one without reading it."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    id: Annotated[str, Field(pattern=r"^S\d{4,}$")]
    plan_id: str
    label: Label
    """E.g. "Change Board — October 2019"; user text, shown literally."""
    taken_at: datetime
    as_of: date
    """The day the roll-ups (overdue, KPI ratings) were assessed against."""
    taken_by: str = ""
    revision: int = Field(ge=0)
    """The store revision the plan was read at."""
    review_id: str | None = None
    """The board session whose closing took it; it counts once that close is stored."""


class Snapshot(SnapshotHeader):
    """A frozen plan with its summary: what the board saw, exactly, whatever changes later."""

    plan: Plan
    summary: dict[str, Any]
    """:func:`store.rollups.summary_to_json` of the plan on ``as_of``."""

    @property
    def header(self) -> SnapshotHeader:
        return SnapshotHeader.model_validate(self.model_dump(include=set(SnapshotHeader.model_fields)))


class SnapshotFile(BaseModel):
    """One snapshot on disk, with a format marker and the schema version of its plan."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["ipt-snapshot"] = "ipt-snapshot"
    schema_version: int = SCHEMA_VERSION
    snapshot: Snapshot


class SnapshotIndex(BaseModel):
    """The headers of every snapshot, oldest first."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["ipt-snapshot-index"] = "ipt-snapshot-index"
    snapshots: list[SnapshotHeader] = []


class SnapshotDamaged(StoreError):
    """A snapshot file cannot be read; it is named, left untouched, and the others still work."""

    def __init__(self, path: Path, why: str) -> None:
        super().__init__(f"{path}: cannot read this snapshot: {why}. The file has been left untouched.")
        self.path = path
        self.why = why


class _MemoryShelf:
    """Where the snapshots of a memory store live: named byte strings."""

    folder: Path | None = None

    def __init__(self) -> None:
        self._files: dict[str, bytes] = {}

    def where(self, name: str) -> Path:
        return Path("(memory)") / name

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        yield

    def names(self) -> list[str]:
        return list(self._files)

    def exists(self) -> bool:
        return bool(self._files)

    def read(self, name: str, what: str) -> bytes:
        try:
            return self._files[name]
        except KeyError:
            raise FileNotFoundError(name) from None

    def refuse_links(self, names: dict[str, str]) -> None:
        """Nothing in memory is a link."""

    def write(self, name: str, payload: bytes, what: str) -> None:
        self._files[name] = payload


class _FolderShelf(_MemoryShelf):
    """``<store>.snapshots/``: one owner-only file per snapshot, written atomically, under
    the folder's own lock; never written through a link."""

    def __init__(self, folder: Path, lock_timeout: float) -> None:
        self.folder = self.path = folder
        self.lock_timeout = lock_timeout
        self._lock: Any = None
        """The folder's FileLock, made when first taken: filelock costs ~60 ms to import, and a
        tracker that only reads snapshots never needs it."""

    def where(self, name: str) -> Path:
        return self.path / name

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        import filelock

        folder = self.path
        if self._lock is None:
            self._lock = filelock.FileLock(str(folder / LOCK_NAME), timeout=self.lock_timeout, mode=0o600)
        try:
            make_private_folder(folder, what="snapshots folder")
            refuse_symlink(folder / LOCK_NAME, "snapshots lock file")
            refuse_symlink(folder / INDEX_NAME, "snapshot index")  # before the lock file is made
            self._lock.acquire()
        except filelock.Timeout:
            raise StoreBusy(folder, self.lock_timeout) from None
        except PermissionError:
            raise ReadOnlyStore(folder) from None
        except OSError as error:
            raise SaveFailed(folder, error.strerror or str(error)) from error
        try:
            self._remove_stray_temp_files()
            yield
        finally:
            self._lock.release()

    def _remove_stray_temp_files(self) -> None:
        """Delete what a take killed mid-write left; call with the lock held."""
        with contextlib.suppress(OSError):
            for candidate in self.path.iterdir():
                if candidate.name.startswith(".") and TEMP_MARKER in candidate.name:
                    with contextlib.suppress(OSError):
                        candidate.unlink()

    def names(self) -> list[str]:
        try:
            return os.listdir(self.path)
        except FileNotFoundError:
            return []
        except OSError as error:
            raise StoreError(f"{self.folder}: cannot list the snapshots: {error.strerror}") from None

    def exists(self) -> bool:
        return self.path.exists()

    def read(self, name: str, what: str) -> bytes:
        return read_regular_file(self.where(name), limit=MAX_STORE_BYTES, what=what, follow_links=False)

    def refuse_links(self, names: dict[str, str]) -> None:
        for name, what in names.items():
            refuse_symlink(self.where(name), what)

    def write(self, name: str, payload: bytes, what: str) -> None:
        write_atomically(self.where(name), payload, what=what)


class SnapshotStore:
    """The snapshots of one store: in ``<store>.snapshots/`` or, when ``store_path`` is None, memory."""

    def __init__(
        self,
        store_path: Path | None,
        *,
        lock_timeout: float = 10.0,
        visible: Callable[[SnapshotHeader], bool] | None = None,
        shelf: Any = None,
    ) -> None:
        """``visible``: whether a snapshot counts yet (the repository hides one taken by a
        board's close that was never stored, so a close killed half-way leaves no trace).
        ``shelf``: where a backend keeps them itself (a database's table), with the methods
        of :class:`_MemoryShelf`; otherwise the folder beside ``store_path``, or memory."""
        self.visible = visible
        self.store_path = store_path
        self.lock_timeout = lock_timeout
        self._shelf: _MemoryShelf = shelf or (
            _FolderShelf(snapshots_folder(store_path), lock_timeout)
            if store_path is not None
            else _MemoryShelf()
        )
        self.folder = self._shelf.folder

    # Writing ---------------------------------------------------------------------------

    def take(
        self,
        plan: Plan,
        *,
        label: str,
        as_of: date,
        by: str,
        revision: int,
        at: datetime | None = None,
        review_id: str | None = None,
    ) -> SnapshotHeader:
        """Freeze ``plan`` and its summary on ``as_of`` under a new id; return its header.

        The plan is copied through JSON, so later edits to the object passed in (or to the
        store) never reach the snapshot. The snapshot file is written before the index.
        """
        frozen_plan = Plan.model_validate_json(plan.model_dump_json())
        summary = summary_to_json(plan_summary(frozen_plan, as_of))
        with self._shelf.locked():
            headers = self._read_index()
            number = max([_number(h.id) for h in headers] + self._numbers_on_disk(), default=0) + 1
            try:
                snapshot = Snapshot(
                    id=snapshot_id(number),
                    plan_id=frozen_plan.id,
                    label=label,
                    taken_at=at or utc_now(),
                    as_of=as_of,
                    taken_by=by,
                    revision=revision,
                    review_id=review_id,
                    plan=frozen_plan,
                    summary=summary,
                )
            except ValidationError as error:
                raise RuleBroken(describe_errors(error, "snapshot: ")) from None
            header = snapshot.header
            payload = SnapshotFile(snapshot=snapshot).model_dump_json().encode()
            index = SnapshotIndex(snapshots=[*headers, header]).model_dump_json().encode()
            name = f"{snapshot.id}.json"
            # Both checked first, so a refused index never leaves a snapshot file behind.
            self._shelf.refuse_links({name: "snapshot file", INDEX_NAME: "snapshot index"})
            self._shelf.write(name, payload, "snapshot file")
            self._shelf.write(INDEX_NAME, index, "snapshot index")
        return header

    def files(self) -> dict[str, bytes]:
        """Every snapshot file and the index, byte for byte, to copy the snapshots elsewhere."""
        with self._shelf.locked():
            return {
                name: self._shelf.read(name, "snapshot file")
                for name in sorted(self._shelf.names())
                if name == INDEX_NAME or _FILE_PATTERN.match(name)
            }

    def put_files(self, files: dict[str, bytes]) -> None:
        """Keep ``files`` (from :meth:`files` of another store) here as they are: the snapshots
        first, the index last, as :meth:`take` writes them."""
        names = sorted(files, key=lambda name: name == INDEX_NAME)
        with self._shelf.locked():
            self._shelf.refuse_links({name: "snapshot file" for name in names})
            for name in names:
                self._shelf.write(name, files[name], "snapshot file")

    def _numbers_on_disk(self) -> list[int]:
        """Numbers of every snapshot file present, listed or not, so none is ever overwritten."""
        return [int(match.group(1)) for name in self._shelf.names() if (match := _FILE_PATTERN.match(name))]

    # Reading ---------------------------------------------------------------------------

    def _read_index(self) -> list[SnapshotHeader]:
        """The index's headers; rebuilt from the snapshot files if it is missing or damaged."""
        try:
            return SnapshotIndex.model_validate_json(self._shelf.read(INDEX_NAME, "snapshot index")).snapshots
        except FileNotFoundError:
            if not self._shelf.exists():
                return []
        except (OSError, ValidationError, UnsafePath):
            pass
        return self._rebuild_index()

    def _rebuild_index(self) -> list[SnapshotHeader]:
        """Headers read from every readable snapshot file, skipping damaged ones."""
        headers = []
        for number in sorted(self._numbers_on_disk()):
            with contextlib.suppress(StoreError):
                headers.append(self._load(snapshot_id(number)).header)
        return headers

    def list(self, plan_id: str | None = None) -> list[SnapshotHeader]:
        """Headers of every snapshot (or of one plan's), oldest first: the order they were taken."""
        headers = sorted(self._read_index(), key=lambda header: _number(header.id))
        return [
            header
            for header in headers
            if (plan_id is None or header.plan_id == plan_id)
            and (self.visible is None or self.visible(header))
        ]

    def latest(self, plan_id: str, n: int = 2) -> builtins.list[SnapshotHeader]:
        """The last ``n`` snapshots taken of ``plan_id``, oldest first (fewer if there are fewer)."""
        if n < 1:
            raise ValueError(f"n must be at least 1, not {n}")
        return self.list(plan_id)[-n:]

    def get(self, snapshot_id_text: str) -> Snapshot:
        """The whole snapshot; :class:`NotFound` if there is none, :class:`SnapshotDamaged` if unreadable."""
        snapshot = self._load(normalise_snapshot_id(snapshot_id_text))
        if self.visible is not None and not self.visible(snapshot.header):
            raise NotFound(f"no snapshot {snapshot.id} ({self._describe_known()})")
        return snapshot

    def _describe_known(self) -> str:
        headers = self.list()
        if not headers:
            return "there are no snapshots yet"
        shown = ", ".join(header.id for header in headers[-10:])
        return f"snapshots: {'… ' if len(headers) > 10 else ''}{shown}"

    def _load(self, wanted: str) -> Snapshot:
        name = f"{wanted}.json"
        where = self._shelf.where(name)
        try:
            raw = self._shelf.read(name, "snapshot file")
        except FileNotFoundError:
            inside = f" in {self.folder}" if self.folder is not None else ""
            raise NotFound(f"no snapshot {wanted}{inside} ({self._describe_known()})") from None
        except OSError as error:
            raise SnapshotDamaged(where, error.strerror or str(error)) from None
        except UnsafePath as error:
            raise SnapshotDamaged(where, error.why) from None
        return _parse_snapshot(where, raw, wanted)


def _parse_snapshot(where: Path, raw: bytes, wanted: str) -> Snapshot:
    """Check and parse one snapshot file, naming the file in every complaint."""
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise SnapshotDamaged(where, f"it is not valid JSON ({error})") from None
    if not isinstance(document, dict) or document.get("format") != "ipt-snapshot":
        raise SnapshotDamaged(where, "it is not an ipt snapshot file")
    version = document.get("schema_version")
    if not isinstance(version, int) or version < 1:
        raise SnapshotDamaged(where, f"its schema version {version!r} is not a positive whole number")
    if version > SCHEMA_VERSION:
        raise NewerSchema(where, version, SCHEMA_VERSION)
    try:
        snapshot = SnapshotFile.model_validate(document).snapshot
    except ValidationError as error:
        problems = describe_errors(error, "")
        listed = "; ".join(problems[:5]) + (" …" if len(problems) > 5 else "")
        raise SnapshotDamaged(where, f"it is not valid ({listed})") from None
    if snapshot.id != wanted:
        raise SnapshotDamaged(where, f"it holds snapshot {snapshot.id}, not {wanted}")
    return snapshot
