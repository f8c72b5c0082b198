"""Careful file access for the store, its sidecar files and the files ipt imports.

Everything here is plain ``os`` calls, so any part of ipt can use it (the tracker before
its first frame included).

The rules, in one place:

- **The store path is followed once, at open** (:func:`check_store_path`): a store file
  that is a symbolic link is resolved to the real file, and that real path is used from
  then on, for the file and for everything beside it. Its lock, audit journal, backup,
  temporary files and snapshots therefore sit beside the real file, so every process
  that reaches the store by whichever path shares one lock, and a save replaces the real
  file instead of the link.
- **Files ipt makes itself are never written through a link**: the audit journal, the
  lock, the backup, temporary files, the snapshots folder and its files, and the
  settings file. One found to be a symbolic link is refused with
  :class:`~store.errors.SymlinkRefused` and nothing is written. New files are opened with
  ``O_NOFOLLOW`` (and ``O_EXCL`` where they must be new); a file renamed over is checked
  with ``os.lstat`` first.
- **Only regular files are read**: a folder, a named pipe (FIFO), a device or a socket is
  refused before a byte is read (:func:`read_regular_file` opens with ``O_NONBLOCK`` and
  checks with ``fstat``, so a FIFO never blocks), and reads are capped.
- **Folders ipt makes are owner-only** (0700) whatever the umask
  (:func:`make_private_folder`); files it makes are 0600.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from store.errors import SymlinkRefused, UnsafePath

O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)

MAX_STORE_BYTES = 1024 * 1024 * 1024
"""The largest store file read (a 10,000-action store is some 10 MB)."""

PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600


def sidecar_paths(store_path: Path) -> dict[str, Path]:
    """What ipt keeps beside a store file, by what it is called in messages."""
    return {
        "lock file": store_path.with_name(store_path.name + ".lock"),
        "audit journal": store_path.with_name(store_path.name + ".audit.jsonl"),
        "backup": store_path.with_name(store_path.name + ".bak"),
        "snapshots folder": store_path.with_name(store_path.name + ".snapshots"),
    }


def file_kind(mode: int) -> str:
    """What a file of ``mode`` is, in words: "a folder", "a named pipe (FIFO)"…"""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "a regular file" if stat.S_ISREG(mode) else "not a regular file"


def _is_link(path: Path) -> bool:
    try:
        return stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError:
        return False


def refuse_symlink(path: Path, what: str) -> None:
    """Raise :class:`SymlinkRefused` if ``path`` is a symbolic link (dangling or not)."""
    if _is_link(path):
        raise SymlinkRefused(path, what)


def _refuse_link_error(error: OSError, path: Path, what: str) -> None:
    """An open with ``O_NOFOLLOW`` fails with ELOOP (Linux) or EMLINK (BSD) on a link."""
    if error.errno in (errno.ELOOP, errno.EMLINK) and _is_link(path):
        raise SymlinkRefused(path, what) from None


def _require_regular(fd: int, path: Path, what: str) -> os.stat_result:
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise UnsafePath(path, f"the {what} is {file_kind(info.st_mode)}, not a regular file")
    return info


def open_regular_file(path: Path, *, what: str, follow_links: bool = True) -> tuple[int, os.stat_result]:
    """A descriptor open for reading on ``path`` and its ``fstat``, refusing anything that is
    not a regular file without blocking (a FIFO is opened non-blocking, then refused).

    ``follow_links=False`` refuses a symbolic link. Other ``OSError``s (no such file,
    permission denied) are raised as they are, for the caller to word."""
    flags = os.O_RDONLY | O_NONBLOCK | O_CLOEXEC | (0 if follow_links else O_NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        if not follow_links:
            _refuse_link_error(error, path, what)
        raise
    try:
        info = _require_regular(fd, path, what)
    except OSError:
        os.close(fd)
        raise
    return fd, info


def read_fd(fd: int, limit: int) -> bytes:
    """Up to ``limit + 1`` bytes from ``fd`` (one more than allowed, to tell it was too long)."""
    chunks, left = [], limit + 1
    while left > 0:
        chunk = os.read(fd, min(left, 1024 * 1024))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_regular_file(path: Path, *, limit: int, what: str, follow_links: bool = True) -> bytes:
    """The bytes of ``path``, which must be a regular file of at most ``limit`` bytes.

    A folder, FIFO, device or socket is refused with :class:`UnsafePath` before anything
    is read, as is a file larger than ``limit``. ``OSError`` (no such file, permission
    denied) is raised as it is."""
    fd, info = open_regular_file(path, what=what, follow_links=follow_links)
    try:
        if info.st_size > limit:
            raise UnsafePath(path, f"the {what} is {info.st_size:,} bytes; the limit is {limit:,}")
        raw = read_fd(fd, limit)
    finally:
        os.close(fd)
    if len(raw) > limit:
        raise UnsafePath(path, f"the {what} grew past {limit:,} bytes while it was read")
    return raw


def open_for_append_nofollow(path: Path, *, what: str) -> int:
    """A descriptor appending to ``path`` (made 0600 if new; readable too, to look at its
    last byte), never through a link, and only to a regular file (a FIFO is refused rather
    than waited on)."""
    flags = os.O_RDWR | os.O_CREAT | os.O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC
    try:
        fd = os.open(path, flags, PRIVATE_FILE)
    except OSError as error:
        _refuse_link_error(error, path, what)
        if error.errno == errno.ENXIO:  # a FIFO nobody reads
            raise UnsafePath(path, f"the {what} is a named pipe (FIFO), not a regular file") from None
        raise
    _require_regular(fd, path, what)
    return fd


def create_new_file(path: Path, *, what: str) -> int:
    """A descriptor on a new, owner-only (0600) file at ``path``; never follows a link.

    Raises ``FileExistsError`` if anything (a link included) is already there."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | O_NOFOLLOW | O_CLOEXEC
    try:
        return os.open(path, flags, PRIVATE_FILE)
    except OSError as error:
        _refuse_link_error(error, path, what)
        raise


