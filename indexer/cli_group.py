"""The `speechsearch` group: its plug-ins, and library errors turned into CLI errors.

Packages add commands through the `speechsearch.commands` entry-point group (the site adds
`serve`, `users`, `remove`, `db`), the way Flask's `flask.commands` group works: the indexer
never imports them. Errors are translated here, at the edge, and nowhere else: a
`SpeechSearchError` or an `OSError` becomes one line on stderr and an exit code, never a
traceback.
"""

from __future__ import annotations

import logging
from importlib.metadata import entry_points

import click

from .errors import SpeechSearchError

logger = logging.getLogger(__name__)
PLUGINS = "speechsearch.commands"


class SpeechSearchGroup(click.Group):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._plugins_loaded = False

    def _load_plugins(self) -> None:
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        for entry in entry_points(group=PLUGINS):
            try:
                command = entry.load()
            except ImportError as exc:  # a broken plug-in must not take the indexer down
                logger.warning("the %r command could not be loaded (%s): %s", entry.name,
                               entry.value, exc)
                continue
            self.add_command(command, entry.name)

    def get_command(self, ctx: click.Context, name: str):
        command = super().get_command(ctx, name)
        if command is None:
            self._load_plugins()
            command = super().get_command(ctx, name)
        return command

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugins()
        return super().list_commands(ctx)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except SpeechSearchError as exc:
            raise CommandError(str(exc), exc.exit_code) from exc
        except OSError as exc:  # a full disk, a folder without permission: the OS says which
            raise CommandError(str(exc), 1) from exc


class CommandError(click.ClickException):
    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code
