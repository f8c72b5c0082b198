"""Command palette provider: jump to an action, recommendation or KPI by ref or words,
switch plan, switch section, and run the board's tasks (export, import, snapshot, compare).

User text is never markup here either: hits are built as plain :class:`Content` and the
matched letters are highlighted by position, not by parsing the text; its control
characters are shown visibly.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.markup import escape
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
"""(text to match and show, help line, what to do); the help line is matched too."""


def folded(text: str) -> tuple[str, list[int]]:
    """``text`` in lower case with everything but letters and digits left out, and where each
    kept character stood: ``"WF-01 Recruit"`` -> ``("wf01recruit", [0, 1, 3, …])``."""
    kept = [(index, char) for index, char in enumerate(text.lower()) if char.isalnum()]
    return "".join(char for _, char in kept), [index for index, _ in kept]


def query_words(query: str) -> list[str]:
    """The query's words folded as :func:`folded` folds the text; words of punctuation alone go."""
    return [word for word in (folded(part)[0] for part in query.split()) if word]


def score(text: str, help_text: str, words: list[str]) -> float | None:
    """How well ``words`` match a candidate, from 0 to 1; None when one of them is in neither
    its text nor its help line. The whole query being the text's first word (a ref such as
    WF-01) or a part of its help line (a plan's id) scores highest, then the text starting
    with it, then the words found at the starts of the text's words, then anywhere."""
    text_folded = folded(text)[0]
    found = text_folded + " " + folded(help_text)[0]
    if not words or not all(word in found for word in words):
        return None
    whole = "".join(words)
    first_word = folded(text.split(" ", 1)[0])[0]
    if whole == first_word or whole in (folded(part)[0] for part in help_text.split(" · ")):
        return 1.0
    if text_folded.startswith(whole):
        return 0.9
    starts = {folded(part)[0][:1] for part in text.split()}
    at_starts = sum(1 for word in words if word[:1] in starts) / len(words)
    return 0.4 + 0.4 * at_starts


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
                yield (
                    f"Switch plan: {header.name}",
                    f"{header.authority} · {plan_id}",
                    partial(app.switch_plan, plan_id),
                )
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
    "Assess as of…",
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


def open_as_of(app: IptApp) -> None:
    """Ask for the day to judge deadlines and targets against; blank goes back to the plan's own."""
    from store.dates import parse_optional_date
    from tui.screens.record_form import Field, RecordFormScreen

    def submit(values: dict[str, str]) -> dict[str, str]:
        try:
            day = parse_optional_date(values["day"])
        except ValueError as error:
            return {"day": str(error)}
        app.set_as_of(day)
        return {}

    current = f"{app.as_of:%d/%m/%Y}" if app.as_of_reason == "chosen" else ""
    field = Field(
        "day", "As of", current, placeholder="dd/mm/yyyy; blank: the plan's reported day, else today"
    )
    intro = "Deadlines, lateness and KPI targets are judged as on this day; nothing is saved."
    app.push_screen(RecordFormScreen("Assess the plan as of", [field], submit, intro=intro))


def tasks(app: IptApp) -> Iterator[Candidate]:
    """The board's tasks, offered on an open plan."""
    yield TASKS[0], "Write the pack: Markdown, HTML, XLSX, CSV or JSON", partial(open_export, app)
    yield TASKS[1], "Bring in an .xlsx or .csv action tracker, checked first", partial(open_import, app)
    yield TASKS[2], "Freeze the plan as it stands, for a later board", partial(open_snapshot, app)
    yield TASKS[3], "What moved between two snapshots", partial(open_compare, app)
    yield TASKS[4], "Bring in the owners' returned workbooks, checked first", partial(open_returns, app)
    yield TASKS[5], "The day deadlines and targets are judged against", partial(open_as_of, app)


def plain_highlight(text: str, query: str) -> Content:
    """``text`` as plain content with the query's words emphasised where they occur, matched
    as the palette matches them (``wf01`` marks ``WF-01``)."""
    content = Content(text)
    text_folded, positions = folded(text)
    for word in query_words(query):
        start = text_folded.find(word)
        if start >= 0:
            end = positions[start + len(word) - 1] + 1
            content = content.stylize(Style(bold=True, underline=True), positions[start], end)
    return content


def help_markup(help_text: str) -> str:
    """A hit's help line as Textual wants it (markup), with user text in it kept literal:
    a plan's authority such as ``[link=…]`` is shown as typed, control characters visibly."""
    return escape(visible(help_text))


class IptCommands(Provider):
    """Jump anywhere in the open plan."""

    @property
    def ipt(self) -> IptApp:
        return cast("IptApp", self.app)

    async def discover(self) -> Hits:
        for text, help_text, command in candidates(self.ipt):
            if text.startswith(("Go to", "Switch plan")) or text in TASKS or text == NEW_FROM_REPORT:
                text = visible(text)
                yield DiscoveryHit(Content(text), command, text=text, help=help_markup(help_text))

    async def search(self, query: str) -> Hits:
        """Hits ignoring case and punctuation (``wf01`` finds WF-01, ``oldham`` a plan by its
        authority), best first: Enter on the typed text picks the first."""
        words = query_words(query)
        if not words:
            return
        hits: list[tuple[float, int, str, str, Callable[[], Any]]] = []
        for order, (text, help_text, command) in enumerate(candidates(self.ipt)):
            # An action's help line is its status: matching it would find every action "in progress".
            matched = score(text, "" if help_text.startswith("Action,") else help_text, words)
            if matched is not None:
                hits.append((matched, -order, text, help_text, command))
        for matched, _, text, help_text, command in heapq.nlargest(MAX_HITS, hits):
            shown_text, shown_help = visible(text), help_markup(help_text)
            yield Hit(matched, plain_highlight(shown_text, query), command, text=shown_text, help=shown_help)
