"""Where a search request's time goes: cProfile of the app in-process (Flask test client).

Used by bench/load.py to explain its throughput: the profile shares are ratios measured in the
same run, so they hold on a busy machine where absolute times do not.
"""

from __future__ import annotations

import cProfile
import pstats
import time
from dataclasses import dataclass
from pathlib import Path

# (label, file suffix, function name): cumulative time of each, as a share of the request.
PARTS = [
    ("search (SegmentSearcher.search)", "indexer/search_index/querying.py", "search"),
    ("spelling suggestion (no-hit queries)", "indexer/search_index/querying.py", "suggestion"),
    ("Jinja rendering", "flask/templating.py", "render_template"),
    ("Flask-Babel gettext in templates", "jinja2/ext.py", "_gettext_alias"),
    ("before-request hooks (locale, login, limiter)", "flask/app.py", "preprocess_request"),
    ("JSON encoding", "flask/json/__init__.py", "jsonify"),
    ("quote finder (SegmentSearcher.quote)", "indexer/search_index/querying.py", "quote"),
    ("quote: candidate passages (postings)", "indexer/search_index/quoting.py", "_candidates"),
    ("quote: windows around them (stored passages)", "indexer/search_index/quoting.py",
     "around"),
    ("quote: alignment (rapidfuzz)", "indexer/quote_diff.py", "align"),
    ("quote: hits timed from transcripts", "indexer/quote_times.py", "time_hits"),
]


@dataclass
class Profile:
    path: str  # the endpoint, e.g. /api/search
    ms_per_request: float  # without the profiler, this process alone
    shares: dict[str, float]  # label -> share of the request's time under the profiler


def cumulative(stats: pstats.Stats, suffix: str, name: str) -> float:
    return sum(row[3] for (file, _, func), row in stats.stats.items()  # type: ignore[attr-defined]
               if func == name and file.endswith(suffix))


def profile(data_dir: Path, paths: list[str], rounds: int = 20) -> Profile:
    """Time `rounds` passes over `paths` plain, then profile as many; 200s only."""
    from search_app import create_app

    app = create_app({"DATA_DIR": str(data_dir)})
    client = app.test_client()
    for path in paths * 2:  # warm: templates compiled, searcher opened, caches filled
        status = client.get(path).status_code
        if status != 200:
            raise AssertionError(f"{path}: HTTP {status}")
    began = time.perf_counter()
    for _ in range(rounds):
        for path in paths:
            client.get(path)
    plain = (time.perf_counter() - began) / (rounds * len(paths))
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(rounds):
        for path in paths:
            client.get(path)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = cumulative(stats, "flask/app.py", "wsgi_app")
    shares = {label: cumulative(stats, suffix, name) / total for label, suffix, name in PARTS}
    return Profile(paths[0].split("?")[0], plain * 1000, {k: v for k, v in shares.items() if v})
