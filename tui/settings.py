"""The user's display settings, kept in a small JSON file.

Only look-and-feel lives here (light or dark theme); plan data never does. A missing or
unreadable file gives the defaults, so a broken settings file never stops the tracker.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

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


def load_settings(path: Path | None) -> Settings:
    """Read the settings, falling back to the defaults for anything missing or malformed."""
    if path is None or not path.exists():
        return Settings()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Settings()
    theme = raw.get("theme") if isinstance(raw, dict) else None
    return Settings(theme=theme if theme in (DARK_THEME, LIGHT_THEME) else DARK_THEME)


def save_settings(path: Path | None, settings: Settings) -> None:
    """Write the settings atomically; a failure to write is ignored (they are only preferences)."""
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(json.dumps(asdict(settings), indent=2) + "\n", encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        pass
