"""The wheel holds the whole program: every module and data file under the shipped packages.

``pip install .``, ``pipx install .`` and ``uv tool install .`` install the wheel, not the
source tree, so a sub-package or data file the packaging misses is an ``ipt`` that fails on
first use (``No module named 'store.rollups'``) while every editable-install test passes.
This builds the wheel from a copy of the tree, offline, with the setuptools that ``make``
installs, and compares its file list with the files of store/, tui/ and sample_plans/.
``make install-check`` goes further: installs the wheel in a new venv and runs it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("store", "tui", "sample_plans")
# What a build reads besides the packages (pyproject's readme, licence files if any appear).
BUILD_INPUTS = ("pyproject.toml", "README.md", "LICENSE", "LICENSE.txt", "MANIFEST.in")
NEVER_SHIPPED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", ".*")
SETUPTOOLS_NEEDED = (77, 0)


def shipped_files(tree: Path) -> set[str]:
    """Every file of the packages in ``tree``, as a path inside the wheel."""
    return {
        path.relative_to(tree).as_posix()
        for package in PACKAGES
        for path in (tree / package).rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and path.suffix not in {".pyc", ".pyo"}
        and not any(part.startswith(".") for part in path.relative_to(tree).parts)
    }


def setuptools_version() -> tuple[int, ...]:
    try:
        version = metadata.version("setuptools")
    except metadata.PackageNotFoundError:
        return (0,)
    return tuple(int(part) for part in version.split(".")[:2] if part.isdigit())


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[str]]:
    """The wheel built from a copy of the tree (the tree itself never gets a build/ folder,
    and files changed while the build runs cannot make the comparison wrong), and the files
    of the packages in that copy."""
    if setuptools_version() < SETUPTOOLS_NEEDED:
        pytest.fail(
            "building the wheel needs setuptools>=77 in this environment; "
            "`make` installs it from requirements-dev.lock"
        )
    base = tmp_path_factory.mktemp("wheel")
    tree = base / "src"
    tree.mkdir()
    for name in BUILD_INPUTS:
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, tree / name)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tree / package, ignore=NEVER_SHIPPED)
    dist = base / "dist"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--disable-pip-version-check",
            "--wheel-dir",
            str(dist),
            str(tree),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, f"pip wheel failed:\n{result.stdout}\n{result.stderr}"
    (wheel,) = dist.glob("*.whl")
    return wheel, shipped_files(tree)


def wheel_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return {name for name in archive.namelist() if not name.endswith("/")}


def test_every_module_of_every_sub_package_is_in_the_wheel(build: tuple[Path, set[str]]) -> None:
    wheel, source = build
    modules = {name for name in source if name.endswith(".py")}
    assert any(name.count("/") >= 2 for name in modules), "expected sub-packages such as store/rollups/"
    missing = sorted(modules - wheel_names(wheel))
    assert not missing, f"{len(missing)} modules are not in {wheel.name}: {missing}"


def test_every_data_file_is_in_the_wheel(build: tuple[Path, set[str]]) -> None:
    wheel, source = build
    data = {name for name in source if not name.endswith(".py")}
    assert "tui/app.tcss" in data and "sample_plans/oldham-2019.json" in data
    missing = sorted(data - wheel_names(wheel))
    assert not missing, f"{len(missing)} data files are not in {wheel.name}: {missing}"


def test_the_wheel_holds_nothing_else(build: tuple[Path, set[str]]) -> None:
    wheel, source = build
    names = wheel_names(wheel)
    extra = sorted(name for name in names - source if ".dist-info/" not in name)
    assert not extra, f"{wheel.name} holds files that are not the packages' own: {extra}"
    assert not [name for name in names if "__pycache__" in name or name.endswith((".pyc", ".pyo"))]


def test_the_wheel_installs_the_ipt_command(build: tuple[Path, set[str]]) -> None:
    wheel, _ = build
    with zipfile.ZipFile(wheel) as archive:
        (entry_points,) = [n for n in archive.namelist() if n.endswith(".dist-info/entry_points.txt")]
        text = archive.read(entry_points).decode()
    assert "[console_scripts]" in text
    assert "ipt = tui.cli.commands:main" in text
