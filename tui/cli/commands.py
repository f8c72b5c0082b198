"""The ``ipt`` command: the Textual app with no command, headless commands otherwise."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console

from store.errors import StoreError
from tui.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    ArgumentParser,
    CommandFailed,
    accept_global_options,
    action_ref,
    by_name,
    make_console,
    open_store,
    parse_date,
    plan_id_of,
    store_location,
    store_path,
    version_text,
    write_error,
    write_json,
)
from tui.cli.edits import ACTION_FIELDS, EDIT_COMMANDS, add_action_fields, add_edit_parsers
from tui.cli.returns import RETURN_COMMANDS, add_returns_parsers
from tui.cli.store_admin import STORE_COMMANDS, add_store_parser

# Only what every command needs is imported above: `ipt` with no command opens the tracker,
# whose first frame is drawn before pydantic and the repository are loaded (see tui.app).


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="ipt",
        description="Improvement Plan Tracker: run a children's-services improvement plan. "
        "With no command, opens the tracker.",
    )
    parser.add_argument("--version", action="version", version=f"ipt {version_text()}")
    parser.add_argument(
        "--db",
        default=None,
        help="store file, or a postgresql:// URL of a shared database (no password: libpq reads "
        "~/.pgpass); default: $IPT_DB, else plans.json in your data folder",
    )
    parser.add_argument("--plan", default=None, help="plan id (default: the only or latest plan)")
    parser.add_argument("--by", default=None, help="who is making the change (default: your login name)")
    parser.add_argument(
        "--as-of",
        dest="tui_as_of",
        type=parse_date,
        default=None,
        metavar="DATE",
        help="the day the tracker judges deadlines and targets against (default: the plan's "
        "reported day if it has one, else today)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    commands.add_parser("samples", help="list the bundled sample plans")
    init = commands.add_parser("init", help="add a bundled sample plan to the store")
    init.add_argument("--sample", required=True, metavar="NAME")

    imported = commands.add_parser(
        "import",
        help="add a plan from a native JSON plan file, or bring an action tracker (.xlsx or .csv) "
        "into a plan",
    )
    imported.add_argument("file", type=Path, nargs="?", help="the plan file or tracker (not with --mapping)")
    imported.add_argument("--dry-run", action="store_true", help="check only; write nothing")
    imported.add_argument(
        "--plan",
        default=argparse.SUPPRESS,
        help="plan a tracker goes into (default: the only or latest plan)",
    )
    imported.add_argument(
        "--create-missing",
        action="store_true",
        help="add themes and recommendations a tracker names but the plan lacks (default: an error)",
    )
    imported.add_argument(
        "--on",
        type=parse_date,
        default=None,
        metavar="DATE",
        help="date a tracker's updates and due-date changes on DATE (default: the date the file "
        "gives, else today)",
    )
    imported.add_argument(
        "--include-hidden",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="import a workbook's hidden columns and rows too (default: they are listed, not imported, "
        "unless the saved mapping says otherwise)",
    )
    imported.add_argument(
        "--sheet",
        default=None,
        metavar="NAME",
        help="the workbook's sheet holding the tracker (default: the sheet whose header matches best)",
    )
    imported.add_argument(
        "--only",
        type=parse_refs,
        default=None,
        metavar="REFS",
        help='import just these actions\' rows, e.g. "WF-01, QP-02"; the others are left as stored',
    )
    imported.add_argument(
        "--map",
        action="append",
        metavar="HEADING=FIELD",
        help='read the column HEADING as FIELD, e.g. "Whose job=owner", or "Notes=-" for not imported; '
        "kept with the plan once the import is written",
    )
    imported.add_argument(
        "--value",
        action="append",
        metavar="FIELD:WORD=MEANING",
        help='read WORD in FIELD\'s column as MEANING, e.g. "rag:Parked=amber"; kept with the plan',
    )
    imported.add_argument(
        "--mapping",
        action="store_true",
        help="show the plan's saved way of reading its tracker; with --map, --value, --forget, --sheet "
        "or --include-hidden (and no file), change it",
    )
    imported.add_argument(
        "--forget",
        action="append",
        metavar="HEADING",
        help="with --mapping: drop a heading (or a translated word) from the saved mapping",
    )

    validate = commands.add_parser("validate", help="check a plan file or a store file")
    validate.add_argument("file", type=Path)

    commands.add_parser("plans", help="list the plans in the store")

    summary = commands.add_parser("summary", help="progress, RAG, deadlines, coverage, money and KPIs")
    summary.add_argument(
        "--as-of", type=parse_date, default=None, help="date to assess against (default: today)"
    )
    summary.add_argument("--json", action="store_true", help="the same roll-ups as JSON")

    show = commands.add_parser("show", help="one action with its updates and history")
    show.add_argument("ref")
    show.add_argument("--json", action="store_true")

    update = commands.add_parser("update", help="change an action (saved durably, audited)")
    update.add_argument("ref")
    update.add_argument("--status", help="not started, in progress, complete, blocked, cancelled")
    update.add_argument("--rag", help="red, amber, green, blue (or R/A/G/B)")
    update.add_argument("--progress", help="percent complete, 0-100")
    update.add_argument("--due", type=parse_date, help="new due date")
    update.add_argument("--due-reason", help="why the due date moved (kept in the action's history)")
    update.add_argument("--completed", type=parse_date, help="date completed")
    update.add_argument("--owner")
    update.add_argument("--note", help="add a dated update with this text")
    update.add_argument("--on", type=parse_date, default=None, help="date of the update (default: today)")
    add_action_fields(update, parse_date)

    snapshot = commands.add_parser("snapshot", help="freeze the plan and its roll-ups under a label")
    snapshot.add_argument("--label", required=True, help='what it is, e.g. "Change Board — October 2019"')
    snapshot.add_argument(
        "--as-of", type=parse_date, default=None, help="date to assess against (default: today)"
    )

    snapshots = commands.add_parser("snapshots", help="list the plan's snapshots, oldest first")
    snapshots.add_argument("--all", action="store_true", help="list every plan's snapshots")

    compared = commands.add_parser(
        "compare", help="what changed between two snapshots (default: the latest two)"
    )
    compared.add_argument(
        "before", nargs="?", metavar="A", help="earlier snapshot id, e.g. S0001 (default: the one before B)"
    )
    compared.add_argument("after", nargs="?", metavar="B", help="later snapshot id (default: the latest)")
    compared.add_argument("--json", action="store_true", help="the changes as JSON")

    exported = commands.add_parser(
        "export", help="write the board pack (md, html, xlsx, csv or json) with changes since the last board"
    )
    exported.add_argument("--format", required=True, choices=("md", "html", "xlsx", "csv", "json"))
    exported.add_argument("--out", required=True, type=Path, help="file to write (replaced atomically)")
    exported.add_argument(
        "--snapshot", default=None, metavar="ID", help="export this snapshot (default: the live plan)"
    )
    exported.add_argument(
        "--as-of",
        type=parse_date,
        default=None,
        help="date to assess against (default: today, or the snapshot's)",
    )

    restore = commands.add_parser(
        "restore-backup",
        help="put back the previous good version of a damaged store (the damaged file is kept)",
    )
    restore.add_argument(
        "--force",
        action="store_true",
        help="restore even though the store is not damaged, undoing its last save (the store is kept)",
    )
    from tui.cli.new_plan import add_new_parser

    add_new_parser(commands)
    from tui.cli.reviews import add_review_parser

    add_review_parser(commands, parse_date)
    add_edit_parsers(commands, parse_date)
    add_returns_parsers(commands, parse_date)
    add_store_parser(commands)
    tui = commands.add_parser("tui", help="open the tracker (the same as no command)")
    tui.add_argument(
        "--as-of",
        dest="tui_as_of",
        type=parse_date,
        default=argparse.SUPPRESS,
        metavar="DATE",
        help="the day to judge deadlines and targets against (default: the plan's reported day, else today)",
    )
    accept_global_options(parser)
    return parser


# Commands --------------------------------------------------------------------------------


def cmd_samples(args: argparse.Namespace, console: Console) -> int:
    from rich.table import Table

    from sample_plans import list_samples

    table = Table("sample", "plan", title="Bundled sample plans")
    for name, title in list_samples():
        table.add_row(name, title)
    console.print(table)
    return EXIT_OK


def cmd_init(args: argparse.Namespace, console: Console) -> int:
    from sample_plans import load_sample

    try:
        plan_file = load_sample(args.sample)
    except KeyError as error:
        raise CommandFailed(str(error.args[0])) from None
    repo = open_store(args)
    repo.add_plan(plan_file.plan, by=by_name(args))
    console.print(
        f"Added {plan_file.plan.name!r} ({plan_file.plan.id}) to {repo.where}", markup=False, soft_wrap=True
    )
    return EXIT_OK


def parse_refs(text: str) -> set[str]:
    """``"WF-01, QP-02"`` (commas or spaces) -> ``{"WF-01", "QP-02"}``."""
    refs = {ref for ref in text.replace(",", " ").split() if ref}
    if not refs:
        raise argparse.ArgumentTypeError('give one or more action references, e.g. "WF-01, QP-02"')
    return refs


def cmd_import(args: argparse.Namespace, console: Console) -> int:
    """A native JSON plan file adds a plan; an .xlsx or .csv action tracker updates one.

    A tracker's problems are printed one per line ("row 7, column Due: '31/02/2020' is not
    a date") and nothing is written.
    """
    if args.mapping:
        return show_mapping(args, console)
    if args.file is None:
        raise CommandFailed("give the plan file or tracker to import, or --mapping to see the saved mapping")
    if args.forget:
        raise CommandFailed("--forget changes the saved mapping: use it with --mapping, not with a file")
    if Path(args.file).suffix.lower() in {".xlsx", ".csv", ".xls", ".xlsm", ".xlsb"}:
        from store.importers import TrackerError, import_tracker, read_tracker
        from store.importers.mapping import MappingChange, MappingError, saved_mapping

        try:
            change = MappingChange.from_options(
                args.map, args.value, sheet=args.sheet, include_hidden=args.include_hidden
            )
        except MappingError as error:
            raise CommandFailed(str(error)) from None
        try:
            repo = open_store(args)
            plan_id = plan_id_of(args, repo)
            stored = saved_mapping(repo.plan(plan_id).mappings)
            mapping = change.applied(stored, by=by_name(args), on=date.today()) if change else stored
            rows = read_tracker(args.file, mapping=mapping)
            result = import_tracker(
                repo,
                plan_id,
                rows,
                by=by_name(args),
                create_missing=args.create_missing,
                dry_run=args.dry_run,
                on=args.on,
                on_why="from --on",
                only=args.only,
                mapping=mapping if change else None,
            )
        except TrackerError as error:  # unwrapped, so each problem stays on one line however long
            write_error(f"ipt: {error}")
            return EXIT_FAILED
        parts = [f"{len(result.added)} added", f"{len(result.updated)} updated"]
        parts.append(f"{len(result.unchanged)} unchanged")
        if args.only is not None:
            parts.append(f"only {', '.join(sorted(args.only))}; the other rows skipped")
        if result.themes_created:
            named = (f"{key} {result.theme_names.get(key, '')}".strip() for key in result.themes_created)
            parts.append(f"themes created: {', '.join(named)}")
        if result.recommendations_created:
            parts.append(f"recommendations created: {', '.join(map(str, result.recommendations_created))}")
        if args.dry_run:
            parts.append("nothing written (dry run)")
        else:
            parts.append("nothing to change" if result.revision is None else f"revision {result.revision}")
        read = f"{rows.source}, header row {rows.header_row}"
        lines = [f"{args.file} ({read}) into plan {plan_id}: {'; '.join(parts)}"]
        if args.dry_run:
            lines.extend(str(change) for change in result.changes)
        if result.blanks_kept:
            count = result.blanks_kept
            lines.append(f"{count} blank cell{'s' if count != 1 else ''} kept the stored value")
        if result.dated_on is not None and (result.added or result.updated):
            lines.append(f"updates dated {result.dated_on:%d %b %Y}, {result.dated_why}")
        if rows.mapped:
            lines.append(f"read by the saved mapping: {', '.join(map(repr, rows.mapped))}")
        if rows.translated:
            words = sorted({f"{written!r} as {meaning!r}" for _, _, written, meaning in rows.translated})
            lines.append(f"words read by the saved mapping: {', '.join(words)}")
        if result.mapping_saved:
            lines.append(
                "this way of reading the tracker is saved with the plan (ipt import --mapping shows it)"
            )
        elif change and args.dry_run:
            lines.append("the mapping given is saved with the plan when the import is written")
        if rows.share_columns:
            lines.append(f"read as shares (1 is 100%): {', '.join(rows.share_columns)}")
        lines.extend(rows.remarks)
        if rows.rag_key:
            lines.append("RAG fill colours read against the workbook's key")
        if rows.hidden_columns:
            lines.append(f"hidden columns not imported: {', '.join(rows.hidden_columns)}")
        if rows.hidden_rows:
            lines.append(f"hidden rows not imported: {', '.join(map(str, rows.hidden_rows))}")
        if rows.sections:
            listed = ", ".join(f"{text!r} (row {number})" for number, text in rows.sections)
            lines.append(f"themes from section rows: {listed}")
        if rows.substeps:
            listed = ", ".join(f"row {number} (under {ref})" for number, ref in rows.substeps)
            lines.append(f"sub-actions added to their action's description: {listed}")
        if rows.summary_rows:
            lines.append(f"summary rows skipped: {', '.join(map(str, rows.summary_rows))}")
        if rows.blank_rows:
            lines.append(f"blank rows skipped: {', '.join(map(str, rows.blank_rows))}")
        if rows.ignored:
            lines.append(f"Columns not imported: {', '.join(rows.ignored)}")
        if rows.no_field:
            lines.append(f"Columns not imported (no field for them): {', '.join(rows.no_field)}")
        for line in lines:
            console.print(line, markup=False, soft_wrap=True)
        return EXIT_OK
    from store.plan_files import PlanFileError, read_plan_file

    if args.only is not None:
        raise CommandFailed("--only picks actions of a tracker (.xlsx or .csv), not of a plan file")
    if args.map or args.value:
        raise CommandFailed("--map and --value read a tracker (.xlsx or .csv), not a plan file")
    try:
        plan_file = read_plan_file(args.file)
    except PlanFileError as error:
        raise CommandFailed(str(error)) from None
    plan = plan_file.plan
    if args.dry_run:
        console.print(
            f"{args.file}: valid plan {plan.id!r} with {len(plan.actions)} actions; "
            "nothing written (dry run)",
            markup=False,
            soft_wrap=True,
        )
        return EXIT_OK
    repo = open_store(args)
    repo.add_plan(plan, by=by_name(args))
    console.print(
        f"Imported {plan.name!r} ({plan.id}) with {len(plan.actions)} actions into {repo.where}",
        markup=False,
        soft_wrap=True,
    )
    return EXIT_OK


def show_mapping(args: argparse.Namespace, console: Console) -> int:
    """``ipt import --mapping``: the plan's saved way of reading its tracker, changed if asked."""
    from store.importers.mapping import MappingChange, MappingError, describe, keep_mapping, saved_mapping
    from store.models import TrackerMapping

    if args.file is not None:
        raise CommandFailed("--mapping shows or changes the saved mapping; give it without a file")
    try:
        change = MappingChange.from_options(
            args.map, args.value, sheet=args.sheet, include_hidden=args.include_hidden, forget=args.forget
        )
    except MappingError as error:
        raise CommandFailed(str(error)) from None
    repo = open_store(args)
    plan_id = plan_id_of(args, repo)
    if change:
        if args.dry_run:
            raise CommandFailed("--dry-run checks an import; --mapping changes are saved at once")
        try:
            mapping: TrackerMapping | None = keep_mapping(
                repo, plan_id, change, by=by_name(args), on=date.today()
            )
        except MappingError as error:
            raise CommandFailed(str(error)) from None
        console.print(f"saved the tracker mapping of plan {plan_id}:", markup=False)
    else:
        mapping = saved_mapping(repo.plan(plan_id).mappings)
        console.print(f"tracker mapping of plan {plan_id}:", markup=False)
    for line in describe(mapping):
        console.print(line, markup=False, soft_wrap=True)
    return EXIT_OK