def write_all(fd: int, payload: bytes) -> None:
    view = memoryview(payload)
    while view:
        view = view[os.write(fd, view) :]


def replace_file(source: Path, target: Path, *, what: str) -> None:
    """``os.replace(source, target)``, refusing when ``target`` is a symbolic link (a rename
    would replace the link, silently taking the place of whatever the user linked to)."""
    refuse_symlink(target, what)
    os.replace(source, target)


def make_private_folder(path: Path, *, what: str = "folder", allow_link: bool = False) -> list[Path]:
    """Make ``path`` and any missing parents, each owner-only (0700) whatever the umask.

    Only folders made here are changed; ones that already exist keep their mode. Returns
    the folders made. A symbolic link at ``path`` is refused unless ``allow_link``;
    something other than a folder at ``path`` or above it raises :class:`UnsafePath`."""
    missing: list[Path] = []
    probe = path
    while not os.path.lexists(probe) and probe.parent != probe:
        missing.append(probe)
        probe = probe.parent
    made: list[Path] = []
    for folder in reversed(missing):
        try:
            os.mkdir(folder, PRIVATE_FOLDER)
        except FileExistsError:
            continue  # made meanwhile by another process: not ours to change
        except NotADirectoryError:
            raise UnsafePath(
                path, f"the {what} cannot be made: {_file_above(folder)} is a file, not a folder"
            ) from None
        os.chmod(folder, PRIVATE_FOLDER)  # mkdir's mode is cut down by the umask
        made.append(folder)
    if not allow_link:
        refuse_symlink(path, what)
    try:
        info = os.stat(path)
    except NotADirectoryError:
        raise UnsafePath(
            path, f"the {what} cannot be made: {_file_above(path)} is a file, not a folder"
        ) from None
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafePath(path, f"the {what} is {file_kind(info.st_mode)}, not a folder")
    return made


def _file_above(path: Path) -> Path:
    """The nearest existing ancestor of ``path`` (the file that stands where a folder must)."""
    for ancestor in path.parents:
        if os.path.lexists(ancestor):
            return ancestor
    return path


def check_store_path(path: Path) -> Path:
    """The path to use for the store at ``path``, or :class:`UnsafePath` saying why none.

    A store that is a symbolic link (or under one) is followed to the real file, and that
    path is returned: the file and all its sidecars are used there. Refused, before any
    read or write: a folder, a FIFO, a device or socket, a path under a regular file, an
    existing store that cannot be read, and a lock, audit journal, backup or snapshots
    folder beside it that is a symbolic link. A store that does not exist yet is fine
    (the first save makes it)."""
    path = path.expanduser()
    real = Path(os.path.realpath(path))
    if real != Path(os.path.abspath(path)):
        path = real
    try:
        info = os.stat(path)
    except FileNotFoundError:
        info = None
    except NotADirectoryError:
        raise UnsafePath(
            path, f"the store cannot be here: {_file_above(path)} is a file, not a folder"
        ) from None
    except OSError as error:
        raise UnsafePath(path, f"the store cannot be reached: {error.strerror or error}") from None
    if info is None:
        pass  # made by the first save
    elif stat.S_ISDIR(info.st_mode):
        raise UnsafePath(
            path, f"the store is a folder, not a file (give a file in it, such as {path / 'plans.json'})"
        )
    elif not stat.S_ISREG(info.st_mode):
        raise UnsafePath(path, f"the store is {file_kind(info.st_mode)}, not a regular file")
    elif not os.access(path, os.R_OK):
        raise UnsafePath(path, "the store cannot be read (permission denied)")
    for what, sidecar in sidecar_paths(path).items():
        refuse_symlink(sidecar, what)
    return path
