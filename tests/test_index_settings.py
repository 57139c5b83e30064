"""The counts `speechsearch index` takes from an option or from SPEECHSEARCH_*: each is read
from the environment, checked there and on the command line, documented in --help, and
refused with --queue (jobs run with the workers' settings)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES

from indexer.cli import main
from indexer.config import Settings
from indexer.errors import UsageError

# (option, variable, Settings field, a good value, the default, values the variable refuses,
#  a value the option refuses)
COUNTS = [
    ("--batch-size", "BATCH_SIZE", "batch_size", "3", 8, ("0", "many", "999"), "0"),
    ("--files-at-once", "FILES_AT_ONCE", "files_at_once", "2", 4, ("0", "all", "99"), "0"),
    ("--lanes", "LANES", "lanes", "3", 0, ("-1", "two", "99"), "17"),
]


@pytest.mark.parametrize("option, name, attribute, good, default, bad, refused", COUNTS,
                         ids=[c[0] for c in COUNTS])
def test_count_setting_and_option(monkeypatch, tmp_path: Path, option, name, attribute, good,
                                  default, bad, refused) -> None:
    variable = f"SPEECHSEARCH_{name}"
    monkeypatch.setenv(variable, good)
    assert getattr(Settings.from_env(tmp_path), attribute) == int(good)
    monkeypatch.delenv(variable)
    assert getattr(Settings.from_env(tmp_path), attribute) == default
    for value in bad:
        monkeypatch.setenv(variable, value)
        with pytest.raises(UsageError, match=variable):
            Settings.from_env(tmp_path)
    monkeypatch.delenv(variable)
    runner = CliRunner()
    result = runner.invoke(main, ["index", "--help"])
    assert option in result.output and variable in result.output
    media = str(FIXTURES / "en_nato.mp3")
    result = runner.invoke(main, ["index", media, option, refused, "--data-dir", str(tmp_path)])
    assert result.exit_code == 2 and option in result.output
    result = runner.invoke(main, ["index", media, option, "2", "--queue",
                                  "--data-dir", str(tmp_path)])
    assert result.exit_code != 0 and f"{option} cannot be used with --queue" in result.output