def cmd_validate(args: argparse.Namespace, console: Console) -> int:
    from store.plan_files import PlanFileError, looks_like_plan_file, read_plan_file
    from store.repository import Repository

    path: Path = args.file
    if looks_like_plan_file(path):
        try:
            plan_file = read_plan_file(path)
        except PlanFileError as error:
            raise CommandFailed(str(error)) from None
        console.print(
            f"{path}: valid plan file ({plan_file.plan.id}, {len(plan_file.plan.actions)} actions)",
            markup=False,
            soft_wrap=True,
        )
        return EXIT_OK
    if not path.exists():
        raise CommandFailed(f"{path}: no such file")
    repo = Repository(path)
    console.print(
        f"{path}: valid store, revision {repo.revision}, plans: {', '.join(repo.plan_ids()) or 'none'}",
        markup=False,
        soft_wrap=True,
    )
    return EXIT_OK


def cmd_plans(args: argparse.Namespace, console: Console) -> int:
    from rich.table import Table

    from tui.presentation import literal

    repo = open_store(args)
    default = repo.default_plan_id()
    table = Table("id", "plan", "authority", "period", "actions", title=f"Plans in {repo.where}")
    for header in repo.plans():
        plan = repo.plan(header.id)
        marker = " (default)" if header.id == default else ""
        table.add_row(
            header.id + marker,
            literal(header.name),
            literal(header.authority),
            f"{header.starts_on:%b %Y} – {header.ends_on:%b %Y}",
            str(len(plan.actions)),
        )
    console.print(table)
    return EXIT_OK


