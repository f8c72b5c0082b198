"""The throwaway PostgreSQL server the tests use: started as an unprivileged user, reachable
only through its own socket, and, when it cannot be had, a skip that names what is missing."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests import pg_server


def test_a_machine_without_postgresql_gets_a_reason_naming_the_package(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("shutil.which", lambda name: None)
    monkeypatch.setattr("glob.glob", lambda pattern: [])
    with pytest.raises(pg_server.NoServer, match=r"initdb not found; install Debian's postgresql"):
        pg_server.find_bin_dir()


def test_a_server_that_cannot_start_in_time_is_reported_not_waited_for(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "initdb").write_text("#!/bin/sh\nsleep 30\n")
    (fake / "initdb").chmod(0o755)
    server = pg_server.ThrowawayServer(tmp_path, fake, None)
    monkeypatch.setattr(pg_server, "START_SECONDS", 1)
    with pytest.raises(pg_server.NoServer, match="initdb took over 1 s"):
        server._run("initdb", timeout=1)


def test_the_server_listens_only_on_a_socket_in_its_own_folder(pg_server: str) -> None:
    import psycopg

    if os.environ.get("IPT_TEST_PG"):
        pytest.skip("IPT_TEST_PG names a server these tests did not start")
    with psycopg.connect(pg_server, autocommit=True) as connection:
        listen = connection.execute("SHOW listen_addresses").fetchone()
        socket_folder = connection.execute("SHOW unix_socket_directories").fetchone()
        superuser = connection.execute("SELECT rolsuper FROM pg_roles WHERE rolname = 'ipt'").fetchone()
    assert listen == ("",)
    assert socket_folder is not None and socket_folder[0].startswith("/tmp/ipt-pg-")
    assert superuser == (True,)
    folder = Path(socket_folder[0])
    owner = folder.stat().st_uid
    assert os.geteuid() != 0 or owner != 0  # the server's folder belongs to an unprivileged user
    assert not folder.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO)
