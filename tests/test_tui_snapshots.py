"""SVG snapshots of each section on the Oldham sample, compared with tests/snapshots/*.svg.

Stable by configuration: a fixed ``as_of``, polling off, no clock in the UI, and every
worker waited for before the screenshot. pytest-textual-snapshot files its SVGs under
``__snapshots__``; these live in ``tests/snapshots/`` beside the other UI fixtures, so the
comparison is done here. Run with ``IPT_UPDATE_SNAPSHOTS=1`` to accept new pictures, then
look at them before committing.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest

from store.repository import Repository
from tui.app import make_app

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("IPT_UPDATE_SNAPSHOTS") == "1"


def _normalise(svg: str) -> str:
    """Drop the per-run ids Rich gives an SVG, keeping everything that is drawn."""
    return re.sub(r"terminal-\d+", "terminal", svg)


@pytest.fixture
def oldham_store(tmp_path: Path) -> Path:
    sample_plans = pytest.importorskip("sample_plans")
    try:
        plan_file = sample_plans.load_sample("oldham-2019")
    except (AttributeError, KeyError):
        pytest.skip("the Oldham sample plan is not bundled")
    path = tmp_path / "plans.json"
    Repository(path).add_plan(plan_file.plan, by="setup")
    return path


async def _screenshot(store: Path, tmp_path: Path, keys: tuple[str, ...], size: tuple[int, int]) -> str:
    app = make_app(
        store, as_of=date(2019, 11, 20), by="tester", poll_seconds=0, settings_path=tmp_path / "settings.json"
    )
    async with app.run_test(size=size) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
            await app.workers.wait_for_complete()
            await pilot.pause()
        return app.export_screenshot(title="ipt")


@pytest.mark.parametrize(
    ("name", "keys", "size"),
    [
        (f"{section}_{width}x{height}", (str(key),), (width, height))
        for key, section in enumerate(
            ("dashboard", "actions", "recommendations", "funding", "scorecard", "reviews"), start=1
        )
        for width, height in ((80, 24), (120, 40))
    ],
)
async def test_section_snapshot(
    oldham_store: Path, tmp_path: Path, name: str, keys: tuple[str, ...], size: tuple[int, int]
) -> None:
    svg = await _screenshot(oldham_store, tmp_path, keys, size)
    target = SNAPSHOTS / f"{name}.svg"
    if UPDATE or not target.exists():
        SNAPSHOTS.mkdir(exist_ok=True)
        target.write_text(svg, encoding="utf-8")
        if not UPDATE:
            pytest.skip(f"wrote the first snapshot {target.name}; check it and run again")
        return
    assert _normalise(svg) == _normalise(target.read_text(encoding="utf-8")), (
        f"{name} differs from {target}; if the change is intended, rerun with IPT_UPDATE_SNAPSHOTS=1"
    )
