"""The words an action's state is told in: its status and its RAG.

Plain Python enums, apart from the pydantic models in :mod:`store.models` (which re-exports
them), so the UI can draw its first frame before pydantic has been loaded.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Where an action stands, as its owner reports it."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETE = "complete"
    BLOCKED = "blocked"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Rag(StrEnum):
    """The owner's red/amber/green assessment; blue means complete."""

    RED = "red"
    AMBER = "amber"
    GREEN = "green"
    BLUE = "blue"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def rank(self) -> int:
        """Better is higher: red 0, amber 1, green 2, blue 3."""
        return ["red", "amber", "green", "blue"].index(self.value)


RAG_WORDS: dict[str, Rag] = {
    **{rag.value: rag for rag in Rag},
    **{rag.value[0]: rag for rag in Rag},
    "c": Rag.BLUE,
    "complete": Rag.BLUE,
}
"""Every way a spreadsheet or a person writes a RAG: words, letters, and "complete" for blue."""
