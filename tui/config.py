"""The user's ``config.toml``: keys rebound by binding id, a theme, the plan to open.

It sits beside ``settings.json`` in the config folder (see :mod:`tui.settings`) and is only
ever read. Something wrong in it never stops the tracker: each problem becomes a sentence
naming the setting, that setting is left at its default and the others still apply::

    theme = "textual-light"
    plan = "oldham-2019"

    [keymap]
    "review.close" = "ctrl+w"
    "app.quit" = "ctrl+q"
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from store.errors import StoreError
from store.safe_files import read_regular_file

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

CONFIG_NAME = "config.toml"
MAX_CONFIG_BYTES = 64 * 1024
SETTINGS = ("keymap", "theme", "plan")
KEY = re.compile(r"^(?:[a-z0-9_]+\+)*(?:[a-z0-9_]+|.)$", re.IGNORECASE)
"""One key as Textual names it: ``x``, ``ctrl+w``, ``f5``, ``shift+tab``, ``question_mark``."""


@dataclass
class Config:
    """What ``config.toml`` asks for; ``problems`` says what in it was not used and why."""

    keymap: dict[str, str] = field(default_factory=dict)
    """Binding id (as the help and the README list them) to keys, e.g. ``{"app.quit": "ctrl+q"}``."""
    theme: str | None = None
    plan: str | None = None
    problems: list[str] = field(default_factory=list)


def read_config(path: Path | None, binding_ids: Callable[[], Iterable[str]]) -> Config:
    """Read ``path`` (a missing file is an empty config). ``binding_ids`` gives the ids a keymap
    may name (asked only when there is a keymap: it imports every screen). The theme and the
    plan are checked by the app, which knows the themes and the plans."""
    config = Config()
    if path is None or not path.exists():
        return config
    where = path.name
    try:
        text = read_regular_file(path, limit=MAX_CONFIG_BYTES, what="config file").decode("utf-8")
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        config.problems.append(f"{where} is not valid TOML ({error}); using the defaults")
        return config
    except UnicodeDecodeError:
        config.problems.append(f"{where} is not UTF-8 text; using the defaults")
        return config
    except (OSError, StoreError) as error:
        config.problems.append(f"{where} could not be read ({error}); using the defaults")
        return config
    for name in raw:
        if name not in SETTINGS:
            config.problems.append(
                f"{where}: {name!r} is not a setting; the settings are {', '.join(SETTINGS)}"
            )
    for name in ("theme", "plan"):
        value = raw.get(name)
        if value is None:
            continue
        if isinstance(value, str) and value.strip():
            setattr(config, name, value.strip())
        else:
            config.problems.append(
                f"{where}: {name} should be a name in quotes, e.g. {name} = {example(name)}"
            )
    if raw.get("keymap") is not None:
        config.keymap = read_keymap(raw["keymap"], set(binding_ids()), where, config.problems)
    return config


def example(name: str) -> str:
    return '"textual-light"' if name == "theme" else '"oldham-2019"'


def read_keymap(raw: Any, known: set[str], where: str, problems: list[str]) -> dict[str, str]:
    """The keymap's well-formed entries; each one that is not is a problem naming it."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append(f'{where}: keymap should be a table, e.g. [keymap] then "app.quit" = "ctrl+q"')
        return {}
    keymap: dict[str, str] = {}
    for binding_id, keys in raw.items():
        if binding_id not in known:
            near = nearest(binding_id, known)
            hint = f"; did you mean {near!r}?" if near else ""
            problems.append(f"{where}: keymap {binding_id!r} is not a key binding of ipt{hint}")
            continue
        if not isinstance(keys, str) or not all(KEY.match(key.strip()) for key in keys.split(",")):
            problems.append(
                f'{where}: keymap {binding_id!r} should be keys in quotes, e.g. "ctrl+w" or "f5,ctrl+n"'
            )
            continue
        keymap[binding_id] = ",".join(key.strip() for key in keys.split(","))
    return keymap


def nearest(name: str, known: Iterable[str]) -> str | None:
    import difflib

    found = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    return found[0] if found else None
