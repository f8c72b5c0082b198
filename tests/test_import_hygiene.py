"""store/ never imports the UI: checked at run time in a clean interpreter.

import-linter checks the same statically in `make check`; this catches imports made at
run time (inside functions) that a static check can miss.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
STORE_MODULES = sorted(
    "store." + ".".join(path.relative_to(ROOT / "store").with_suffix("").parts)
    for path in (ROOT / "store").rglob("*.py")
    if path.name != "__init__.py"
)


def test_store_modules_do_not_pull_in_textual_or_tui() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {STORE_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'textual', 'tui'})\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "", f"store/ imports {result.stdout.strip()}"


def test_the_store_modules_were_found() -> None:
    assert {"store.repository", "store.models", "store.storage"} <= set(STORE_MODULES)


FIRST_FRAME_MODULES = ["tui.cli.commands", "tui.app", "tui.screens.dashboard", "tui.screens.start"]
"""What `ipt` imports before the dashboard's first frame (the rest is imported after it)."""
HEAVY = (
    "pydantic",
    "store.models",
    "store.repository",
    "store.rollups",
    "filelock",
    "tui.commands",
    "psycopg",
)


def test_the_first_frame_needs_neither_pydantic_nor_the_repository() -> None:
    """Building the pydantic models costs ~0.2 s: the first frame is drawn before they are."""
    code = (
        "import importlib, sys\n"
        f"for name in {FIRST_FRAME_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        f"heavy = {HEAVY!r}\n"
        "bad = sorted(m for m in sys.modules if m.startswith(heavy))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "", f"imported before the first frame: {result.stdout.strip()}"


def test_a_store_file_never_loads_the_database_driver(tmp_path: Path) -> None:
    """psycopg is imported only when a ``postgresql://`` store is opened (about 40 ms saved)."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from tui.cli.commands import main\n"
        f"store = {str(tmp_path / 'plans.json')!r}\n"
        "assert main(['--db', store, 'init', '--sample', 'oldham-2019']) == 0\n"
        "assert main(['--db', store, 'summary']) == 0\n"
        "print('psycopg:' + ','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'psycopg')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip().splitlines()[-1] == "psycopg:", "a store file imported psycopg"
