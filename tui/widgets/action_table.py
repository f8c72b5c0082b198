"""A paged table of actions: one page of rows at a time, so 10,000 actions stay quick.

The table holds the full (filtered) list and the sort order, and puts only the current
page into its :class:`DataTable`. PgDn on the last row turns to the next page, PgUp on the
first to the previous one; ``]`` and ``[`` turn pages directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from itertools import chain
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import on
from textual._segment_tools import line_crop
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widgets import DataTable, Static
from textual.widgets.data_table import RowKey

from store.models import Action, Plan, Status
from store.rollups._common import is_open, is_overdue
from tui.filters import sort_actions, sort_value
from tui.presentation import literal, rag_text

PAGE_SIZE = 200

COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("ref", "Ref", 7),
    ("title", "Title", 0),
    ("owner", "Owner", 10),
    ("due", "Due", 9),
    ("status", "Status", 11),
    ("rag", "RAG", 3),
    ("progress", "Prog", 4),
    ("recs", "Recs", 5),
)
"""(key, heading, width): every column, at its narrowest; Title and Owner share what is left."""
NARROW_DROPS = ("recs", "status")
"""Columns left out below :data:`NARROW` columns, so Title and Owner keep room to be read (the
RAG and progress still say how an action stands; the detail pane has the rest)."""
NARROW = 90
OWNER_SHARE = 0.38
"""The part of the room left after the fixed columns that Owner gets (Title gets the rest)."""
TITLE_ENOUGH = 40
"""Once Title has this many characters, Owner may have the rest, up to its longest name."""


def layout(total: int, owners: Sequence[str] = ()) -> tuple[tuple[str, str, int], ...]:
    """The columns for a table ``total`` characters wide: Title and Owner share what is left.

    Owner gets up to its longest value (from ``owners``): at least 10, and :data:`OWNER_SHARE` of
    the room or all but :data:`TITLE_ENOUGH` of it, whichever is more; Title the rest, at least 12.
    Narrow tables leave out :data:`NARROW_DROPS`."""
    shown = [column for column in COLUMNS if not (total < NARROW and column[0] in NARROW_DROPS)]
    fixed = sum(width + 2 for key, _, width in shown if key not in {"title", "owner"}) + 4 + 4
    room = max(22, total - fixed)
    longest = max((len(owner) for owner in owners), default=10)
    owner = max(10, min(longest, max(int(room * OWNER_SHARE), room - TITLE_ENOUGH)))
    title = max(12, room - owner)
    widths = {"title": title, "owner": owner}
    return tuple((key, heading, widths.get(key, width)) for key, heading, width in shown)


_NOWHERE = Coordinate(-2, -2)
"""A cursor position matching no row: not even the header, which DataTable numbers -1."""


class PagedTable(DataTable[Text]):
    """A DataTable that asks for the next or previous page at its edges, and scrolls cheaply.

    Textual's DataTable keys its caches of rendered rows and lines on where the cursor is,
    so once moving down scrolls the table, every visible line is rendered again on every key
    (30-40 ms a key at 120x40). With a row cursor a row looks the same wherever the cursor
    is unless the cursor (or the mouse) is on it, so here rows away from both are rendered,
    and cached, as if the cursor were nowhere; the table's style is also worked out once a
    frame rather than once a line. ``_render_line`` and ``render_line`` follow Textual
    8.2's own (the version is pinned); tests/test_tui_app.py checks the cursor is drawn
    on the right row after scrolling.
    """

    _frame_style = Style()
    _warm_pending = False

    def _cursor_for_row(
        self, row_key: RowKey, cursor_at: Coordinate | None = None
    ) -> tuple[Coordinate, Coordinate]:
        """Where the cursor (or ``cursor_at``, where it is about to be) and the hover are, as
        far as drawing ``row_key`` goes."""
        cursor = self.cursor_coordinate if cursor_at is None else cursor_at
        hover = self.hover_coordinate
        if self.cursor_type != "row":
            return cursor, hover
        row = self._row_locations.get(row_key)
        return (cursor if cursor.row == row else _NOWHERE), (hover if hover.row == row else _NOWHERE)

    def render_lines(self, crop: Region) -> list[Strip]:
        self._frame_style = self.rich_style
        return super().render_lines(crop)

    def watch_cursor_coordinate(self, old_coordinate: Coordinate, new_coordinate: Coordinate) -> None:
        super().watch_cursor_coordinate(old_coordinate, new_coordinate)
        if self.cursor_type == "row" and not self._warm_pending:
            self._warm_pending = True
            self.call_after_refresh(self._warm_ahead)

    def _warm_ahead(self) -> None:
        """Once the frame is drawn: draw, into the line cache, what the next move up or down
        will need and has never drawn, so that key's frame only has to look it up.

        Moving down the cursor lands on a row never drawn with the cursor on it (once the
        table scrolls it has not been drawn at all) and leaves a row never drawn without it:
        together two rows of Rich rendering, most of a key's drawing at 10,000 actions."""
        self._warm_pending = False
        if not self.row_count or self.cursor_type != "row":
            return
        row = self.cursor_row
        here = self.cursor_coordinate
        scroll_x = self.scroll_offset.x
        lines = self._row_lines()
        for target, cursor_at in ((row, _NOWHERE), (row + 1, here.down()), (row - 1, here.up())):
            for y in lines.get(target, ()):
                self._render_line(y, scroll_x, scroll_x + self.size.width, self._frame_style, cursor_at)

    def _row_lines(self) -> dict[int, list[int]]:
        """The table's line numbers (below the header) of the rows around the cursor."""
        header = self.header_height if self.show_header else 0
        row = self.cursor_row
        wanted = [index for index in (row - 1, row, row + 1) if 0 <= index < self.row_count]
        offsets = self._y_offsets
        if len(offsets) == self.row_count:  # every row one line high, as the actions' are
            return {index: [header + index] for index in wanted}
        found: dict[int, list[int]] = {}
        for index in wanted:
            key = self._row_locations.get_key(index)
            found[index] = [header + y for y, (at, _) in enumerate(offsets) if at == key]
        return found

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        scroll_x, scroll_y = self.scroll_offset
        fixed_keys = [self._row_locations.get_key(index) for index in range(self.fixed_rows)]
        fixed_rows_height = sum(self.get_row_height(key) for key in fixed_keys if key is not None)
        if self.show_header:
            fixed_rows_height += self.get_row_height(self._header_row_key)
        if y >= fixed_rows_height:
            y += scroll_y
        return self._render_line(y, scroll_x, scroll_x + width, self._frame_style)

    def _render_line(
        self, y: int, x1: int, x2: int, base_style: Style, cursor_at: Coordinate | None = None
    ) -> Strip:
        width = self.size.width
        try:
            row_key, y_offset_in_row = self._get_offsets(y)
        except LookupError:
            return Strip.blank(width, base_style)
        cursor, hover = self._cursor_for_row(row_key, cursor_at)
        cache_key = (
            y,
            x1,
            x2,
            width,
            cursor,
            hover,
            base_style,
            self.cursor_type,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        if cache_key in self._line_cache:
            return self._line_cache[cache_key]
        fixed, scrollable = self._render_line_in_row(
            row_key, y_offset_in_row, base_style, cursor_location=cursor, hover_location=hover
        )
        fixed_columns = self.ordered_columns[: self.fixed_columns]
        fixed_width = sum(column.get_render_width(self) for column in fixed_columns)
        fixed_line: list[Segment] = list(chain.from_iterable(fixed)) if fixed else []
        scrollable_line: list[Segment] = list(chain.from_iterable(scrollable))
        segments = fixed_line + line_crop(scrollable_line, x1 + fixed_width, x2, width)
        strip = Strip(segments).adjust_cell_length(width, base_style).simplify()
        self._line_cache[cache_key] = strip
        return strip

    class PageRequest(Message):
        def __init__(self, step: int) -> None:
            super().__init__()
            self.step = step

    def action_page_down(self) -> None:
        if self.row_count and self.cursor_row >= self.row_count - 1:
            self.post_message(self.PageRequest(1))
        else:
            super().action_page_down()

    def action_page_up(self) -> None:
        if self.cursor_row <= 0:
            self.post_message(self.PageRequest(-1))
        else:
            super().action_page_up()


def status_text(action: Action, as_of: date) -> Text:
    text = Text(action.status.label)
    if action.status is Status.BLOCKED:
        text.stylize("bold red")
    elif not is_open(action):
        text.stylize("dim")
    return text


def due_text(action: Action, as_of: date) -> Text:
    if action.due_on is None:
        return Text("–", style="dim")
    late = is_overdue(action, as_of)
    return Text(f"{action.due_on:%d/%m/%y}" + ("!" if late else ""), style="bold red" if late else "")


class ActionTable(Vertical):
    """The actions, one page at a time, sortable by clicking or ``s`` on a column."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "right_square_bracket",
            "page(1)",
            "Next page",
            id="actions.next_page",
            key_display="]",
            show=False,
        ),
        Binding(
            "left_square_bracket",
            "page(-1)",
            "Previous page",
            id="actions.prev_page",
            key_display="[",
            show=False,
        ),
        Binding("s", "sort_next", "Sort", id="actions.sort_next"),
        Binding("S", "sort_reverse", "Reverse sort", id="actions.sort_reverse", show=False),
    ]

    class Chosen(Message):
        """Enter on an action."""

        def __init__(self, ref: str) -> None:
            super().__init__()
            self.ref = ref

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.actions: list[Action] = []
        """Every action that passes the filter, in the current sort order."""
        self.page = 0
        self.sort_key = "ref"
        self.sort_reverse = False
        self.as_of = date.today()
        self.columns: tuple[tuple[str, str, int], ...] = COLUMNS
        """The columns shown, at the widths the table's width gives them (see :func:`layout`)."""

    def compose(self) -> ComposeResult:
        yield PagedTable(cursor_type="row", zebra_stripes=True, id="actions-grid")
        yield Static(id="page-label")

    @property
    def grid(self) -> PagedTable:
        return self.query_one(PagedTable)

    @property
    def page_count(self) -> int:
        return max(1, -(-len(self.actions) // PAGE_SIZE))

    @property
    def current_ref(self) -> str | None:
        grid = self.grid
        if not grid.row_count:
            return None
        row_key, _ = grid.coordinate_to_cell_key(grid.cursor_coordinate)
        return None if row_key.value is None else str(row_key.value)

    def show(
        self, actions: Sequence[Action], as_of: date, *, keep_ref: str | None = None, presorted: bool = False
    ) -> None:
        """Show ``actions`` (already filtered), sorted, on the page holding ``keep_ref``.

        ``presorted`` says they are already in this table's sort order (sorting 10,000 takes 50 ms).
        """
        self.as_of = as_of
        self.actions = (
            list(actions) if presorted else sort_actions(actions, self.sort_key, reverse=self.sort_reverse)
        )
        self.page = 0
        if keep_ref is not None:
            position = next((i for i, a in enumerate(self.actions) if a.ref == keep_ref), None)
            if position is not None:
                self.page = position // PAGE_SIZE
        self._draw(keep_ref)

    def go_to(self, ref: str) -> bool:
        """Put the cursor on ``ref``, turning to its page if need be; False if it is not listed."""
        position = next((i for i, a in enumerate(self.actions) if a.ref == ref), None)
        if position is None:
            return False
        if position // PAGE_SIZE != self.page:
            self.page = position // PAGE_SIZE
            self._draw()
        self.grid.move_cursor(row=position % PAGE_SIZE)
        return True

    def replace(self, old: Action, new: Action) -> bool:
        """Swap in a changed action where it stands, redrawing only its row.

        False when ``old`` is not listed or the change moves it in the sort order; the caller
        then rebuilds the table.
        """
        position = next((i for i, a in enumerate(self.actions) if a is old), None)
        if position is None or sort_value(old, self.sort_key) != sort_value(new, self.sort_key):
            return False
        self.actions[position] = new
        if position // PAGE_SIZE == self.page:
            grid = self.grid
            cells = self._cells(new)
            for key, _, _ in self.columns:
                grid.update_cell(new.ref, key, cells[key])
        return True

    def _draw(self, keep_ref: str | None = None) -> None:
        grid = self.grid
        grid.clear(columns=True)
        start = self.page * PAGE_SIZE
        rows = self.actions[start : start + PAGE_SIZE]
        self.columns = layout(self.size.width or self.app.size.width, [a.owner for a in rows])
        for key, heading, width in self.columns:
            arrow = (" ▼" if self.sort_reverse else " ▲") if key == self.sort_key else ""
            grid.add_column(Text(heading + arrow), key=key, width=width)
        keys = [key for key, _, _ in self.columns]
        for action in rows:
            cells = self._cells(action)
            grid.add_row(*(cells[key] for key in keys), key=action.ref)
        if keep_ref is not None:
            for index, action in enumerate(rows):
                if action.ref == keep_ref:
                    grid.move_cursor(row=index)
                    break
        label = self.query_one("#page-label", Static)
        if self.actions:
            end = start + len(rows)
            note = (
                f"   page {self.page + 1}/{self.page_count}: PgUp/PgDn at the edges, [ ]"
                if self.page_count > 1
                else ""
            )
            label.update(Text(f"rows {start + 1}–{end} of {len(self.actions)}{note}", style="dim"))
        else:
            label.update(Text("No actions match.", style="dim"))

    def _cells(self, action: Action) -> dict[str, Text]:
        recs = ",".join(str(n) for n in action.recommendations)
        return {
            "ref": literal(action.ref, "bold"),
            "title": literal(action.title),
            "owner": literal(action.owner),
            "due": due_text(action, self.as_of),
            "status": status_text(action, self.as_of),
            "rag": rag_text(action.rag, short=True),
            "progress": Text(f"{action.progress}%", justify="right"),
            "recs": Text(recs),
        }

    def on_resize(self) -> None:
        if self.actions:
            self._draw(self.current_ref)

    def action_page(self, step: int) -> None:
        target = min(max(0, self.page + step), self.page_count - 1)
        if target != self.page:
            self.page = target
            self._draw()
            self.grid.move_cursor(row=0 if step > 0 else max(0, self.grid.row_count - 1))

    @on(PagedTable.PageRequest)
    def _page_request(self, event: PagedTable.PageRequest) -> None:
        event.stop()
        self.action_page(event.step)

    def sort_by(self, key: str) -> None:
        keep = self.current_ref
        if key == self.sort_key:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_key, self.sort_reverse = key, False
        self.show(self.actions, self.as_of, keep_ref=keep)

    def action_sort_next(self) -> None:
        keys = [key for key, _, _ in self.columns]
        self.sort_by(keys[(keys.index(self.sort_key) + 1) % len(keys)] if self.sort_key in keys else keys[0])

    def action_sort_reverse(self) -> None:
        self.sort_by(self.sort_key)

    @on(DataTable.HeaderSelected)
    def _header(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.sort_by(str(event.column_key.value))

    @on(DataTable.RowSelected)
    def _row(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.Chosen(str(event.row_key.value)))


def _when(day: date | None) -> str:
    return "–" if day is None else f"{day:%d/%m/%Y}"


def action_detail(action: Action, plan: Plan, as_of: date) -> Text:
    """The whole of one action for the pane under the table: title, owner, dates, links, latest update."""
    text = Text()
    text.append_text(literal(action.ref, "bold"))
    text.append("  ")
    text.append_text(literal(action.title, "bold"))
    theme = next((t.name for t in plan.themes if t.key == action.theme), action.theme)
    text.append("\nOwner ", style="dim")
    text.append_text(literal(action.owner or "–"))
    text.append("  Theme ", style="dim")
    text.append_text(literal(theme))
    text.append("\nStart ", style="dim")
    text.append(_when(action.start_on))
    text.append("  Due ", style="dim")
    text.append_text(due_text(action, as_of) if action.due_on else Text("–"))
    if action.completed_on:
        text.append("  Completed ", style="dim")
        text.append(_when(action.completed_on))
    text.append("  ")
    text.append_text(status_text(action, as_of))
    text.append("  ")
    text.append_text(rag_text(action.rag))
    text.append(f"  {action.progress}%")
    links = []
    if action.recommendations:
        links.append("Recs " + ", ".join(map(str, action.recommendations)))
    if action.funding:
        links.append("Funding " + ", ".join(action.funding))
    if action.measures:
        links.append("KPIs " + ", ".join(action.measures))
    if links:
        text.append("\n")
        text.append_text(literal(" · ".join(links)))
    latest = max(action.updates, key=lambda update: update.on, default=None)
    if latest is not None:
        text.append("\nLatest ", style="dim")
        text.append_text(literal(f"{latest.on:%d/%m/%Y} {latest.author}: {' '.join(latest.text.split())}"))
    return text