def cmd_summary(args: argparse.Namespace, console: Console) -> int:
    from store.rollups import plan_summary, summary_to_json
    from tui.cli.summary_view import render_summary

    repo = open_store(args)
    plan = repo.plan(plan_id_of(args, repo))
    # As the tracker does: the day asked, else the plan's reported day (a sample's paper), else today.
    summary = plan_summary(plan, args.as_of or args.tui_as_of or plan.reported_on or date.today())
    if args.json:
        write_json(summary_to_json(summary))
        return EXIT_OK
    render_summary(console, plan, summary)
    return EXIT_OK


def cmd_show(args: argparse.Namespace, console: Console) -> int:
    from tui.cli.summary_view import render_action

    repo = open_store(args)
    plan_id = plan_id_of(args, repo)
    plan = repo.plan(plan_id)
    action = plan.action(action_ref(repo, plan_id, args.ref))
    history = repo.audit(plan_id, "action", action.ref)
    if args.json:
        payload = {
            "plan": plan_id,
            "action": action.model_dump(mode="json"),
            "history": [entry.model_dump(mode="json") for entry in history],
        }
        write_json(payload)
        return EXIT_OK
    from tui.presentation import literal

    read = literal(f"Plan {plan.id}: {plan.name} ({plan.authority})", "dim")
    console.print(read, soft_wrap=True)
    render_action(console, plan, action, history)
    return EXIT_OK


