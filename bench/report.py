"""Where benchmark tables go: printed, and kept in bench/results/<name>.md (not tracked)."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def publish(name: str, table: str) -> Path:
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{name}.md"
    out.write_text(table + "\n")
    return out
