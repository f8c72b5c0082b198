"""What every `ipt` command shares: options to objects, dates, who is acting, failures, and
the terminal output that never passes on a control character from user text."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from rich.console import Console, ConsoleOptions, ConsoleRenderable, RenderHook, RenderResult
from rich.measure import Measurement
from rich.segment import Segment

from store.backend import is_database_url
from store.storage import default_store_path
from store.text import json_for_terminal, visible

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

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


def database_url(args: argparse.Namespace) -> str | None:
    """The ``postgresql://`` URL ``--db`` (else ``$IPT_DB``) names, if it names a database."""
    given = args.db or os.environ.get("IPT_DB")
    return given.strip() if isinstance(given, str) and is_database_url(given) else None


def store_path(args: argparse.Namespace) -> Path:
    """The store file to use: ``--db``, else the default, checked and with any link followed
    (see :func:`store.safe_files.check_store_path`); refused with a clear message if unusable."""
    from store.safe_files import check_store_path

    if database_url(args):
        raise CommandFailed("this command works on a store file, not a database; give --db a file")
    return check_store_path(Path(args.db).expanduser() if args.db else default_store_path())


def store_location(args: argparse.Namespace) -> Path | str:
    """The store: a ``postgresql://`` URL, else the checked store file (:func:`store_path`)."""
    return database_url(args) or store_path(args)


def open_store(args: argparse.Namespace) -> Repository:
    from store.repository import Repository

    return Repository(store_location(args))


def plan_id_of(args: argparse.Namespace, repo: Repository) -> str:
    if args.plan:
        repo.plan(args.plan)
        return str(args.plan)
    plan_id = repo.default_plan_id()
    if plan_id is None:
        raise CommandFailed(
            f"the store {repo.where} has no plans yet; add one with `ipt init --sample oldham-2019` "
            "or `ipt import FILE`"
        )
    return plan_id


def action_ref(repo: Repository, plan_id: str, ref: str) -> str:
    """The stored ref ``ref`` means, matched ignoring case and punctuation (``wf01``, ``wf-01``
    for WF-01) when it is not exact; an unknown ref is refused naming the nearest."""
    import difflib

    refs = [action.ref for action in repo.plan(plan_id).actions]
    if ref in refs:
        return ref

    def fold(text: str) -> str:
        return "".join(char for char in text.lower() if char.isalnum())

    same = [known for known in refs if fold(known) == fold(ref)]
    if len(same) == 1:
        return same[0]
    folded = {fold(known): known for known in refs}
    near = difflib.get_close_matches(fold(ref), list(folded), n=1, cutoff=0.5)
    hint = f"; did you mean {folded[near[0]]}?" if near else ""
    raise CommandFailed(f"no action {ref!r} in plan {plan_id}{hint}")


GLOBAL_OPTIONS = (
    ("--db", {"type": Path, "help": "store file (as before the command)"}),
    ("--plan", {"help": "plan id (as before the command)"}),
    ("--by", {"help": "who is making the change (as before the command)"}),
)


def accept_global_options(parser: argparse.ArgumentParser) -> None:
    """Let ``--db``, ``--plan`` and ``--by`` be given after any command (and any step of a
    command), as well as before it: ``ipt show WF-01 --plan oldham-2019``. Given after, they
    override what was given before; not given, they leave it alone."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for subparser in action.choices.values():
                for option, settings in GLOBAL_OPTIONS:
                    if option not in subparser._option_string_actions:
                        subparser.add_argument(option, default=argparse.SUPPRESS, **settings)  # type: ignore[arg-type]
                accept_global_options(subparser)


def by_name(args: argparse.Namespace) -> str:
    return str(args.by or default_user())


# Terminal output ---------------------------------------------------------------------------


class _Visible:
    """``inner`` rendered with every control character of its text shown visibly.

    ipt's own terminal codes (colours, cursor moves) are never in a segment's text: styles
    are applied when the segments are written, and control segments are passed on as they
    are. What is left is text, and :func:`store.text.visible` makes any ESC, BEL, C1 or
    bidi character in it harmless. User text normally reaches here already visible (see
    :func:`tui.presentation.literal`), so layouts allow for the stand-ins; this is the net.
    """

    __slots__ = ("inner",)

    def __init__(self, inner: ConsoleRenderable) -> None:
        self.inner = inner

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for segment in console.render(self.inner, options):
            if segment.control:
                yield segment
                continue
            text = visible(segment.text)
            yield segment if text is segment.text else Segment(text, segment.style)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.inner)


class _VisibleHook(RenderHook):
    def process_renderables(self, renderables: list[ConsoleRenderable]) -> list[ConsoleRenderable]:
        return [_Visible(renderable) for renderable in renderables]


def make_console(*, stderr: bool = False) -> Console:
    """The Rich console for standard output (or standard error) of every `ipt` command.

    Whatever is printed on it goes through :func:`store.text.visible`, so user text can
    never reach the terminal as a control sequence.
    """
    if stderr:
        console = Console(stderr=True, highlight=False)
    else:
        console = Console(highlight=False, soft_wrap=False, width=None if os.isatty(1) else 120)
    console.push_render_hook(_VisibleHook())
    return console


def write_json(value: Any) -> None:
    """``value`` as indented JSON on standard output; C1 and bidi characters are escaped."""
    text = orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()
    sys.stdout.write(json_for_terminal(text) + "\n")


def write_error(message: str) -> None:
    """One message on standard error as it is (long lines unwrapped), control characters visible."""
    sys.stderr.write(visible(message) + "\n")


class ArgumentParser(argparse.ArgumentParser):
    """argparse's parser, except that everything it prints (usage, help, errors quoting the
    command line) shows control characters visibly; its subcommands' parsers are of this
    class too."""

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        super()._print_message(visible(message) if message else message, file)
