"""Command palette provider: jump to an action, recommendation or KPI by ref or words,
switch plan, switch section, and run the board's tasks (export, import, snapshot, compare).

User text is never markup here either: hits are built as plain :class:`Content` and the
matched letters are highlighted by position, not by parsing the text; its control
characters are shown visibly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.style import Style

from store.text import visible
from tui.screens.base import SECTIONS

if TYPE_CHECKING:
    from tui.app import IptApp

MAX_HITS = 40
"""Enough to choose from; a 10,000-action plan must not flood the palette."""

NEW_FROM_REPORT = "New plan from inspection report…"
"""Offered whenever a store is open, with or without a plan (see :func:`open_new_from_report`)."""

Candidate = tuple[str, str, Callable[[], Any]]
"""(text to match and show, help line, what to do)."""


def candidates(app: IptApp) -> Iterator[Candidate]:
    """Everything the palette can jump to, cheapest and most used first."""
    for number, (name, title) in enumerate(SECTIONS.items(), 1):
        yield f"Go to {title}", f"Section {number}", partial(app.action_section, name)
    if app.has_plan:
        yield from tasks(app)
    if app.repo is not None:
        help_text = "Read an Ofsted report PDF: judgements and recommendations, shown before saving"
        yield NEW_FROM_REPORT, help_text, partial(open_new_from_report, app)
    if app.repo is not None:
        for plan_id in app.repo.plan_ids():
            if plan_id != app.plan_id:
                header = app.repo.plan(plan_id)
                yield f"Switch plan: {header.name}", plan_id, partial(app.switch_plan, plan_id)
    if not app.has_plan:
        return
    plan = app.plan
    for recommendation in plan.recommendations:
        yield (
            f"Recommendation {recommendation.number}: {recommendation.text[:80]}",
            "Recommendation",
            partial(app.show_recommendation, recommendation.number),
        )
    for kpi in plan.kpis:
        yield f"KPI {kpi.name}", f"KPI {kpi.id}", partial(app.show_kpi, kpi.id)
    for action in plan.actions:
        yield (
            f"{action.ref} {action.title[:80]}",
            f"Action, {action.status.label}",
            partial(app.open_action, action.ref),
        )


TASKS = (
    "Export board pack…",
    "Import tracker…",
    "Take snapshot…",
    "Compare snapshots…",
    "Read owners' returns…",
)


# The tasks' screens are imported when chosen, not when the app starts: together they pull in
# the exporters, the importer and the comparison, which a plain look at the plan never needs.


def open_export(app: IptApp) -> None:
    from tui.screens.export_dialog import export_flow

    export_flow(app)


def open_import(app: IptApp) -> None:
    from tui.screens.import_dialog import import_flow

    import_flow(app)


def open_returns(app: IptApp) -> None:
    from tui.screens.returns_dialog import returns_flow

    returns_flow(app)


def open_snapshot(app: IptApp) -> None:
    from tui.screens.reviews import take_snapshot_flow

    take_snapshot_flow(app)


def open_compare(app: IptApp) -> None:
    from tui.screens.compare import CompareScreen

    app.push_screen(CompareScreen())


def open_new_from_report(app: IptApp) -> None:
    from tui.screens.report_dialog import new_plan_from_report_flow

    new_plan_from_report_flow(app)


def tasks(app: IptApp) -> Iterator[Candidate]:
    """The board's tasks, offered on an open plan."""
    yield TASKS[0], "Write the pack: Markdown, HTML, XLSX, CSV or JSON", partial(open_export, app)
    yield TASKS[1], "Bring in an .xlsx or .csv action tracker, checked first", partial(open_import, app)
    yield TASKS[2], "Freeze the plan as it stands, for a later board", partial(open_snapshot, app)
    yield TASKS[3], "What moved between two snapshots", partial(open_compare, app)
    yield TASKS[4], "Bring in the owners' returned workbooks, checked first", partial(open_returns, app)


def plain_highlight(text: str, query: str) -> Content:
    """``text`` as plain content with the query's words emphasised where they occur."""
    content = Content(text)
    lowered = text.lower()
    for word in query.lower().split():
        start = lowered.find(word)
        if start >= 0:
            content = content.stylize(Style(bold=True, underline=True), start, start + len(word))
    return content


class IptCommands(Provider):
    """Jump anywhere in the open plan."""

    @property
    def ipt(self) -> IptApp:
        return cast("IptApp", self.app)

    async def discover(self) -> Hits:
        for text, help_text, command in candidates(self.ipt):
            if text.startswith(("Go to", "Switch plan")) or text in TASKS or text == NEW_FROM_REPORT:
                text = visible(text)
                yield DiscoveryHit(Content(text), command, text=text, help=help_text)

    async def search(self, query: str) -> Hits:
        words = query.lower().split()
        if not words:
            return
        matcher = self.matcher(query)
        found = 0
        for text, help_text, command in candidates(self.ipt):
            lowered = text.lower()
            if all(word in lowered for word in words):
                score = max(matcher.match(text), 0.5 if lowered.startswith(words[0]) else 0.1)
                text = visible(text)
                yield Hit(score, plain_highlight(text, query), command, text=text, help=help_text)
                found += 1
                if found >= MAX_HITS:
                    return
