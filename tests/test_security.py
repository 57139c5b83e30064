"""The security audit's findings each keep a regression test: SECURITY.md names them, and this
module checks that every finding is there and every test it names exists.

The tests themselves live with what they exercise (tests/test_security_*.py: accounts, auth
flows, database, headers, HTTP, search), where their fixtures are.
"""

from __future__ import annotations

import ast
import re

from conftest import ROOT

SECURITY = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
FINDINGS = 17


def named_tests() -> dict[int, list[tuple[str, str]]]:
    """Finding number -> the (module path, test name) pairs its table row names."""
    rows: dict[int, list[tuple[str, str]]] = {}
    for number, cell in re.findall(r"^\| (\d+)\. [^|]*\| (.*) \|$", SECURITY, flags=re.M):
        module = ""
        for path, name in re.findall(r"`(tests/[\w/]+\.py)?::(\w+)`", cell):
            module = path or module  # `::name` alone: the module named before it
            rows.setdefault(int(number), []).append((module, name))
    return rows


def test_every_finding_has_a_regression_test() -> None:
    assert sorted(named_tests()) == list(range(1, FINDINGS + 1))


def test_every_named_test_exists() -> None:
    missing = []
    for number, tests in named_tests().items():
        for module, name in tests:
            tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
            defined = {node.name for node in ast.walk(tree)
                       if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
            if name not in defined:
                missing.append(f"finding {number}: {module}::{name}")
    assert not missing, missing
