"""``ipt store init|migrate|copy``: a shared PostgreSQL database's tables, and copying a whole
store between a file and a database.

A store file needs no setting up (the first save creates it); a database gets its tables from
``ipt --db postgresql://… store init`` and later versions of them from ``store migrate``. Both
are idempotent and refuse a database set up by a newer ipt, changing nothing. ``store copy SRC
DST`` carries plans, audit trail and snapshots either way (see :mod:`store.store_copy`).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from tui.cli.common import EXIT_OK, CommandFailed, database_url

if TYPE_CHECKING:
    from store.backend import Storage


def add_store_parser(commands: Any) -> None:
    """Register ``ipt store init|migrate``."""
    store = commands.add_parser(
        "store", help="a shared PostgreSQL database: init, migrate; copy a store between file and database"
    )
    actions = store.add_subparsers(dest="store_command", metavar="ACTION", required=True)
    actions.add_parser("init", help="create ipt's tables in the database given by --db (or $IPT_DB)")
    actions.add_parser("migrate", help="bring the database's ipt tables up to this ipt's version")
    copy = actions.add_parser(
        "copy",
        help="copy a whole store (plans, audit trail, snapshots) into an empty one: file to database or back",
    )
    copy.add_argument("source", metavar="SRC", help="store file or postgresql:// URL to copy from")
    copy.add_argument("target", metavar="DST", help="empty store file or postgresql:// URL to copy into")


def cmd_copy(args: argparse.Namespace, console: Console) -> int:
    from store.backend import is_database_url
    from store.repository import open_storage
    from store.safe_files import check_store_path
    from store.store_copy import copy_store, describe

    def opened(where: str) -> Storage:
        if is_database_url(where):
            return open_storage(where.strip())
        return open_storage(check_store_path(Path(where).expanduser()))

    source, target = opened(args.source), opened(args.target)
    copied = copy_store(source, target)
    console.print(
        f"Copied {copied.plans} plan{'s' * (copied.plans != 1)} ({copied.documents} records), "
        f"{copied.audit_entries} audit entries and {copied.snapshots} snapshots from {describe(source)} "
        f"to {describe(target)}, at revision {copied.revision}.",
        markup=False,
        soft_wrap=True,
    )
    return EXIT_OK


def cmd_store(args: argparse.Namespace, console: Console) -> int:
    from store.pg_schema import DATABASE_VERSION
    from store.postgres import PostgresStorage

    if args.store_command == "copy":
        return cmd_copy(args, console)

    url = database_url(args)
    if url is None:
        raise CommandFailed(
            "ipt store init and migrate set up a PostgreSQL database: give it as --db postgresql://… "
            "(or IPT_DB); a store file needs no setting up"
        )
    storage = PostgresStorage(url)
    try:
        if args.store_command == "migrate":
            from store.pg_schema import installed_version

            if installed_version(storage.connect(check_version=False)) is None:
                raise CommandFailed(
                    f"{storage.name} has no ipt tables yet; create them with `ipt store init`"
                )
        before, after = storage.migrate()
    finally:
        storage.close()
    if before == 0:
        message = (
            f"Created ipt's tables in {storage.name} (version {after}). "
            "Add a plan with `ipt init` or `ipt import`."
        )
    elif before == after:
        message = (
            f"{storage.name} already has ipt's tables at version {DATABASE_VERSION}; nothing was changed."
        )
    else:
        message = f"Brought ipt's tables in {storage.name} from version {before} to {after}."
    console.print(message, markup=False, soft_wrap=True)
    return EXIT_OK


STORE_COMMANDS: dict[str | None, Callable[[argparse.Namespace, Console], int]] = {"store": cmd_store}
