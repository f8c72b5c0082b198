"""Errors the store raises, each with a message a programme manager can act on."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class StoreError(Exception):
    """Base class: something about the store stopped the operation; nothing was saved."""


class DamagedStore(StoreError):
    """A store that cannot be used as it is; it has been left untouched."""

    backup: str | None = None
    """A sentence about the previous good version, when there is one."""

    def offer_backup(self, sentence: str) -> None:
        self.backup = sentence
        self.args = (f"{self.args[0]}\n{sentence}",)


class StoreUnreadable(DamagedStore):
    """The store file cannot be read as a store; it has been left untouched."""

    def __init__(self, path: Path, why: str) -> None:
        super().__init__(f"{path}: cannot read the store: {why}. The file has been left untouched.")
        self.path = path
        self.why = why


class StoreInvalid(DamagedStore):
    """The store file reads but breaks the plan's rules; it has been left untouched."""

    def __init__(self, path: Path, problems: Sequence[str]) -> None:
        listed = "\n".join(f"  - {problem}" for problem in problems[:50])
        more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(
            f"{path}: the store is not valid ({len(problems)} problem(s)); "
            f"it has been left untouched:\n{listed}{more}"
        )
        self.path = path
        self.problems = list(problems)


class NewerSchema(StoreError):
    """The store was written by a newer ipt; this one will not guess at it."""

    def __init__(self, path: Path, found: int, supported: int) -> None:
        super().__init__(
            f"{path}: the store has schema version {found}, but this ipt understands up to "
            f"{supported}. Upgrade ipt to open it; the file has been left untouched."
        )
        self.found = found
        self.supported = supported


class ConflictError(StoreError):
    """What a form was editing changed underneath it; the message names the other change."""


class StoreBusy(StoreError):
    """Another process held the store's lock for too long."""

    def __init__(self, path: Path, seconds: float) -> None:
        super().__init__(
            f"{path}: another ipt is saving and did not finish within {seconds:g}s; nothing was saved. "
            "Try again."
        )


class StoreUnreachable(StoreError):
    """The store cannot be reached just now (a database server down or restarting)."""


class ReadOnlyStore(StoreError):
    """The store file or its folder cannot be written."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path}: the store is read-only here; nothing was saved.")


class NotFound(StoreError, KeyError):
    """A plan or entity that was asked for does not exist."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "not found"


class RuleBroken(StoreError):
    """A change would break a rule of the plan; nothing was saved."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


class SaveFailed(StoreError):
    """Writing the store failed (disk full, permission); the previous file is intact."""

    def __init__(self, path: Path, why: str) -> None:
        super().__init__(f"{path}: not saved: {why}. The previous version of the store is intact.")


class UnsafePath(StoreError):
    """A file or folder ipt would read or write is not what it must be (a folder where a file
    belongs, a pipe or a device, a file where a folder belongs); nothing was written."""

    def __init__(self, path: Path, why: str) -> None:
        super().__init__(f"{path}: {why}; nothing was written.")
        self.path = path
        self.why = why


class SymlinkRefused(UnsafePath):
    """A file or folder ipt makes itself (journal, lock, backup, temporary file, snapshots,
    settings) is a symbolic link: ipt does not write through links it did not make."""

    def __init__(self, path: Path, what: str) -> None:
        super().__init__(
            path,
            f"the {what} is a symbolic link, and ipt does not write through links "
            "(remove the link, or put the real file there)",
        )
        self.what = what
