"""The README's commands must stay true to the code."""

from __future__ import annotations

import re
import shlex

import pytest
from click.testing import CliRunner
from conftest import ROOT

from indexer.cli import main

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```sh\n(.*?)```", README, flags=re.S)
COMMANDS = [line.split("  #")[0].strip() for block in BLOCKS for line in block.splitlines()
            if line.strip().startswith("speechsearch ")]
MAKE_TARGETS = {line.split()[1] for block in BLOCKS for line in block.splitlines()
                if line.startswith("make ")}


def test_readme_has_a_command_for_each_verb() -> None:
    verbs = {shlex.split(c)[1] for c in COMMANDS}
    assert {"index", "search", "export", "serve", "models"} <= verbs


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_command_parses(command: str) -> None:
    # Options are all parsed (an unknown one fails) before the eager --help stops the run.
    result = CliRunner().invoke(main, [*shlex.split(command)[1:], "--help"])
    assert result.exit_code == 0, result.output


def test_readme_make_targets_exist() -> None:
    makefile = (ROOT / "Makefile").read_text()
    for target in MAKE_TARGETS:
        assert re.search(rf"^{re.escape(target)}:", makefile, flags=re.M), target


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in README
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_readme_query_fields_match_the_parser() -> None:
    from indexer.search_index import QUERY_FIELDS

    documented = set(re.findall(r"`(\w+):(?!//)", README))  # a URL is no field
    assert documented <= set(QUERY_FIELDS)


BENCH_COMMANDS = [line.split("  #")[0].strip() for block in BLOCKS for line in block.splitlines()
                  if line.strip().startswith(".venv/bin/python -m bench")]


@pytest.mark.parametrize("command", BENCH_COMMANDS)
def test_readme_bench_command_parses(command: str) -> None:
    from bench.__main__ import main as bench_main

    with pytest.raises(SystemExit) as stopped:  # argparse exits 0 on --help, 2 on bad options
        bench_main([*shlex.split(command)[3:], "--help"])
    assert stopped.value.code == 0


def test_readme_documents_bench() -> None:
    assert BENCH_COMMANDS and "make bench" in README
