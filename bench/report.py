"""What every benchmark returns, and how it becomes Markdown and PNG.

Each module of `bench/` has `run(ctx: BenchContext) -> Section`. `python -m bench` runs them in
one process, one after the other (never two at once: the machine has two cores), and writes
`docs/benchmarks.md` with a section per module plus the figures in `docs/benchmarks/`.
`ctx.quick` asks for a tiny run (the test suite's smoke test): same code, toy sizes.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
CORPUS = Path(os.environ.get("SPEECHSEARCH_CORPUS", ROOT.parent / "shared" / "corpus"))


@dataclass
class BenchContext:
    quick: bool = False
    figures_dir: Path = ROOT / "docs" / "benchmarks"
    work_dir: Path = RESULTS / "work"  # scratch files and caches (generated media, indexes)
    models_dir: Path = ROOT / "data" / "models"
    corpus: Path = CORPUS
    search_sizes: list[int] | None = None  # the search section's archive sizes (its default)

    def scratch(self, name: str) -> Path:
        path = self.work_dir / ("quick-" + name if self.quick else name)
        path.mkdir(parents=True, exist_ok=True)
        return path


@dataclass
class Section:
    key: str  # stable id: marks the section in docs/benchmarks.md, names results/<key>.json
    title: str
    command: str  # the exact command that reproduces this section alone
    body: str  # Markdown: tables, target checks, reading
    data: dict[str, Any] = field(default_factory=dict)  # raw figures, JSON-serialisable
    figures: list[str] = field(default_factory=list)  # PNG names inside ctx.figures_dir

    def markdown(self, figures_link: str = "benchmarks") -> str:
        parts = [f"<!-- bench:{self.key} -->", f"## {self.title}", "", "Command:", "",
                 "```sh", self.command, "```", "", self.body.strip(), ""]
        parts += [f"![{name}]({figures_link}/{name})\n" for name in self.figures]
        parts.append(f"<!-- /bench:{self.key} -->")
        return "\n".join(parts)


def table(headers: list[str], rows: list[list[Any]], right: set[int] | None = None) -> str:
    """A Markdown table; columns in `right` (by index) are right-aligned (numbers)."""
    right = right or set()
    rule = ["---:" if i in right else "---" for i in range(len(headers))]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(str(c).replace("|", "/") for c in row) + " |" for row in rows]
    return "\n".join(lines)


def target(name: str, value: float, limit: float, higher_is_better: bool,
           unit: str = "", digits: int = 1) -> dict[str, Any]:
    """One line of the page's target summary: Section.data["targets"] is a list of these."""
    met = value >= limit if higher_is_better else value <= limit
    sign = "≥" if higher_is_better else "≤"
    return {"name": name, "measured": f"{value:.{digits}f}{unit}",
            "limit": f"{sign} {limit:g}{unit}", "met": bool(met)}


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


def save_figure(figure, ctx: BenchContext, name: str) -> str:
    ctx.figures_dir.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(ctx.figures_dir / name, dpi=110)
    import matplotlib.pyplot as plt

    plt.close(figure)
    return name


def pyplot():
    """matplotlib's pyplot on the file-only backend (no display on servers)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def publish(section: Section, ctx: BenchContext) -> Path:
    """Print a section and keep it in bench/results/<key>.md and .json (not tracked)."""
    print(section.markdown())
    out_dir = ctx.work_dir.parent
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{section.key}.json").write_text(json.dumps(section.data, indent=2) + "\n")
    out = out_dir / f"{section.key}.md"
    out.write_text(section.markdown() + "\n")
    return out
