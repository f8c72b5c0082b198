"""A throwaway PostgreSQL server for the tests: ``initdb`` in a temporary folder, listening only
on a Unix socket inside it, stopped and removed at the end.

Debian's ``postgresql`` package provides the server (``.ci/run`` installs it when missing). The
server refuses to run as root, so when the tests run as root it runs as the package's
``postgres`` user (or ``nobody``) in a folder that user owns. Every step has a time limit, and
anything missing is reported in one sentence (:class:`NoServer`) so the PostgreSQL tests are
skipped naming it, never failing or hanging the suite.

Run by hand it starts a server, prints its connection string and stops it on Enter:
``python -m tests.pg_server``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

START_SECONDS = 60
"""Longest wait for initdb and for the server to accept connections (a loaded CI machine)."""

INSTALL_HINT = "install Debian's postgresql package (apt-get install postgresql)"


class NoServer(Exception):
    """A test server could not be started; the message says what is missing."""


def find_bin_dir() -> Path:
    """The folder of ``initdb`` and ``pg_ctl``: on PATH, else the newest Debian cluster version."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4] or 0)
    )
    if not candidates:
        raise NoServer(f"no PostgreSQL server: initdb not found; {INSTALL_HINT}")
    return Path(candidates[-1]).parent


def _server_user() -> pwd.struct_passwd | None:
    """Who runs the server: None (this user) unless this is root, which the server refuses."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise NoServer("no PostgreSQL server: running as root and there is no postgres or nobody user")


@dataclass
class ThrowawayServer:
    """A running throwaway server; :meth:`dsn` names a database on it."""

    folder: Path
    bin_dir: Path
    user: pwd.struct_passwd | None
    durable: bool = False
    """Keep PostgreSQL's own durability settings (for benchmarks); tests turn fsync off."""

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def dsn(self, dbname: str = "postgres") -> str:
        return f"postgresql://ipt@/{dbname}?host={self.folder}"

    def _run(self, *command: str, timeout: float = START_SECONDS) -> subprocess.CompletedProcess[str]:
        uid = gid = None
        if self.user is not None:
            uid, gid = self.user.pw_uid, self.user.pw_gid
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "HOME": str(self.folder)}
        try:
            return subprocess.run(
                [str(self.bin_dir / command[0]), *command[1:]],
                capture_output=True,
                text=True,
                timeout=timeout,
                env=env,
                cwd=self.folder,
                check=False,
                user=uid,
                group=gid,
                extra_groups=[] if uid is not None else None,
            )
        except subprocess.TimeoutExpired:
            raise NoServer(f"no PostgreSQL server: {command[0]} took over {timeout:.0f} s") from None
        except OSError as error:
            raise NoServer(f"no PostgreSQL server: cannot run {command[0]}: {error}") from None

    def start(self) -> None:
        done = self._run(
            "initdb", "-D", str(self.data), "-U", "ipt", "-A", "trust", "-E", "UTF8", "--no-sync",
            "--locale=C",
        )  # fmt: skip
        if done.returncode != 0:
            raise NoServer(f"no PostgreSQL server: initdb failed: {_last_line(done)}")
        self._start_server()

    def _settings(self) -> str:
        # fsync off: a test server's data need not survive the machine. synchronous_commit off,
        # as a careless server might be set: ipt turns it on for its own changes, and the restart
        # test in tests/test_pg_faults.py fails if it did not.
        settings = f"-k {self.folder} -c listen_addresses='' -c max_connections=60"
        if not self.durable:
            settings += (
                " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=16MB"
            )
        return settings

    def _start_server(self) -> None:
        settings = self._settings()
        log = self.folder / "server.log"
        done = self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(log), "-o", settings, "-w", "-t", str(START_SECONDS),
            "start",
        )  # fmt: skip
        if done.returncode != 0:
            tail = log.read_text(errors="replace").strip().splitlines()[-1:] if log.exists() else []
            raise NoServer(f"no PostgreSQL server: it did not start: {' '.join(tail) or _last_line(done)}")

    def restart_immediately(self) -> None:
        """``pg_ctl restart -m immediate``: what a crash and a restart look like to clients."""
        # The log file keeps the new server off pg_ctl's output pipes, which would otherwise stay
        # open as long as the server runs.
        log = str(self.folder / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-m", "immediate", "-w", "-t", "30", "restart")

    def halt(self) -> None:
        """``pg_ctl stop -m immediate``, keeping its data: the server is down, as after a crash,
        until :meth:`resume`."""
        done = self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop")
        if done.returncode != 0:
            raise NoServer(f"the PostgreSQL server did not stop: {_last_line(done)}")

    def resume(self) -> None:
        """Start the server :meth:`halt` stopped, on the same data and socket."""
        self._start_server()

    def stop(self) -> None:
        with contextlib.suppress(NoServer):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop", timeout=40)
        shutil.rmtree(self.folder, ignore_errors=True)


def _last_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = (done.stderr or done.stdout or "").strip().splitlines()
    return lines[-1] if lines else f"exit status {done.returncode}"


@contextlib.contextmanager
def throwaway_server(*, durable: bool = False) -> Iterator[ThrowawayServer]:
    """Start a throwaway server for the block, then stop it and remove its folder."""
    bin_dir = find_bin_dir()
    user = _server_user()
    # Not under pytest's tmp_path: the server's user must reach the folder, and a socket path
    # must stay under about 100 characters.
    folder = Path(tempfile.mkdtemp(prefix="ipt-pg-", dir="/tmp" if os.path.isdir("/tmp") else None))
    if user is not None:
        os.chown(folder, user.pw_uid, user.pw_gid)
    server = ThrowawayServer(folder, bin_dir, user, durable)
    try:
        server.start()
        yield server
    finally:
        server.stop()


if __name__ == "__main__":
    with throwaway_server() as running:
        print(running.dsn())
        input("Press Enter to stop the server. ")
