"""The user's display settings, kept in a small JSON file.

Only look-and-feel lives here (light or dark theme); plan data never does. A missing or
unreadable file gives the defaults, so a broken settings file never stops the tracker.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from store.errors import StoreError
from store.safe_files import (
    create_new_file,
    make_private_folder,
    read_regular_file,
    refuse_symlink,
    replace_file,
    write_all,
)

DARK_THEME = "textual-dark"
LIGHT_THEME = "textual-light"


@dataclass
class Settings:
    """What the tracker remembers between runs."""

    theme: str = DARK_THEME
    """A Textual theme name; the ``t`` key toggles between light and dark."""


CONFIG_DIR_VARIABLE = "IPT_CONFIG_DIR"
"""An environment variable naming the folder for ``settings.json`` (tests point it at a temp folder)."""


def default_settings_path() -> Path:
    """``settings.json`` in ``$IPT_CONFIG_DIR`` if set, else in the user's config folder."""
    override = os.environ.get(CONFIG_DIR_VARIABLE)
    if override:
        return Path(override).expanduser() / "settings.json"
    import platformdirs

    return Path(platformdirs.user_config_dir("ipt", appauthor=False)) / "settings.json"


def default_config_path() -> Path:
    """``config.toml`` (keys, theme, plan to open; see :mod:`tui.config`) beside ``settings.json``."""
    return default_settings_path().with_name("config.toml")


MAX_SETTINGS_BYTES = 64 * 1024


def load_settings(path: Path | None) -> Settings:
    """Read the settings, falling back to the defaults for anything missing or malformed
    (a FIFO or a device there is not read: it gives the defaults too, without waiting)."""
    if path is None or not path.exists():
        return Settings()
    try:
        raw = json.loads(read_regular_file(path, limit=MAX_SETTINGS_BYTES, what="settings file"))
    except (OSError, ValueError, StoreError):
        return Settings()
    theme = raw.get("theme") if isinstance(raw, dict) else None
    return Settings(theme=theme if theme in (DARK_THEME, LIGHT_THEME) else DARK_THEME)


def save_settings(path: Path | None, settings: Settings) -> str | None:
    """Write the settings atomically, owner-only (0600), in an owner-only (0700) config
    folder if it has to be made. They are only preferences, so a failure is not raised: it
    is returned as a sentence (None when they were saved), for the caller to show or not.

    Neither ``settings.json`` nor its temporary file is ever written through a symbolic
    link; a link there is left alone and the settings are not saved."""
    if path is None:
        return None
    temporary = path.with_name(path.name + ".tmp")
    try:
        make_private_folder(path.parent, what="config folder", allow_link=True)
        refuse_symlink(path, "settings file")
        refuse_symlink(temporary, "settings file's temporary file")
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)  # left by a save that was killed (a link would have been refused)
        fd = create_new_file(temporary, what="settings file's temporary file")
        try:
            write_all(fd, (json.dumps(asdict(settings), indent=2) + "\n").encode())
        finally:
            os.close(fd)
        replace_file(temporary, path, what="settings file")
    except StoreError as error:
        return str(error)
    except OSError as error:
        with contextlib.suppress(OSError):
            if not os.path.islink(temporary):
                os.unlink(temporary)
        return f"{path}: the settings were not saved: {error.strerror or error}"
    return None