def cmd_update(args: argparse.Namespace, console: Console) -> int:
    changes: dict[str, Any] = {}
    for option, field_name in (
        ("status", "status"),
        ("rag", "rag"),
        ("progress", "progress"),
        ("owner", "owner"),
    ):
        value = getattr(args, option)
        if value is not None:
            changes[field_name] = value
    if args.due is not None:
        changes["due_on"] = args.due
    if args.completed is not None:
        changes["completed_on"] = args.completed
    changes.update(
        (field_name, getattr(args, option))
        for option, field_name in ACTION_FIELDS.items()
        if getattr(args, option) is not None
    )
    if not changes and not args.note:
        raise CommandFailed(
            "nothing to change: give --status, --rag, --progress, --due, --owner, --title, --theme, "
            "--description, --outcome, --success-measure, --start, --recs or --note"
        )
    if args.due is not None and not args.due_reason:
        raise CommandFailed("moving a due date needs --due-reason, which is kept in the action's history")
    repo = open_store(args)
    plan_id = plan_id_of(args, repo)
    ref = action_ref(repo, plan_id, args.ref)
    if args.completed is not None and args.status is None:
        status = repo.plan(plan_id).action(ref).status
        if status.value != "complete":
            raise CommandFailed(
                f"--completed: a completed date needs the action complete, and {ref} is "
                f"{status.label.lower()}; add --status complete"
            )
    action = repo.update_action(
        plan_id,
        ref,
        changes,
        by=by_name(args),
        on=args.on or date.today(),
        note=args.note,
        due_reason=args.due_reason,
    )
    console.print(
        f"Saved {action.ref}: {action.status.label}, RAG {action.rag.label if action.rag else '-'}, "
        f"{action.progress}% (revision {repo.revision})",
        markup=False,
        soft_wrap=True,
    )
    return EXIT_OK


