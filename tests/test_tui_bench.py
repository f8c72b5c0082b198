"""The UI benchmarks run end to end on a tiny store and give sensible figures."""

from __future__ import annotations

from benchmarks.tui_bench import format_table, tui_figures


def test_tui_figures_on_a_tiny_store() -> None:
    figures = tui_figures(True, actions=200, runs=1, presses=5)
    names = [row["figure"] for row in figures]
    assert names == [
        "start-up: bare Textual app",
        "start-up: bare app + ipt's models",
        "start-up: ipt, Oldham sample",
        "start-up: ipt, 200 actions",
        "figures drawn: ipt, Oldham sample",
        "figures drawn: ipt, 200 actions",
        "start-up ratio: bare + models / bare",
        "start-up ratio: Oldham / bare",
        "start-up ratio: 200 actions / bare",
        "start-up ratio: Oldham figures / bare",
        "start-up ratio: 200 figures / bare",
        "down key to next frame, bare DataTable",
        "down key to next frame, 200 actions",
        "down key ratio: ipt / bare DataTable",
    ]
    for row in figures:
        assert row["median"] > 0, row
        assert row["p90"] is None or row["p90"] >= row["median"] > 0, row
        assert row["runs"] >= 1
    assert "down key" in format_table(figures)
