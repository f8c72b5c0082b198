"""Files beside the store, and inputs that are not what they seem: links, folders, pipes,
devices, unreadable files, huge values; and the modes of what ipt makes.

Each refusal is checked from the command line: exit 1, one ``ipt: …`` line naming the
path or field, no traceback, and nothing written (the store's folder and any link's
target are byte-for-byte as they were).
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from store.plan_files import write_plan_file
from tests.conftest import make_plan
from tui.cli.commands import main

ROOT = Path(__file__).parents[1]
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Messages are checked as one line, so the console must not wrap them."""
    monkeypatch.setenv("COLUMNS", "1000")


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    path = tmp_path / "input" / "plan.json"
    path.parent.mkdir()
    write_plan_file(make_plan(), path)
    return path


@pytest.fixture
def db(tmp_path: Path, plan_file: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A store holding the test plan, in a folder of its own."""
    path = tmp_path / "store" / "plans.json"
    path.parent.mkdir()
    assert main(["--db", str(path), "import", str(plan_file)]) == 0
    capsys.readouterr()
    return path


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A folder with a file in it that a link beside the store points at."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "target").write_bytes(b"precious\n")
    return folder


def tree(folder: Path) -> dict[str, bytes | str]:
    """Every entry under ``folder``: a file's bytes, a link's target, a folder's marker."""
    found: dict[str, bytes | str] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            key = str(path.relative_to(folder))
            if path.is_symlink():
                found[key] = "-> " + os.readlink(path)
            elif path.is_dir():
                found[key] = "folder"
            else:
                found[key] = path.read_bytes()
    return found


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_ipt(*args: str, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    """``ipt`` in its own process, for inputs that could block or never end."""
    return subprocess.run(
        [sys.executable, "-c", "import sys; from tui.cli.commands import main; sys.exit(main())", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "1000"},
        check=False,
    )


def assert_refused(code: int, err: str, *named: str) -> None:
    assert "Traceback" not in err, err
    assert code == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ipt: "), err
    for text in named:
        assert text in lines[0], (text, err)


# 5. Links beside the store --------------------------------------------------------------------


@pytest.mark.parametrize(
    "sidecar",
    ["plans.json.audit.jsonl", "plans.json.lock", "plans.json.bak"],
    ids=["journal", "lock", "backup"],
)
def test_a_save_never_writes_through_a_linked_sidecar(
    capsys: pytest.CaptureFixture[str], db: Path, elsewhere: Path, sidecar: str
) -> None:
    link = db.parent / sidecar
    link.unlink(missing_ok=True)
    link.symlink_to(elsewhere / "target")
    before, outside = tree(db.parent), tree(elsewhere)
    code, _, err = run(capsys, "--db", str(db), "update", "WF-01", "--note", "Met the team")
    assert_refused(code, err, str(link), "symbolic link")
    assert tree(db.parent) == before
    assert tree(elsewhere) == outside


def test_a_linked_snapshots_folder_is_refused(
    capsys: pytest.CaptureFixture[str], db: Path, elsewhere: Path
) -> None:
    link = db.parent / "plans.json.snapshots"
    link.symlink_to(elsewhere, target_is_directory=True)
    before, outside = tree(db.parent), tree(elsewhere)
    code, _, err = run(capsys, "--db", str(db), "snapshot", "--label", "Board", "--as-of", "2019-10-03")
    assert_refused(code, err, str(link), "symbolic link")
    assert tree(db.parent) == before
    assert tree(elsewhere) == outside


@pytest.mark.parametrize("name", ["index.json", ".lock"])
def test_a_linked_file_in_the_snapshots_folder_is_refused(
    capsys: pytest.CaptureFixture[str], db: Path, elsewhere: Path, name: str
) -> None:
    folder = db.parent / "plans.json.snapshots"
    folder.mkdir()
    (folder / name).symlink_to(elsewhere / "target")
    before, outside = tree(db.parent), tree(elsewhere)
    code, _, err = run(capsys, "--db", str(db), "snapshot", "--label", "Board", "--as-of", "2019-10-03")
    assert_refused(code, err, str(folder / name), "symbolic link")
    assert tree(db.parent) == before
    assert tree(elsewhere) == outside


def test_the_write_primitives_refuse_links_themselves(tmp_path: Path, elsewhere: Path) -> None:
    """The same refusals without the check made when the store is opened (a link made later)."""
    from store.errors import SymlinkRefused
    from store.journal import AuditJournal
    from store.storage import keep_backup, write_atomically

    store = tmp_path / "plans.json"
    store.write_bytes(b"{}")
    links = {name: tmp_path / name for name in ("plans.json.audit.jsonl", "plans.json.bak", "out.md")}
    for link in links.values():
        link.symlink_to(elsewhere / "target")
    outside = tree(elsewhere)
    from store.models import AuditEntry

    entry = AuditEntry.model_validate(
        {
            "at": "2019-10-03T10:00:00Z",
            "by": "t",
            "plan_id": "p",
            "entity": "plan",
            "key": "p",
            "field": "created",
        }
    )
    with pytest.raises(SymlinkRefused, match="audit journal"):
        AuditJournal(links["plans.json.audit.jsonl"]).append([entry], revision=1, token="0" * 16)
    with pytest.raises(SymlinkRefused, match="backup"):
        keep_backup(store)
    with pytest.raises(SymlinkRefused):
        write_atomically(links["out.md"], b"report")
    assert tree(elsewhere) == outside
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temp left


def test_export_does_not_replace_a_link_given_as_out(
    capsys: pytest.CaptureFixture[str], db: Path, elsewhere: Path
) -> None:
    out = db.parent / "board.md"
    out.symlink_to(elsewhere / "target")
    code, _, err = run(
        capsys, "--db", str(db), "export", "--format", "md", "--out", str(out), "--as-of", "2019-10-03"
    )
    assert_refused(code, err, str(out), "symbolic link")
    assert out.is_symlink() and (elsewhere / "target").read_bytes() == b"precious\n"


def test_a_store_that_is_a_link_is_followed_to_its_real_file(
    capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path
) -> None:
    """The real file keeps receiving saves, with its journal, lock and backup beside it."""
    from store.safe_files import check_store_path

    real = tmp_path / "real" / "plans.json"
    real.parent.mkdir()
    for path in db.parent.iterdir():
        path.rename(real.parent / path.name.replace("plans.json", real.name))
    link = tmp_path / "linked" / "plans.json"
    link.parent.mkdir()
    link.symlink_to(real)
    assert check_store_path(link) == real.resolve()
    code, _, err = run(capsys, "--db", str(link), "update", "WF-01", "--note", "Met the team")
    assert code == 0, err
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert b"Met the team" in real.read_bytes()
    assert b"Met the team" in (real.parent / "plans.json.audit.jsonl").read_bytes()
    assert (real.parent / "plans.json.bak").exists()
    assert sorted(p.name for p in link.parent.iterdir()) == ["plans.json"]


def test_settings_are_never_written_through_a_link(tmp_path: Path, elsewhere: Path) -> None:
    from tui.settings import LIGHT_THEME, Settings, save_settings

    for name in ("settings.json", "settings.json.tmp"):
        folder = tmp_path / name.replace(".", "-")
        folder.mkdir()
        (folder / name).symlink_to(elsewhere / "target")
        outside = tree(elsewhere)
        problem = save_settings(folder / "settings.json", Settings(theme=LIGHT_THEME))
        assert problem is not None and "symbolic link" in problem and str(folder / name) in problem
        assert tree(elsewhere) == outside
        assert (folder / name).is_symlink()


# 6. Inputs that gave tracebacks or hangs ------------------------------------------------------


def test_a_store_path_that_is_a_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = tmp_path / "plans.json"
    folder.mkdir()
    code, _, err = run(capsys, "--db", str(folder), "plans")
    assert_refused(code, err, str(folder), "folder")
    code, _, err = run(capsys, "--db", str(folder), "init", "--sample", "oldham-2019")
    assert_refused(code, err, str(folder), "folder")
    assert list(folder.iterdir()) == []


def test_a_store_path_under_a_regular_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    somefile = tmp_path / "somefile.txt"
    somefile.write_bytes(b"notes\n")
    for command in (["plans"], ["init", "--sample", "oldham-2019"]):
        code, _, err = run(capsys, "--db", str(somefile / "plans.json"), *command)
        assert_refused(code, err, str(somefile), "is a file, not a folder")
    assert somefile.read_bytes() == b"notes\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["somefile.txt"]


@pytest.mark.skipif(AS_ROOT, reason="running as root: chmod 000 does not deny root (see the next test)")
def test_an_unreadable_store(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    before = db.read_bytes()
    db.chmod(0)
    try:
        code, _, err = run(capsys, "--db", str(db), "plans")
    finally:
        db.chmod(0o600)
    assert_refused(code, err, str(db), "cannot be read")
    assert db.read_bytes() == before


def test_an_unreadable_store_as_seen_by_the_access_check(
    capsys: pytest.CaptureFixture[str], db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What an ordinary user meets with a chmod 000 store, told to the check by a stand-in
    ``os.access`` (chmod cannot deny root, and these tests may run as root)."""
    real_access = os.access

    def access(path: object, mode: int, **kwargs: object) -> bool:
        if Path(str(path)) == db and mode & os.R_OK:
            return False
        return real_access(path, mode, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "access", access)
    before = tree(db.parent)
    code, _, err = run(capsys, "--db", str(db), "update", "WF-01", "--note", "x")
    assert_refused(code, err, str(db), "cannot be read")
    assert tree(db.parent) == before


@pytest.mark.parametrize("command", ["plans", "import", "validate"])
def test_a_fifo_is_refused_not_waited_on(tmp_path: Path, db: Path, command: str) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    before = tree(db.parent)
    if command == "plans":
        result = run_ipt("--db", str(fifo), "plans")
    else:
        result = run_ipt("--db", str(db), command, str(fifo))
    assert_refused(result.returncode, result.stderr, str(fifo), "named pipe (FIFO)")
    assert tree(db.parent) == before
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
@pytest.mark.parametrize("command", ["plans", "import", "validate"])
def test_dev_zero_is_refused_not_read_for_ever(db: Path, command: str) -> None:
    before = tree(db.parent)
    if command == "plans":
        result = run_ipt("--db", "/dev/zero", "plans")
    else:
        result = run_ipt("--db", str(db), command, "/dev/zero")
    assert_refused(result.returncode, result.stderr, "/dev/zero", "character device")
    assert tree(db.parent) == before


def test_a_revision_that_is_not_a_number(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    import orjson

    data = orjson.loads(db.read_bytes())
    data["meta"]["1"]["revision"] = "abc"
    db.write_bytes(orjson.dumps(data))
    before = tree(db.parent)
    for command in (["plans"], ["update", "WF-01", "--note", "x"]):
        code, _, err = run(capsys, "--db", str(db), *command)
        assert "Traceback" not in err and code == 1
        assert str(db) in err and "'abc'" in err
    assert tree(db.parent) == before


def test_a_note_longer_than_an_update_may_be(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    before = tree(db.parent)
    code, _, err = run(capsys, "--db", str(db), "update", "WF-01", "--note", "x" * 20_001)
    assert_refused(code, err, "WF-01.note", "20,001", "20,000")
    assert tree(db.parent) == before
    code, _, err = run(capsys, "--db", str(db), "update", "WF-01", "--note", "x" * 20_000)
    assert code == 0, err


@pytest.mark.parametrize(
    "command",
    [
        ["summary"],
        ["summary", "--json"],
        ["export", "--format", "md", "--out", "{out}"],
        ["export", "--format", "xlsx", "--out", "{out}"],
        ["snapshot", "--label", "Far ahead"],
    ],
    ids=["summary", "summary-json", "export-md", "export-xlsx", "snapshot"],
)
def test_the_last_day_of_the_calendar_as_of(
    capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path, command: list[str]
) -> None:
    """Roll-ups look 30 days ahead; on 31 December 9999 they stop at the calendar's end."""
    args = [part.replace("{out}", str(tmp_path / "pack")) for part in command]
    code, _, err = run(capsys, "--db", str(db), *args, "--as-of", "9999-12-31")
    assert "Traceback" not in err
    assert code == 0, err


def test_a_board_on_the_last_day_of_the_calendar(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    code, _, err = run(capsys, "--db", str(db), "review", "start", "--date", "9999-12-31")
    assert code in (0, 1) and "Traceback" not in err


@pytest.mark.parametrize("amount", ["1e400", '"1e400"'], ids=["number", "text"])
@pytest.mark.parametrize("command", ["import", "validate"])
def test_money_too_large_names_its_field(
    capsys: pytest.CaptureFixture[str], db: Path, plan_file: Path, amount: str, command: str
) -> None:
    raw = plan_file.read_text(encoding="utf-8")
    first = raw.index('"amount": ')
    end = raw.index(",", first) if raw.index(",", first) < raw.index("\n", first) else raw.index("\n", first)
    plan_file.write_text(raw[:first] + f'"amount": {amount}' + raw[end:], encoding="utf-8")
    before = tree(db.parent)
    code, _, err = run(capsys, "--db", str(db), command, str(plan_file))
    assert "Traceback" not in err
    assert code == 1
    assert str(plan_file) in err and "plan.allocations[0].amount" in err and "1e400" in err
    assert tree(db.parent) == before


# 7. Folders 0700 and settings 0600 whatever the umask -----------------------------------------

UMASKS = [0o000, 0o077, 0o022]


@pytest.fixture(params=UMASKS, ids=[f"umask-{mask:03o}" for mask in UMASKS])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    try:
        yield int(request.param)
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize(
    "mask",
    [
        pytest.param(0o000, id="umask-000"),
        pytest.param(0o077, id="umask-077"),
        pytest.param(0o022, id="umask-022"),
    ],
)
def test_the_store_folders_ipt_makes_are_private(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, plan_file: Path, mask: int
) -> None:
    """Every folder made for a new store, parents included, is 0700; the store file 0600."""
    store = tmp_path / "new" / "deeper" / "plans.json"
    old = os.umask(mask)
    try:
        code, _, err = run(capsys, "--db", str(store), "import", str(plan_file))
    finally:
        os.umask(old)
    assert code == 0, err
    assert mode(tmp_path / "new") == 0o700
    assert mode(tmp_path / "new" / "deeper") == 0o700
    assert mode(store) == 0o600


def test_the_snapshots_folder_is_private(capsys: pytest.CaptureFixture[str], db: Path, umask: int) -> None:
    code, _, err = run(capsys, "--db", str(db), "snapshot", "--label", "Board", "--as-of", "2019-10-03")
    assert code == 0, err
    folder = db.parent / "plans.json.snapshots"
    assert mode(folder) == 0o700
    assert {path.name: mode(path) for path in folder.iterdir()} == {
        ".lock": 0o600,
        "S0001.json": 0o600,
        "index.json": 0o600,
    }


def test_the_config_folder_and_settings_are_private(tmp_path: Path, umask: int) -> None:
    from tui.settings import LIGHT_THEME, Settings, load_settings, save_settings

    path = tmp_path / "config" / "ipt" / "settings.json"
    assert save_settings(path, Settings(theme=LIGHT_THEME)) is None
    assert mode(tmp_path / "config") == 0o700
    assert mode(tmp_path / "config" / "ipt") == 0o700
    assert mode(path) == 0o600
    assert load_settings(path).theme == LIGHT_THEME
    assert sorted(p.name for p in path.parent.iterdir()) == ["settings.json"]


def test_a_folder_that_already_exists_keeps_its_mode(tmp_path: Path) -> None:
    from store.safe_files import make_private_folder

    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    assert make_private_folder(shared / "ipt") == [shared / "ipt"]
    assert mode(shared) == 0o755 and mode(shared / "ipt") == 0o700


def test_settings_in_a_fifo_give_the_defaults_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "settings.json"
    os.mkfifo(fifo)
    code = (
        "from pathlib import Path; from tui.settings import load_settings; "
        f"print(load_settings(Path({str(fifo)!r})).theme)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=20, cwd=ROOT, check=False
    )
    assert result.stdout.strip() == "textual-dark", result.stderr
