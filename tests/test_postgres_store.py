"""What only the PostgreSQL store has to prove: its tables and their versions, the command line
on a ``postgresql://`` URL, the audit trail and snapshots kept by the database itself, a
read-only role, a lost connection, and an edit that writes one row whatever the plan's size.

The behaviour it shares with the other stores is proved by the contract and repository tests,
which run on all three (``backend`` in conftest)."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import psycopg
import pytest

from store.errors import NewerSchema, ReadOnlyStore, StoreBusy, StoreError, StoreInvalid
from store.pg_schema import DATABASE_VERSION
from store.postgres import DatabaseUnavailable, PostgresStorage
from store.repository import Repository
from tests.conftest import make_plan
from tui.cli.commands import main

ON = date(2019, 11, 1)


def sql(url: str, statement: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    with psycopg.connect(url, autocommit=True) as connection:
        cursor = connection.execute(statement, params or None)
        return cursor.fetchall() if cursor.description else []


def make_roles(server: str, *names: str) -> None:
    """Login roles for a test; skipped where the server's user may not make roles (IPT_TEST_PG)."""
    try:
        for name in names:
            sql(server, f"CREATE ROLE {name} LOGIN")
    except psycopg.errors.InsufficientPrivilege:
        pytest.skip("the test server's user may not create roles")


@pytest.fixture
def filled(pg_url: str) -> Repository:
    repo = Repository(pg_url)
    repo.add_plan(make_plan(actions=12), by="tester")
    return repo


# Tables and versions ---------------------------------------------------------------------------


