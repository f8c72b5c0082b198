"""The PostgreSQL benchmark's harness runs and counts what it says, on a tiny store."""

from __future__ import annotations

from benchmarks.pg_bench import time_edits_in_turns
from store.repository import Repository
from tests.conftest import make_plan


def test_edits_take_turns_across_the_sizes_and_each_lands(pg_url: str) -> None:
    small, large = make_plan("small", actions=3), make_plan("large", actions=6)
    setup = Repository(pg_url)
    setup.add_plan(small, by="test")
    setup.add_plan(large, by="test")
    samples = time_edits_in_turns({3: (pg_url, small), 6: (pg_url, large)}, runs=2)
    assert sorted(samples) == [3, 6]
    assert all(len(times) == 2 and all(t > 0 for t in times) for times in samples.values())
    after = Repository(pg_url)
    notes = [u.text for plan in ("small", "large") for a in after.plan(plan).actions for u in a.updates]
    assert sorted(notes) == sorted(f"Bench edit {run}" for run in range(3) for _ in range(2))
