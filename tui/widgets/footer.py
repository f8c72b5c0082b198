"""Textual's footer without its leak.

Each time the bindings change (a new section, a dialog, focus moving) Textual's ``Footer``
composes its keys again. Every new ``FooterKey`` watches the footer's ``compact`` setting,
and Textual keeps that watch, and through it the discarded key and its render caches, until
``compact`` next changes, which in ipt it never does (Textual issue 6666). A morning of
moving between sections kept tens of thousands of dead widgets' objects; this footer lets go
of the watches of keys it has discarded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.widgets import Footer as TextualFooter

if TYPE_CHECKING:
    from textual.screen import Screen


class Footer(TextualFooter):
    _recompose_pending = False

    def bindings_changed(self, screen: Screen[object]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or self._recompose_pending:
            return
        if self.is_attached and screen is self.screen:
            self._recompose_pending = True
            self.call_after_refresh(self._recompose_once)

    async def _recompose_once(self) -> None:
        self._recompose_pending = False
        await self.recompose()

    async def recompose(self) -> None:
        await super().recompose()
        watchers: dict[str, list[tuple[Any, Any]]] = getattr(self, "__watchers", {})
        for entries in watchers.values():
            entries[:] = [(node, callback) for node, callback in entries if node is self or node.is_attached]