def test_store_init_creates_the_tables_once_and_migrate_finds_nothing_to_do(
    pg_empty_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", pg_empty_url, "plans"]) == 1
    assert "has no ipt tables yet; create them with `ipt --db URL store init`" in capsys.readouterr().err

    assert main(["--db", pg_empty_url, "store", "init"]) == 0
    assert "Created ipt's tables in database postgres on " in capsys.readouterr().out
    assert sql(pg_empty_url, "SELECT version FROM ipt_schema") == [(DATABASE_VERSION,)]

    assert main(["--db", pg_empty_url, "store", "init"]) == 0
    assert "nothing was changed" in capsys.readouterr().out
    assert main(["--db", pg_empty_url, "store", "migrate"]) == 0
    assert "nothing was changed" in capsys.readouterr().out


def test_migrate_refuses_a_database_without_tables(
    pg_empty_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", pg_empty_url, "store", "migrate"]) == 1
    assert "no ipt tables yet; create them with `ipt store init`" in capsys.readouterr().err
    assert sql(pg_empty_url, "SELECT to_regclass('ipt_schema')") == [(None,)]


def test_store_init_needs_a_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", str(tmp_path / "plans.json"), "store", "init"]) == 1
    assert "a store file needs no setting up" in capsys.readouterr().err


def test_a_database_of_a_newer_ipt_is_refused_and_left_untouched(
    filled: Repository, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sql(pg_url, "UPDATE ipt_schema SET version = %s", (DATABASE_VERSION + 1,))
    with pytest.raises(NewerSchema, match=f"understands up to {DATABASE_VERSION}. Upgrade ipt"):
        Repository(pg_url)
    assert main(["--db", pg_url, "store", "migrate"]) == 1
    assert "Upgrade ipt" in capsys.readouterr().err
    assert sql(pg_url, "SELECT version FROM ipt_schema") == [(DATABASE_VERSION + 1,)]
    assert sql(pg_url, "SELECT revision FROM ipt_meta") == [(1,)]


def test_a_password_is_never_taken_on_the_command_line(
    pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with_password = pg_url.replace("ipt@", "ipt:secret@")
    assert main(["--db", with_password, "plans"]) == 1
    error = capsys.readouterr().err
    assert "a password is not taken on the command line" in error and "~/.pgpass" in error
    assert "secret" not in error


# The command line and the tracker ----------------------------------------------------------------


def test_every_command_runs_on_the_database(pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", pg_url, "init", "--sample", "oldham-2019"]) == 0
    assert "to database postgres on" in capsys.readouterr().out
    assert main(["--db", pg_url, "summary", "--as-of", "2019-10-31"]) == 0
    assert "Oldham Council" in capsys.readouterr().out
    assert main(["--db", pg_url, "--by", "PM", "update", "WF-01", "--progress", "45"]) == 0
    assert "45%" in capsys.readouterr().out
    assert main(["--db", pg_url, "snapshot", "--label", "Board", "--as-of", "2019-10-31"]) == 0
    capsys.readouterr()
    assert main(["--db", pg_url, "snapshots"]) == 0
    assert "S0001" in capsys.readouterr().out
    repo = Repository(pg_url)
    plan_id = repo.default_plan_id()
    assert plan_id is not None
    assert next(a for a in repo.plan(plan_id).actions if a.ref == "WF-01").progress == 45
    assert [e.field for e in repo.audit(entity="action", key="WF-01")] == ["progress"]


def test_ipt_db_names_the_database_too(
    pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("IPT_DB", pg_url)
    assert main(["init", "--sample", "oldham-2019"]) == 0
    assert main(["plans"]) == 0
    assert "oldham" in capsys.readouterr().out.lower()


def test_file_only_commands_say_so_for_a_database(pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", pg_url, "restore-backup"]) == 1
    assert "works on a store file, not a database" in capsys.readouterr().err


async def test_the_tracker_opens_a_plan_kept_in_the_database(filled: Repository, pg_url: str) -> None:
    from tui.app import make_app

    app = make_app(pg_url, as_of=ON, by="PM", poll_seconds=0)
    async with app.run_test(size=(140, 40)) as pilot:
        for _ in range(100):
            await pilot.pause(0.05)
            if app.repo is not None and app.plan_id is not None:
                break
        assert app.plan_id == "test-plan"
        assert app.repo is not None and app.repo.where == Path(filled.where)


# Guarantees the database keeps ----------------------------------------------------------------


def test_an_edit_writes_one_row_and_reads_none_back(filled: Repository, pg_url: str) -> None:
    parses = filled.storage.parses
    filled.update_action("test-plan", "WF-07", {"progress": 30}, by="PM", on=ON)
    # Rows written by the transaction that moved the revision: the action alone.
    written = sql(
        pg_url,
        "SELECT table_name, key FROM ipt_documents WHERE xmin = (SELECT xmin FROM ipt_meta)",
    )
    assert written == [("actions", '"WF-07"')]
    assert filled.storage.parses == parses
    assert Repository(pg_url).plan("test-plan").actions[6].progress == 30


def test_the_audit_trail_and_snapshots_cannot_be_changed_even_by_their_owner(
    filled: Repository, pg_url: str
) -> None:
    filled.take_snapshot("test-plan", label="Board", as_of=ON, by="PM")
    for statement in (
        "UPDATE ipt_audit SET entry = '{}'",
        "DELETE FROM ipt_audit",
        "TRUNCATE ipt_audit",
        "UPDATE ipt_snapshot_files SET payload = 'x' WHERE name = 'S0001.json'",
        "DELETE FROM ipt_snapshot_files WHERE name = 'S0001.json'",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="kept as a record"):
            sql(pg_url, statement)
    assert [e.field for e in filled.audit()] == ["created"]
    assert [h.label for h in Repository(pg_url).snapshots.list()] == ["Board"]


def test_a_read_only_role_reads_everything_and_is_refused_any_change(
    filled: Repository, pg_url: str, pg_server: str
) -> None:
    role = f"board_{secrets.token_hex(4)}"
    schema = sql(pg_url, "SELECT current_schema()")[0][0]
    make_roles(pg_server, role)
    try:
        sql(pg_server, f"GRANT USAGE ON SCHEMA {schema} TO {role}")
        sql(pg_server, f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}")
        reader = Repository(pg_url.replace("ipt@", f"{role}@"))
        assert reader.read_only
        assert reader.plan("test-plan").actions[0].ref == "WF-01"
        with pytest.raises(ReadOnlyStore, match="read-only here; nothing was saved"):
            reader.update_action("test-plan", "WF-01", {"progress": 90}, by="board", on=ON)
        with pytest.raises(ReadOnlyStore):
            reader.take_snapshot("test-plan", label="Board", as_of=ON, by="board")
        assert sql(pg_url, "SELECT revision FROM ipt_meta") == [(1,)]
        reader.storage.close()  # type: ignore[attr-defined]
    finally:
        sql(pg_server, f"DROP OWNED BY {role}")
        sql(pg_server, f"DROP ROLE {role}")


def test_a_writer_waiting_too_long_for_the_lock_is_told_so(filled: Repository, pg_url: str) -> None:
    holder = PostgresStorage(pg_url)
    waiter = Repository(PostgresStorage(pg_url, lock_timeout=0.3))
    with holder.locked(), pytest.raises(StoreBusy, match=r"did not finish within 0\.3s; nothing was saved"):
        waiter.update_action("test-plan", "WF-01", {"progress": 5}, by="PM", on=ON)
    waiter.update_action("test-plan", "WF-01", {"progress": 5}, by="PM", on=ON)
    assert waiter.revision == 2


def test_a_damaged_row_is_reported_by_name_and_nothing_is_written(filled: Repository, pg_url: str) -> None:
    sql(
        pg_url,
        "UPDATE ipt_documents SET document = jsonb_set(document, '{progress}', '\"lots\"') "
        "WHERE table_name = 'actions' AND key = '\"WF-03\"'",
    )
    with pytest.raises(StoreInvalid, match="actions") as caught:
        Repository(pg_url)
    assert "progress" in str(caught.value)
    assert sql(pg_url, "SELECT revision FROM ipt_meta") == [(1,)]


def test_a_lost_connection_is_made_again_for_reads_and_a_change_says_it_was_not_saved(
    filled: Repository, pg_url: str, pg_server: str
) -> None:
    storage = filled.storage
    assert isinstance(storage, PostgresStorage)

    def cut() -> None:
        sql(pg_server, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s "
            "AND pid <> pg_backend_pid()", (pg_url.rsplit("application_name=", 1)[1],))  # fmt: skip

    cut()
    assert filled.changed_on_disk() is False  # read again on a new connection
    cut()
    filled.update_action("test-plan", "WF-02", {"progress": 12}, by="PM", on=ON)
    assert filled.revision == 2

    with storage.locked():
        documents = storage.begin()
        cut()
        with pytest.raises(DatabaseUnavailable, match=r"lost the connection while .*nothing was saved"):
            documents.find("actions", "test-plan", "ref", "WF-01")
            storage.commit([], {"revision": 3, "commit": "00000000000000c3", "schema_version": 1})
    assert sql(pg_url, "SELECT revision FROM ipt_meta") == [(2,)]
    filled.update_action("test-plan", "WF-02", {"progress": 13}, by="PM", on=ON)
    assert filled.revision == 3


def test_a_commit_whose_connection_dies_is_told_whether_it_landed(
    filled: Repository, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = filled.storage
    assert isinstance(storage, PostgresStorage)
    real_execute = psycopg.Connection.execute

    def commit_then_drop(
        self: psycopg.Connection[object], query: object, *args: object, **kw: object
    ) -> object:
        result = real_execute(self, query, *args, **kw)  # type: ignore[call-overload]
        if query == "COMMIT" and storage._in_change is False and lose.is_set():
            lose.clear()
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        return result

    lose = threading.Event()
    lose.set()
    monkeypatch.setattr(psycopg.Connection, "execute", commit_then_drop)
    # The COMMIT reached the server before the connection died: the change is kept, and said so.
    filled.update_action("test-plan", "WF-04", {"progress": 61}, by="PM", on=ON)
    monkeypatch.undo()
    assert filled.revision == 2
    assert Repository(pg_url).plan("test-plan").actions[3].progress == 61


def test_the_store_error_messages_name_the_database_not_a_file(pg_url: str) -> None:
    repo = Repository(pg_url)
    assert str(repo.where).startswith("database postgres on ")
    with pytest.raises(StoreError, match=r"^no plan 'nope' in the store"):
        repo.plan("nope")


def test_a_database_that_is_not_there_is_said_in_plain_words(pg_url: str) -> None:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(pg_url)
    missing = urlunsplit(parts._replace(path="/no_such_plans"))
    with pytest.raises(DatabaseUnavailable) as refused:
        Repository(missing)
    said = str(refused.value)
    assert said.startswith("database no_such_plans on ")
    assert "cannot connect: the server has no such database or user (" in said
    assert '"no_such_plans" does not exist' in said  # libpq's own words kept, for whoever runs it


@pytest.fixture
def two_trackers(filled: Repository, pg_url: str) -> Iterator[tuple[Repository, Repository]]:
    other = Repository(pg_url)
    yield filled, other


def test_another_open_repository_sees_a_change_at_once(two_trackers: tuple[Repository, Repository]) -> None:
    mine, theirs = two_trackers
    assert not theirs.changed_on_disk()
    mine.update_action("test-plan", "WF-05", {"progress": 77}, by="PM", on=ON)
    assert theirs.changed_on_disk()
    assert theirs.reload_if_changed()
    assert theirs.plan("test-plan").actions[4].progress == 77


def test_a_commit_that_never_reached_the_server_says_nothing_was_saved(
    filled: Repository, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_execute = psycopg.Connection.execute

    def drop_before_commit(
        self: psycopg.Connection[object], query: object, *args: object, **kw: object
    ) -> object:
        if query == "COMMIT" and filled.storage._in_change is False:  # type: ignore[attr-defined]
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        return real_execute(self, query, *args, **kw)  # type: ignore[call-overload]

    monkeypatch.setattr(psycopg.Connection, "execute", drop_before_commit)
    with pytest.raises(StoreError, match="not saved: the connection was lost while saving"):
        filled.update_action("test-plan", "WF-04", {"progress": 61}, by="PM", on=ON)
    monkeypatch.undo()
    assert sql(pg_url, "SELECT revision FROM ipt_meta") == [(1,)]
    assert Repository(pg_url).plan("test-plan").actions[3].progress == 0
    filled.update_action("test-plan", "WF-04", {"progress": 62}, by="PM", on=ON)
    assert filled.revision == 2


# Live: a save reaches every open tracker --------------------------------------------------------


def test_a_change_saved_anywhere_is_pushed_to_every_watcher_within_a_second(
    filled: Repository, pg_url: str
) -> None:
    import time

    arrived: list[float] = []
    heard = threading.Event()

    def changed() -> None:
        arrived.append(time.perf_counter())
        heard.set()

    watcher = Repository(pg_url)
    stop = watcher.storage.watch(changed)
    assert stop is not None
    try:
        time.sleep(0.3)  # the listener's LISTEN is in place
        heard.clear()
        arrived.clear()
        delays = []
        for n in range(10):
            heard.clear()
            saved = time.perf_counter()
            filled.update_action("test-plan", "WF-01", {"progress": n + 1}, by="PM", on=ON)
            assert heard.wait(1.0), f"change {n} was not heard within a second"
            delays.append(arrived[-1] - saved)
        assert watcher.reload_if_changed()
        assert watcher.plan("test-plan").actions[0].progress == 10
        delays.sort()
        print(f"\nNOTIFY to listener: median {delays[5] * 1000:.1f} ms, p90 {delays[9] * 1000:.1f} ms")
        # A rolled-back change notifies no one.
        heard.clear()
        with pytest.raises(StoreError):
            filled.update_action("test-plan", "WF-01", {"progress": 200}, by="PM", on=ON)
        assert not heard.wait(0.5)
    finally:
        stop()


async def test_an_open_tracker_shows_a_change_saved_elsewhere_within_a_second(
    filled: Repository, pg_url: str
) -> None:
    import time

    from tui.app import make_app

    app = make_app(pg_url, as_of=ON, by="PM", poll_seconds=60)  # no poll would come in time
    async with app.run_test(size=(140, 40)) as pilot:
        for _ in range(100):
            await pilot.pause(0.05)
            if app.repo is not None and app.plan_id is not None:
                break
        assert app.repo is not None
        await pilot.pause(0.3)  # the tracker's LISTEN is in place
        saved = time.perf_counter()
        filled.update_action("test-plan", "WF-02", {"progress": 64}, by="colleague", on=ON)
        shown = None
        while time.perf_counter() - saved < 1.0:
            await pilot.pause(0.02)
            if app.repo.plan("test-plan").actions[1].progress == 64:
                shown = time.perf_counter() - saved
                break
        assert shown is not None, "the tracker did not pick up the change within a second"
        print(f"\nsaved elsewhere to reloaded in the tracker: {shown * 1000:.0f} ms")


async def test_asking_the_database_for_changes_never_holds_up_the_tracker(
    filled: Repository, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from tui.app import make_app

    app = make_app(pg_url, as_of=ON, by="PM", poll_seconds=60)
    async with app.run_test(size=(140, 40)) as pilot:
        for _ in range(100):
            await pilot.pause(0.05)
            if app.has_plan:
                break
        assert app.has_plan
        version = app.data_version

        def slow_answer(self: Repository) -> bool:
            time.sleep(1.0)  # a server across a network that has gone quiet
            return True

        monkeypatch.setattr(Repository, "changed_on_disk", slow_answer)
        started = time.perf_counter()
        app.check_for_changes()
        asked_in = time.perf_counter() - started
        await pilot.press("2")  # keys are answered while the question waits
        assert app.current_mode == "actions"
        assert asked_in < 0.2, f"the tracker waited {asked_in:.2f} s for the database"
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert app.data_version > version  # and when the answer came, the plan was read again


def test_the_readme_grants_let_editors_edit_and_readers_only_read(
    filled: Repository, pg_url: str, pg_server: str
) -> None:
    """The roles exactly as the README sets them up (its SQL, run here on this test's schema)."""
    import re

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    section = readme.split("## Sharing a plan with your team", 1)[1]
    grants = re.search(r"```sql\n(.*?)```", section, re.S)
    assert grants is not None
    suffix = secrets.token_hex(3)
    schema = str(sql(pg_url, "SELECT current_schema()")[0][0])
    names = {
        "ipt_editors": f"editors_{suffix}",
        "ipt_readers": f"readers_{suffix}",
        "alice": f"alice_{suffix}",
        "board_chair": f"chair_{suffix}",
    }
    script = grants.group(1).replace("public", schema)
    for name, unique in names.items():
        script = re.sub(rf"\b{name}\b", unique, script)
    make_roles(pg_server, names["alice"], names["board_chair"])
    try:
        sql(pg_url, script)
        editor = Repository(pg_url.replace("ipt@", f"{names['alice']}@"))
        assert not editor.read_only
        editor.update_action("test-plan", "WF-01", {"progress": 35}, by="alice", on=ON, note="Started")
        editor.take_snapshot("test-plan", label="Board", as_of=ON, by="alice")
        editor.take_snapshot("test-plan", label="Board 2", as_of=ON, by="alice")
        for statement in ("UPDATE ipt_audit SET key = 'x'", "DELETE FROM ipt_snapshot_files"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                sql(pg_url.replace("ipt@", f"{names['alice']}@"), statement)

        reader = Repository(pg_url.replace("ipt@", f"{names['board_chair']}@"))
        assert reader.read_only
        assert reader.plan("test-plan").actions[0].progress == 35
        assert [h.label for h in reader.snapshots.list()] == ["Board", "Board 2"]
        with pytest.raises(ReadOnlyStore):
            reader.update_action("test-plan", "WF-01", {"progress": 90}, by="chair", on=ON)
        for repo in (editor, reader):
            repo.storage.close()  # type: ignore[attr-defined]
    finally:
        for role in names.values():
            sql(pg_server, f"DROP OWNED BY {role} CASCADE")
            sql(pg_server, f"DROP ROLE {role}")


# Catching up on another's save ------------------------------------------------------------------


def test_an_open_repository_catches_up_on_the_rows_changed_not_the_whole_store(
    filled: Repository, pg_url: str
) -> None:
    from store.models import Action, Theme

    theirs = Repository(pg_url)
    parses = theirs.storage.parses
    filled.update_action("test-plan", "WF-03", {"progress": 33}, by="PM", on=ON, note="Moving")
    filled.create("test-plan", Theme(key="PT", name="Partnerships"), by="PM")
    filled.create("test-plan", Action(ref="PT-01", theme="PT", title="Joint protocol", owner="Lead"), by="PM")
    filled.delete("test-plan", Action, "WF-12", by="PM")
    assert theirs.reload_if_changed()
    assert theirs.storage.parses == parses  # caught up from the changed rows alone
    assert theirs.revision == filled.revision and theirs.token == filled.token
    fresh = Repository(pg_url)
    assert theirs.plan("test-plan") == fresh.plan("test-plan")
    # And a change made from the caught-up copy lands on the latest state.
    theirs.update_action("test-plan", "PT-01", {"progress": 10}, by="other", on=ON)
    assert Repository(pg_url).plan("test-plan").action("PT-01").progress == 10
    assert theirs.storage.parses == parses


def test_a_damaged_row_met_while_catching_up_is_reported_as_on_opening(
    filled: Repository, pg_url: str
) -> None:
    theirs = Repository(pg_url)
    filled.update_action("test-plan", "WF-03", {"progress": 33}, by="PM", on=ON)
    sql(
        pg_url,
        "UPDATE ipt_documents SET document = jsonb_set(document, '{progress}', '\"lots\"') "
        "WHERE table_name = 'actions' AND key = '\"WF-03\"'",
    )
    with pytest.raises(StoreInvalid, match="progress"):
        theirs.reload_if_changed()


def test_an_older_database_is_refused_until_migrated_and_migrate_brings_it_up(
    pg_empty_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from store.pg_schema import MIGRATIONS

    sql(pg_empty_url, MIGRATIONS[0])
    sql(pg_empty_url, "INSERT INTO ipt_schema (version) VALUES (1)")
    assert main(["--db", pg_empty_url, "plans"]) == 1
    assert f"at version 1 and this ipt needs {DATABASE_VERSION}; bring them up to date with" in (
        capsys.readouterr().err
    )
    assert main(["--db", pg_empty_url, "store", "migrate"]) == 0
    assert f"from version 1 to {DATABASE_VERSION}" in capsys.readouterr().out
    assert main(["--db", pg_empty_url, "init", "--sample", "oldham-2019"]) == 0
