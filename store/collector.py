"""Pausing Python's cyclic garbage collector while big, acyclic data is built.

Reading a 10,000-action store, rolling it up or rendering its board pack makes hundreds of
thousands of objects and no reference cycles. With the collector on, each of those jobs sets
off several full collections, and each full collection walks every object the process holds
(0.1-0.4 s at 10,000 actions); reference counting alone frees all of it. Pauses nest and may
come from several threads at once: the collector comes back on when the last one ends, and
only if it was on when the first began.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator


class _Pauses:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.depth = 0
        self.was_enabled = True

    def begin(self, *, collect: bool) -> None:
        if collect:
            gc.collect()
        with self.lock:
            if self.depth == 0:
                self.was_enabled = gc.isenabled()
            self.depth += 1
            gc.disable()

    def end(self, *, freeze: bool) -> None:
        with self.lock:
            self.depth -= 1
            if self.depth == 0 and self.was_enabled:
                gc.enable()
            if freeze:
                gc.freeze()


_pauses = _Pauses()


@contextlib.contextmanager
def collector_paused(*, freeze_after: bool = False, collect_first: bool | None = None) -> Iterator[None]:
    """Run the block without the cyclic collector.

    ``freeze_after`` then moves everything alive to the permanent generation (``gc.freeze``),
    so later collections skip it: for data kept for a long time, such as the plan an open
    tracker shows. Reference counting still frees it when it is dropped, but the collector
    never frees a cycle that was garbage when frozen, so a full collection comes first, while
    only what is not yet frozen needs scanning (a few milliseconds in a running tracker; the
    data about to be built is not there yet). Use it for rare, big builds, not every change.
    ``collect_first=False`` skips that collection where there is next to no garbage yet (a
    process just started) and every millisecond counts.
    """
    _pauses.begin(collect=freeze_after if collect_first is None else collect_first)
    try:
        yield
    finally:
        _pauses.end(freeze=freeze_after)
