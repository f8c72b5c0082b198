"""What every `ipt` command shares: options to objects, dates, who is acting, failures."""

from __future__ import annotations

import argparse
import getpass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from store.storage import default_store_path

if TYPE_CHECKING:
    from store.repository import Repository

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class CommandFailed(Exception):
    """A user-facing failure: the message is printed and ipt exits 1."""


def version_text() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("improvement-plan-tracker")
    except PackageNotFoundError:  # running from a source tree without installing
        return "0+unknown"


def parse_date(text: str) -> date:
    """A date on the command line, read as every form reads it (:func:`store.dates.parse_date`)."""
    from store.dates import parse_date as parse

    try:
        return parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def default_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def store_path(args: argparse.Namespace) -> Path:
    return Path(args.db).expanduser() if args.db else default_store_path()


def open_store(args: argparse.Namespace) -> Repository:
    from store.repository import Repository

    return Repository(store_path(args))


def plan_id_of(args: argparse.Namespace, repo: Repository) -> str:
    if args.plan:
        repo.plan(args.plan)
        return str(args.plan)
    plan_id = repo.default_plan_id()
    if plan_id is None:
        raise CommandFailed(
            f"the store {repo.path} has no plans yet; add one with `ipt init --sample oldham-2019` "
            "or `ipt import FILE`"
        )
    return plan_id


def by_name(args: argparse.Namespace) -> str:
    return str(args.by or default_user())