def cmd_tui(args: argparse.Namespace, console: Console) -> int:
    """Open the tracker on the store; an empty store offers the bundled sample plans.

    ``--as-of DATE`` (before or after ``tui``) assesses the plan as on that day instead of the
    plan's reported day (a sample's) or today; the tracker's header shows which. Display
    settings live in ``$IPT_CONFIG_DIR/settings.json`` when that is set.
    """
    from tui.app import make_app
    from tui.settings import default_config_path, default_settings_path

    app = make_app(
        store_location(args),
        plan_id=args.plan,
        as_of=getattr(args, "tui_as_of", None),
        by=by_name(args),
        settings_path=default_settings_path(),
        config_path=default_config_path(),
    )
    app.run()
    from tui.app import leave_if_still_reading

    leave_if_still_reading(EXIT_OK)
    return EXIT_OK


def cmd_restore_backup(args: argparse.Namespace, console: Console) -> int:
    """Put the backup back; a store that is not damaged is refused (naming the save it would
    undo) unless ``--force``. The file that was the store is always kept beside it."""
    from datetime import datetime

    from store.backup import restore

    path = store_path(args)
    result = restore(path, stamp=datetime.now().strftime("%Y%m%dT%H%M%S"), force=args.force)
    if not result.changed:
        message = f"{path} already holds the backup (revision {result.revision}); nothing was changed."
    elif result.kept is None:
        message = f"Restored {path} to revision {result.revision} from the backup (there was no store)."
    elif result.damaged:
        message = f"Restored {path} to revision {result.revision}; the damaged file is kept at {result.kept}."
    else:
        undone = f"undoing {result.undone.label}" if result.undone else "replacing a store of a newer ipt"
        message = (
            f"Restored {path} to revision {result.revision}, {undone}; "
            f"the replaced store is kept at {result.kept}."
        )
    console.print(message, markup=False, soft_wrap=True)
    return EXIT_OK


