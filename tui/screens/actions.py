"""Section 2: themes on the left, the (filtered, sorted, paged) actions on the right."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import DataTable, OptionList, Static
from textual.widgets.option_list import Option

from store.errors import StoreError
from store.models import Action, Theme
from tui.filters import ActionFilter, filter_actions, parse_filter, sort_actions
from tui.presentation import literal
from tui.screens.action_form import ActionFormScreen
from tui.screens.base import SectionScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.history import HistoryScreen
from tui.screens.record_form import Field, RecordFormScreen, problems_by_field
from tui.widgets.action_table import ActionTable, action_detail
from tui.widgets.filter_bar import FilterBar

ALL_THEMES = "*all*"
DEBOUNCE_ABOVE = 2_000
"""Plans with more actions than this re-filter a moment after typing stops, not per key."""


DETAIL_DELAY = 0.06
"""Seconds the cursor rests before the detail pane shows its action."""


class ActionsScreen(SectionScreen):
    """Find actions by theme and filter; Enter opens one."""

    SECTION: ClassVar[str] = "actions"
    NEEDS_SUMMARY: ClassVar[bool] = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", id="actions.filter", key_display="/"),
        Binding("n", "new_action", "New action", id="actions.new"),
        Binding("N", "new_theme", "New theme", id="actions.new_theme"),
        Binding("T", "edit_theme", "Edit theme", id="actions.edit_theme", show=False),
        Binding("D", "delete_theme", "Delete theme", id="actions.delete_theme", show=False),
        Binding("delete,x", "delete_action", "Delete", id="actions.delete"),
        Binding("h", "history", "History", id="actions.history"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.current_filter = ActionFilter()
        self.theme_key: str | None = None
        self._filter_timer: Timer | None = None
        self._detail_timer: Timer | None = None
        self._detail_ref: str | None = None
        self._drawn_version = -1
        """The data version the table was last built or patched for."""
        self._sorted: tuple[int, str, bool, list[Action]] | None = None
        """(data version, sort column, reversed, every action of the plan in that order)."""
        self._go_to_ref: str | None = None
        """An action to put the cursor on when the table is next drawn (a palette jump)."""

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="actions-body"):
            yield OptionList(id="theme-list")
            with Vertical(id="actions-right"):
                bar = FilterBar(id="filter-bar")
                bar.display = False
                yield bar
                yield ActionTable(id="action-table")
                yield Static(id="action-detail")

    def on_mount(self) -> None:
        self.table.grid.focus()

    @on(DataTable.RowHighlighted, "#actions-grid")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        """The detail pane follows the cursor, a moment after it: a key held down moves the
        cursor at full speed and the pane is drawn once, where the cursor stops."""
        self._detail_ref = None if event.row_key.value is None else str(event.row_key.value)
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._detail_timer = self.set_timer(DETAIL_DELAY, self._draw_detail)

    def _draw_detail(self) -> None:
        self._detail_timer = None
        pane = self.query_one("#action-detail", Static)
        if not pane.display or not self.ipt.has_plan:
            return
        action = next((a for a in self.table.actions if a.ref == self._detail_ref), None)
        pane.update(action_detail(action, self.ipt.plan, self.ipt.as_of) if action else Text(""))

    @property
    def table(self) -> ActionTable:
        return self.query_one(ActionTable)

    def show(self) -> None:
        previous, self._drawn_version = self._drawn_version, self.ipt.data_version
        changed = self.ipt.changed_actions_since(previous)
        if changed is not None and self._patch(changed, previous):
            return
        self._rebuild()

    def _patch(self, refs: frozenset[str], previous: int) -> bool:
        """Bring the table up to date with edits to the actions ``refs``, row by row.

        Saving one action must not re-filter and re-sort 10,000. Anything more than an edit that
        keeps the action's theme, its place in the sort order and its match with the filter
        (a new or deleted action, say) returns False for a full rebuild.
        """
        if not refs:
            return True
        plan = self.ipt.plan
        table = self.table
        names = {theme.key: theme.name for theme in plan.themes}
        listed = {action.ref: action for action in table.actions if action.ref in refs}
        cache = self._sorted if self._sorted is not None and self._sorted[0] == previous else None
        for ref in refs:
            try:
                new = plan.action(ref)
            except KeyError:
                return False
            old = listed.get(ref)
            matches = self.theme_key in (None, new.theme) and self.current_filter.matches(
                new, self.ipt.as_of, names
            )
            if old is None:
                if matches:
                    return False
                continue
            if old.theme != new.theme or not matches or not table.replace(old, new):
                return False
            if cache is not None:
                position = next((i for i, a in enumerate(cache[3]) if a is old), None)
                if position is None:
                    cache = None
                else:
                    cache[3][position] = new
        self._sorted = None if cache is None else (self.ipt.data_version, *cache[1:])
        return True

    def _rebuild(self) -> None:
        plan = self.ipt.plan
        themes = self.query_one("#theme-list", OptionList)
        highlighted = self.theme_key
        themes.clear_options()
        counts: dict[str, int] = {}
        for action in plan.actions:
            counts[action.theme] = counts.get(action.theme, 0) + 1
        themes.add_option(Option(Text(f"All ({len(plan.actions)})"), id=ALL_THEMES))
        for theme in plan.themes:
            label = literal(theme.key, "bold")  # key and count first: a long name is cut, never wrapped
            label.append(f" {counts.get(theme.key, 0):>2} ", style="dim")
            label.append_text(literal(theme.name))
            themes.add_option(Option(label, id=theme.key))
        if highlighted is not None and highlighted not in {t.key for t in plan.themes}:
            self.theme_key = highlighted = None
        themes.highlighted = themes.get_option_index(highlighted or ALL_THEMES)
        self.apply_filter()

    def sorted_actions(self) -> list[Action]:
        """Every action in the table's sort order, sorted once per change of data or order."""
        table, version = self.table, self.ipt.data_version
        cache = self._sorted
        if cache is None or cache[:3] != (version, table.sort_key, table.sort_reverse):
            ordered = sort_actions(self.ipt.plan.actions, table.sort_key, reverse=table.sort_reverse)
            cache = self._sorted = (version, table.sort_key, table.sort_reverse, ordered)
        return cache[3]

    def visible_actions(self) -> list[Action]:
        """The actions in the chosen theme that pass the filter, in the table's sort order."""
        plan = self.ipt.plan
        names = {theme.key: theme.name for theme in plan.themes}
        ordered = self.sorted_actions()
        chosen = (
            ordered
            if self.theme_key is None
            else [action for action in ordered if action.theme == self.theme_key]
        )
        return filter_actions(chosen, self.current_filter, self.ipt.as_of, names)

    def apply_filter(self, keep_ref: str | None = None) -> None:
        if not self.ipt.has_plan:
            return
        keep_ref, self._go_to_ref = keep_ref or self._go_to_ref or self.table.current_ref, None
        self.table.show(self.visible_actions(), self.ipt.as_of, keep_ref=keep_ref, presorted=True)

    def go_to_action(self, ref: str) -> None:
        """Put the table's cursor on ``ref`` now, or when the table is next drawn."""
        self._go_to_ref = ref
        if self.shown_version == self.ipt.data_version and self.table.go_to(ref):
            self._go_to_ref = None

    def set_filter(self, text: str) -> None:
        """Show the actions matching ``text`` (e.g. ``rec:7``) in every theme."""
        self.theme_key = None
        self.current_filter = parse_filter(text)
        bar = self.query_one(FilterBar)
        bar.display = bool(text)
        bar.set_text(text)
        if self.shown_version == self.ipt.data_version:
            self.query_one("#theme-list", OptionList).highlighted = 0
            self.apply_filter()
        self.table.grid.focus()

    @on(OptionList.OptionHighlighted, "#theme-list")
    def _theme_chosen(self, event: OptionList.OptionHighlighted) -> None:
        key = event.option.id
        new_key = None if key in (None, ALL_THEMES) else key
        if new_key != self.theme_key:
            self.theme_key = new_key
            self.apply_filter()

    @on(FilterBar.Changed)
    def _filter_changed(self, event: FilterBar.Changed) -> None:
        self.current_filter = event.action_filter
        if self._filter_timer is not None:
            self._filter_timer.stop()
            self._filter_timer = None
        if len(self.ipt.plan.actions) > DEBOUNCE_ABOVE:
            self._filter_timer = self.set_timer(0.25, self.apply_filter)
        else:
            self.apply_filter()

    @on(FilterBar.Closed)
    def _filter_closed(self) -> None:
        self.table.grid.focus()

    @on(ActionTable.Chosen)
    def _chosen(self, event: ActionTable.Chosen) -> None:
        self.edit_action(event.ref)

    def action_filter(self) -> None:  # type: ignore[override]
        self.query_one(FilterBar).open()

    def edit_action(self, ref: str | None) -> None:
        """Open the form for ``ref``, or for a new action when ``ref`` is None."""
        if ref is not None and not any(a.ref == ref for a in self.ipt.plan.actions):
            self.notify(f"There is no action {ref} in this plan.", severity="warning", markup=False)
            return

        def closed(saved_ref: str | None) -> None:
            if saved_ref:
                if self.shown_version != self.ipt.data_version:
                    self.refresh_data()
                self.table.go_to(saved_ref)

        theme = self.theme_key or (self.ipt.plan.themes[0].key if self.ipt.plan.themes else None)
        self.app.push_screen(ActionFormScreen(ref, default_theme=theme), closed)

    def action_new_action(self) -> None:
        if self.ipt.refuse_if_read_only():
            return
        if not self.ipt.plan.themes:
            self.notify("Add a theme first (N).", severity="warning")
            return
        self.edit_action(None)

    def action_history(self) -> None:
        ref = self.table.current_ref
        if ref is not None:
            self.app.push_screen(HistoryScreen("action", ref))

    def action_delete_action(self) -> None:
        if self.ipt.refuse_if_read_only():
            return
        ref = self.table.current_ref
        if ref is None:
            return
        seen = next((a for a in self.ipt.plan.actions if a.ref == ref), None)

        def answered(yes: bool | None) -> None:
            if not yes or self.ipt.repo is None or self.ipt.plan_id is None:
                return
            try:
                self.ipt.repo.delete(self.ipt.plan_id, Action, ref, by=self.ipt.by, base=seen)
            except StoreError as error:
                self.notify(str(error), title="Not deleted", severity="error", markup=False, timeout=10)
                return
            self.notify(f"Deleted {ref}.", markup=False)
            self.ipt.saved()

        self.app.push_screen(
            ConfirmScreen(f"Delete action {ref}? This cannot be undone.", yes="Delete"), answered
        )

    def action_delete_theme(self) -> None:
        """Delete the theme chosen in the list, once no action or allocation uses it (asks first)."""
        if self.ipt.refuse_if_read_only():
            return
        theme = next((t for t in self.ipt.plan.themes if t.key == self.theme_key), None)
        if theme is None:
            self.notify("Choose a theme in the list on the left first.", title="Delete theme", markup=False)
            return
        users = [a.ref for a in self.ipt.plan.actions if a.theme == theme.key]
        if users:
            listed = ", ".join(users[:5]) + (" …" if len(users) > 5 else "")
            self.notify(
                f"Theme {theme.key} still has actions ({listed}); move or delete them first.",
                title="Not deleted",
                severity="warning",
                markup=False,
            )
            return

        def answered(yes: bool | None) -> None:
            if not yes or self.ipt.repo is None or self.ipt.plan_id is None:
                return
            try:
                self.ipt.repo.delete(self.ipt.plan_id, Theme, theme.key, by=self.ipt.by, base=theme)
            except StoreError as error:
                self.notify(str(error), title="Not deleted", severity="error", markup=False, timeout=10)
                return
            self.notify(f"Deleted theme {theme.key}.", markup=False)
            self.theme_key = None
            self.ipt.saved()

        self.app.push_screen(
            ConfirmScreen(f"Delete theme {theme.key} ({theme.name})? It has no actions.", yes="Delete"),
            answered,
        )

    def action_new_theme(self) -> None:
        self._theme_form(None)

    def action_edit_theme(self) -> None:
        """Rename the theme chosen in the list, or change its lead or aim (not its key, which
        the actions' references use)."""
        theme = next((t for t in self.ipt.plan.themes if t.key == self.theme_key), None)
        if theme is None:
            self.notify("Choose a theme in the list on the left first.", title="Edit theme", markup=False)
            return
        self._theme_form(theme)

    def _theme_form(self, theme: Theme | None) -> None:
        if self.ipt.refuse_if_read_only():
            return
        fields = [
            *([] if theme else [Field("key", "Key (short code, e.g. WF)")]),
            Field("name", "Name", theme.name if theme else ""),
            Field("lead", "Lead officer", theme.lead if theme else ""),
            Field("aim", "Aim (one line)", theme.aim if theme else ""),
        ]

        def submit(values: dict[str, str]) -> dict[str, str]:
            repo, plan_id = self.ipt.repo, self.ipt.plan_id
            assert repo is not None and plan_id is not None
            try:
                edited = Theme.model_validate({**({"key": theme.key} if theme else {}), **values})
            except ValueError as error:
                return problems_by_field(error, list(values))
            try:
                repo.save(plan_id, edited, by=self.ipt.by, create=theme is None, base=theme)
            except StoreError as error:
                return problems_by_field(error, list(values))
            self.ipt.saved()
            return {}

        title = f"Theme {theme.key}" if theme else "New theme"
        self.app.push_screen(RecordFormScreen(title, fields, submit))
