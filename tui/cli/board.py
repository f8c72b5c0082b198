"""`ipt snapshot`, `ipt snapshots`, `ipt compare` and `ipt export`: the board's papers."""

from __future__ import annotations

import argparse
from datetime import date

from rich.console import Console

from store.compare import Comparison
from tui.cli.common import EXIT_OK, CommandFailed, by_name, open_store, plan_id_of, write_json
from tui.cli.comparison_view import comparison_groups, day_text


def cmd_snapshot(args: argparse.Namespace, console: Console) -> int:
    """Freeze the selected plan and its roll-ups under a label, for a later board to compare."""
    repo = open_store(args)
    plan_id = plan_id_of(args, repo)
    as_of = args.as_of or args.tui_as_of or repo.plan(plan_id).reported_on or date.today()
    header = repo.take_snapshot(plan_id, label=args.label, as_of=as_of, by=by_name(args))
    console.print(
        f"Took snapshot {header.id}: {header.label} "
        f"({plan_id}, as of {day_text(header.as_of)}, revision {header.revision})",
        markup=False,
        soft_wrap=True,
    )
    return EXIT_OK


def cmd_snapshots(args: argparse.Namespace, console: Console) -> int:
    """List the selected plan's snapshots (or every plan's with --all), oldest first."""
    from rich.table import Table
    from rich.text import Text

    from tui.presentation import literal

    repo = open_store(args)
    plan_id = None if args.all else plan_id_of(args, repo)
    headers = repo.snapshots.list(plan_id)
    whose = f"of plan {plan_id}" if plan_id is not None else f"in {repo.where}"
    if not headers:
        console.print(
            f"No snapshots {whose} yet; take one with `ipt snapshot --label TEXT`.",
            markup=False,
            soft_wrap=True,
        )
        return EXIT_OK
    table = Table(title=Text(f"Snapshots {whose}"), title_justify="left")
    table.add_column("id", no_wrap=True)
    if plan_id is None:
        table.add_column("plan")
    for column in ("label", "as of", "taken", "by"):
        table.add_column(column)
    table.add_column("revision", justify="right")
    for header in headers:
        table.add_row(
            header.id,
            *([literal(header.plan_id)] if plan_id is None else []),
            literal(header.label),
            day_text(header.as_of),
            f"{header.taken_at.astimezone():%d %b %Y %H:%M}",
            literal(header.taken_by),
            str(header.revision),
        )
    console.print(table)
    return EXIT_OK


def cmd_compare(args: argparse.Namespace, console: Console) -> int:
    """What changed between two snapshots: by default the latest and the one before it."""
    from store.compare import compare_snapshots, comparison_to_json

    repo = open_store(args)
    snapshots = repo.snapshots
    take_one = "take one at each board with `ipt snapshot --label TEXT`"
    if args.before is not None and args.after is not None:
        before, after = snapshots.get(args.before), snapshots.get(args.after)
        if before.plan_id != after.plan_id:
            raise CommandFailed(
                f"{before.id} is of plan {before.plan_id} but {after.id} is of plan {after.plan_id}; "
                "only snapshots of one plan can be compared"
            )
    elif args.before is not None:
        before = snapshots.get(args.before)
        latest = snapshots.latest(before.plan_id, 1)[0]
        if latest.id == before.id:
            raise CommandFailed(
                f"{before.id} is the latest snapshot of plan {before.plan_id}; "
                "give an earlier one, or two ids"
            )
        after = snapshots.get(latest.id)
    else:
        plan_id = plan_id_of(args, repo)
        headers = snapshots.latest(plan_id, 2)
        if len(headers) < 2:
            having = f"only one snapshot ({headers[0].id}, {headers[0].label})" if headers else "no snapshots"
            raise CommandFailed(f"plan {plan_id} has {having}; comparing needs two: {take_one}")
        before, after = snapshots.get(headers[0].id), snapshots.get(headers[1].id)
    comparison = compare_snapshots(before, after)
    if args.json:
        write_json(comparison_to_json(comparison))
        return EXIT_OK
    _render_comparison(console, comparison, after.plan.name)
    return EXIT_OK


def _render_comparison(console: Console, comparison: Comparison, plan_name: str) -> None:
    """A heading naming both snapshots, then one table per kind of change that has any."""
    from rich.text import Text

    from tui.presentation import literal

    heading = Text()
    heading.append("Changes to ", style="bold")
    heading.append_text(literal(plan_name, "bold"))
    heading.append("\n")
    for word, header in (("from", comparison.before), ("to", comparison.after)):
        if header is not None:
            heading.append(f"{word} {header.id} ", style="bold")
            heading.append_text(literal(header.label))
            heading.append(f" (as of {day_text(header.as_of)})\n", style="dim")
    console.print(heading)
    if comparison.is_empty:
        console.print("No changes.", markup=False, soft_wrap=True)
        return
    for table in comparison_groups(comparison):
        console.print(table)
        console.print()


def cmd_export(args: argparse.Namespace, console: Console) -> int:
    """Write the board pack: the live plan compared with its latest snapshot, or a snapshot
    compared with the one before it."""
    from store.compare import compare, compare_snapshots
    from store.exports import export_pack

    repo = open_store(args)
    snapshots = repo.snapshots
    comparison: Comparison | None = None
    label: str | None = None
    if args.snapshot is not None:
        snapshot = snapshots.get(args.snapshot)
        plan, as_of, label = snapshot.plan, args.as_of or args.tui_as_of or snapshot.as_of, snapshot.label
        earlier = [h for h in snapshots.list(snapshot.plan_id) if h.id < snapshot.id]
        if earlier:
            comparison = compare_snapshots(snapshots.get(earlier[-1].id), snapshot)
    else:
        plan = repo.plan(plan_id_of(args, repo))
        as_of = args.as_of or args.tui_as_of or plan.reported_on or date.today()
        latest = snapshots.latest(plan.id, 1)
        if latest:
            comparison = compare(snapshots.get(latest[0].id), plan, as_of=as_of)
    try:
        out = export_pack(
            plan, as_of=as_of, fmt=args.format, out=args.out, comparison=comparison, snapshot_label=label
        )
    except ValueError as error:
        raise CommandFailed(str(error)) from None
    since = f", with changes since {comparison.before.id}" if comparison and comparison.before else ""
    console.print(
        f"Wrote the {args.format} board pack for {plan.id} as of {day_text(as_of)} to {out}{since}",
        markup=False,
        soft_wrap=True,
    )
    return EXIT_OK