def cmd_review(args: argparse.Namespace, console: Console) -> int:
    from tui.cli.reviews import run_review

    repo = open_store(args)
    return run_review(args, console, repo, plan_id_of(args, repo), by_name(args))


def cmd_reviews(args: argparse.Namespace, console: Console) -> int:
    from tui.cli.reviews import list_reviews

    repo = open_store(args)
    return list_reviews(console, repo.plan(plan_id_of(args, repo)).reviews)


Command = Callable[[argparse.Namespace, Console], int]


def cmd_new(args: argparse.Namespace, console: Console) -> int:
    from tui.cli.new_plan import cmd_new as run

    return run(args, console)


def board_command(name: str) -> Command:
    """A command from :mod:`tui.cli.board`, imported only when it is the one run."""

    def run(args: argparse.Namespace, console: Console) -> int:
        from tui.cli import board

        command: Command = getattr(board, name)
        return command(args, console)

    return run


COMMANDS: dict[str | None, Command] = {
    "review": cmd_review,
    "restore-backup": cmd_restore_backup,
    "reviews": cmd_reviews,
    None: cmd_tui,
    "tui": cmd_tui,
    "samples": cmd_samples,
    "init": cmd_init,
    "new": cmd_new,
    "import": cmd_import,
    "validate": cmd_validate,
    "plans": cmd_plans,
    "summary": cmd_summary,
    "show": cmd_show,
    "update": cmd_update,
    "snapshot": board_command("cmd_snapshot"),
    "snapshots": board_command("cmd_snapshots"),
    "compare": board_command("cmd_compare"),
    "export": board_command("cmd_export"),
    **EDIT_COMMANDS,
    **RETURN_COMMANDS,
    **STORE_COMMANDS,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    console = make_console()
    try:
        return COMMANDS[args.command](args, console)
    except (CommandFailed, StoreError) as error:
        write_error(f"ipt: {error}")  # unwrapped: each problem stays on one line however long
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
