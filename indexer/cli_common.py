"""What every `speechsearch` command shares: the --data-dir option and the settings it gives."""

from __future__ import annotations

from pathlib import Path

import click

from .config import Settings

DATA_DIR_HELP = "Data folder: index/, transcripts/, models/ [env SPEECHSEARCH_DATA_DIR; ./data]"


def data_dir_option(command):
    """Every command takes --data-dir; it may also be given before the command name."""
    return click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
                        envvar="SPEECHSEARCH_DATA_DIR", default=None, help=DATA_DIR_HELP,
                        )(command)


def settings_from(ctx: click.Context, data_dir: Path | None) -> Settings:
    root = ctx.find_root().params
    return Settings.from_env(data_dir or root.get("data_dir"), root.get("languages"))
