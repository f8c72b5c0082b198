"""The one rule for suggested ids: one more than the largest number used with the prefix."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from store.ids import next_id, next_number


def test_next_id_counts_only_ids_of_its_own_prefix_and_shape() -> None:
    assert next_id("S", []) == "S1"
    assert next_id("S", ["S1", "S7", "A9", "S-3", "S²", "BBU-1920-INV"]) == "S8"
    assert next_id("A", ["A1", "A2"]) == "A3"
    assert next_id("R", ["R0001", "R0009"], width=4) == "R0010"
    assert next_id("R", [], width=4) == "R0001"
    assert next_id("R", ["R9999"], width=4) == "R10000"


def test_next_number() -> None:
    assert next_number([]) == 1
    assert next_number([3, 1, 7]) == 8


@given(st.lists(st.integers(min_value=1, max_value=10**6), max_size=20), st.sampled_from(["S", "A", "K"]))
def test_the_next_id_is_new_and_beyond_every_used_number(numbers: list[int], prefix: str) -> None:
    existing = [f"{prefix}{n}" for n in numbers]
    suggested = next_id(prefix, existing)
    assert suggested not in existing
    assert all(int(suggested[1:]) > n for n in numbers)
