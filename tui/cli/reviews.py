"""`ipt review …`: run the monthly change board from the command line."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from store.labels import changes_in_words
from store.models import ReviewSession
from store.reviews import add_decision, close_review, open_review, record_item, review
from tui.presentation import literal


def _tolerance(text: str) -> Decimal:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not an amount in pounds") from None


def add_review_parser(commands: Any, parse_date: Callable[[str], date]) -> None:
    """Register `ipt review` and `ipt reviews` on the main parser's subcommands."""
    commands.add_parser("reviews", help="list the plan's change-board sessions")
    parser = commands.add_parser("review", help="run a change-board session: start, note, decide, close")
    steps = parser.add_subparsers(dest="review_step", metavar="STEP", required=True)

    start = steps.add_parser("start", help="start a session; its agenda is built from the exceptions")
    start.add_argument("--date", type=parse_date, default=None, help="day of the board (default: today)")
    start.add_argument("--board", default=None, help="the board's name (default: the plan's board)")
    start.add_argument("--chair", default=None)
    start.add_argument("--attendees", default="", help='comma-separated, e.g. "Director, Finance partner"')
    start.add_argument("--next", type=parse_date, default=None, help="date of the next board")
    start.add_argument(
        "--variance-tolerance",
        type=_tolerance,
        default=Decimal(100_000),
        help="list budget lines whose variance exceeds this many pounds (default 100000)",
    )

    agenda = steps.add_parser("show", help="a session's agenda, commentary and decisions")
    agenda.add_argument("id", nargs="?", help="session id (default: the latest)")

    note = steps.add_parser("note", help="record commentary, a decision or a change for one agenda item")
    note.add_argument("id")
    note.add_argument("subject", help="the agenda item: an action ref, 'rec 3', a KPI or budget line id")
    note.add_argument("--commentary")
    note.add_argument("--decision")
    note.add_argument("--rag")
    note.add_argument("--status")
    note.add_argument("--progress")
    note.add_argument("--due", type=parse_date)
    note.add_argument("--due-reason")

    decide = steps.add_parser("decide", help="record a decision not tied to one item")
    decide.add_argument("id")
    decide.add_argument("text")

    close = steps.add_parser("close", help="close the session and take its snapshot")
    close.add_argument("id")
    close.add_argument("--label", default=None, help='snapshot label (default: "<board> — <Month Year>")')


def print_session(console: Console, session: ReviewSession) -> None:
    heading = literal(
        f"{session.id} · {session.board} · {session.held_on:%d %B %Y} · {session.state.value}", "bold"
    )
    console.print(heading)
    if session.chair or session.attendees:
        console.print(
            literal(f"Chair: {session.chair or '–'}; attendees: {', '.join(session.attendees) or '–'}")
        )
    if session.snapshot_id:
        console.print(literal(f"Snapshot: {session.snapshot_id}"))
    table = Table("Item", "Why", "Commentary", "Decision", "Outcome", title="Agenda", title_justify="left")
    for item in session.items:
        subject = literal(item.subject, "bold")
        subject.append("\n")
        subject.append_text(literal(item.title))
        table.add_row(
            subject,
            literal(item.why),
            literal(item.commentary),
            literal(item.decision),
            literal(changes_in_words(item.outcome)),
        )
    console.print(table if session.items else Text("No exceptions: the agenda is empty.", style="dim"))
    for number, decision in enumerate(session.decisions, 1):
        console.print(literal(f"Decision {number}: {decision}"))


def run_review(args: argparse.Namespace, console: Console, repo: Any, plan_id: str, by: str) -> int:
    """Carry out one `ipt review` step; store errors propagate to the caller's handler."""
    step = args.review_step
    if step == "start":
        attendees = [name.strip() for name in args.attendees.split(",") if name.strip()]
        session = open_review(
            repo,
            plan_id,
            args.date or date.today(),
            by=by,
            board=args.board,
            chair=args.chair,
            attendees=attendees,
            next_board_on=args.next,
            variance_tolerance=args.variance_tolerance,
        )
        print_session(console, session)
        return 0
    if step == "show":
        sessions = repo.plan(plan_id).reviews
        if not sessions:
            console.print(
                "No review sessions yet; start one with `ipt review start`.", markup=False, soft_wrap=True
            )
            return 0
        print_session(console, review(repo, plan_id, args.id) if args.id else sessions[-1])
        return 0
    if step == "note":
        changes: dict[str, Any] = {
            name: value
            for name, value in (
                ("rag", args.rag),
                ("status", args.status),
                ("progress", args.progress),
                ("due_on", args.due),
            )
            if value is not None
        }
        session = record_item(
            repo,
            plan_id,
            args.id,
            args.subject,
            by=by,
            on=date.today(),
            commentary=args.commentary,
            decision=args.decision,
            changes=changes or None,
            due_reason=args.due_reason,
        )
        console.print(f"Recorded {args.subject} in {session.id}.", markup=False, soft_wrap=True)
        return 0
    if step == "decide":
        add_decision(repo, plan_id, args.id, args.text, by=by)
        console.print(f"Decision recorded in {args.id}.", markup=False, soft_wrap=True)
        return 0
    session = close_review(
        repo, plan_id, args.id, by=by, at=datetime.now(UTC).replace(microsecond=0), label=args.label
    )
    console.print(
        f"Closed {session.id}; snapshot {session.snapshot_id} taken. "
        f"Export the pack with `ipt export --snapshot {session.snapshot_id} --format html --out pack.html`.",
        markup=False,
        soft_wrap=True,
    )
    return 0


def list_reviews(console: Console, sessions: list[ReviewSession]) -> int:
    if not sessions:
        console.print(
            "No review sessions yet; start one with `ipt review start`.", markup=False, soft_wrap=True
        )
        return 0
    table = Table(
        "id",
        "held on",
        "board",
        "chair",
        "items",
        "state",
        "snapshot",
        title="Review sessions",
        title_justify="left",
    )
    for session in sessions:
        table.add_row(
            session.id,
            f"{session.held_on:%d %b %Y}",
            literal(session.board),
            literal(session.chair),
            str(len(session.items)),
            session.state.value,
            session.snapshot_id or "–",
        )
    console.print(table)
    return 0
