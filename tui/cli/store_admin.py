"""``ipt store init`` and ``ipt store migrate``: a shared PostgreSQL database's ipt tables.

A store file needs no setting up (the first save creates it); a database gets its tables from
``ipt --db postgresql://… store init`` and later versions of them from ``store migrate``. Both
are idempotent and refuse a database set up by a newer ipt, changing nothing.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from rich.console import Console

from tui.cli.common import EXIT_OK, CommandFailed, database_url


def add_store_parser(commands: Any) -> None:
    """Register ``ipt store init|migrate``."""
    store = commands.add_parser("store", help="set up a shared PostgreSQL database: init, migrate")
    actions = store.add_subparsers(dest="store_command", metavar="ACTION", required=True)
    actions.add_parser("init", help="create ipt's tables in the database given by --db (or $IPT_DB)")
    actions.add_parser("migrate", help="bring the database's ipt tables up to this ipt's version")


def cmd_store(args: argparse.Namespace, console: Console) -> int:
    from store.pg_schema import DATABASE_VERSION
    from store.postgres import PostgresStorage

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
