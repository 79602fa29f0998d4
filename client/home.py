"""Where a person's local data lives: ``--home``, else SANWU_HOME, else the platform's data dir."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

ENV_HOME = "SANWU_HOME"
DB_NAME = "sanwu.db"
"""The home's database file (records, queue, identity), beside its attachments folder."""


def resolve_home(explicit: str | os.PathLike[str] | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get(ENV_HOME)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("sanwu", appauthor=False))
