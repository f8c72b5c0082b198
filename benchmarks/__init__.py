"""Benchmarks for the store: seeded stress plans and the timing harness behind ``make bench``.

- :mod:`benchmarks.generate` builds large, realistic, valid plans and stores (with a long
  audit journal) from a seed, so every run measures the same data.
- :mod:`benchmarks.run` times opening and editing those stores against a floor measured in
  the same run (plain ``orjson`` parse; plain ``orjson`` dump + durable file replacement),
  prints the table and can write the figures as JSON.
- :mod:`benchmarks.workloads` times the board-pack exports, the tracker import and snapshots
  in the same worker processes, and runs :mod:`benchmarks.tui_bench` (the UI) for it.
"""
