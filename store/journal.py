"""The audit trail: an append-only journal beside the store file.

Each save appends its audit entries as JSON lines (one write, one fsync) *before* the
store file is replaced, all tagged with the save's revision and commit token. History
therefore never makes a save slower as it grows. A save that was killed after its
journal lines but before its store write leaves lines whose token never became the
store's; readers drop them: for each revision only the last-written token counts, and
for the store's current revision only the token the store carries.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson

from store.errors import SaveFailed, StoreError
from store.models import AuditEntry
from store.safe_files import open_for_append_nofollow, open_regular_file, write_all


def journal_path(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + ".audit.jsonl")


class AuditJournal:
    """Append-only audit lines for one store file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, entries: Sequence[AuditEntry], *, revision: int, token: str) -> None:
        """Durably add ``entries`` for the save ``revision``/``token``.

        A save with no entries still writes one line naming its token, so that the lines of an
        earlier save killed at the same revision are superseded by it, never shown later."""
        lines = (
            b"".join(
                orjson.dumps(
                    {
                        "txn": token,
                        **entry.model_dump(mode="json"),
                        # A copied store's entries keep the revisions they were made at.
                        "revision": entry.revision or revision,
                    }
                )
                + b"\n"
                for entry in entries
            )
            or orjson.dumps({"txn": token, "revision": revision, "save": True}) + b"\n"
        )
        self._write(lines)

    def _write(self, lines: bytes) -> None:
        try:
            fd = open_for_append_nofollow(self.path, what="audit journal")
        except OSError as error:
            raise SaveFailed(self.path, error.strerror or str(error)) from error
        try:
            # A save killed mid-append can leave a partial last line: start on a fresh one.
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                lines = b"\n" + lines
            write_all(fd, lines)
            os.fsync(fd)
        except OSError as error:
            raise SaveFailed(self.path, error.strerror or str(error)) from error
        finally:
            os.close(fd)

    def _raw_lines(self) -> Iterator[bytes]:
        try:
            fd, _ = open_regular_file(self.path, what="audit journal", follow_links=False)
        except FileNotFoundError:
            return
        except OSError as error:
            raise StoreError(
                f"{self.path}: cannot read the audit journal: {error.strerror or error}"
            ) from None
        with os.fdopen(fd, "rb") as handle:
            yield from handle

    def entries(
        self,
        *,
        revision: int,
        token: str | None,
        plan_id: str | None = None,
        entity: str | None = None,
        key: str | None = None,
    ) -> list[AuditEntry]:
        """Committed entries, oldest first, optionally only those of one plan/entity/key."""
        by_revision: dict[int, tuple[str, list[dict[str, Any]]]] = {}
        for line in self._raw_lines():
            try:
                record = orjson.loads(line)
                line_revision, line_token = int(record["revision"]), str(record.pop("txn"))
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                continue  # a line cut short by a kill
            if line_revision > revision:
                continue
            if line_revision == revision and token is not None and line_token != token:
                continue
            held = by_revision.get(line_revision)
            if held is None or held[0] != line_token:
                held = (line_token, [])
                by_revision[line_revision] = held
            if not record.get("save"):  # a save's own line marks its token and holds no entry
                held[1].append(record)
        selected = []
        for line_revision in sorted(by_revision):
            for record in by_revision[line_revision][1]:
                if plan_id is not None and record.get("plan_id") != plan_id:
                    continue
                if entity is not None and record.get("entity") != entity:
                    continue
                if key is not None and record.get("key") != key:
                    continue
                selected.append(AuditEntry.model_validate(record))
        return selected


class MemoryJournal(AuditJournal):
    """The same journal held in memory, for the memory store."""

    def __init__(self) -> None:
        super().__init__(Path("(memory)"))
        self._lines: list[bytes] = []

    def _write(self, lines: bytes) -> None:
        self._lines.extend(lines.splitlines())

    def _raw_lines(self) -> Iterator[bytes]:
        yield from self._lines
