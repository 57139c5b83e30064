"""The pending re-index journal: a transcript rewrite and its index commit, made repairable.

`IndexWriter.revise` saves a transcript, then re-indexes it. A crash between the two would
leave the index showing the old text. So, before the transcript is written, a note naming the
video is written (atomically) in `<data-dir>/.pending-reindex/<video_id>.json`, and removed
once the index commit is done. Every start (`index`, `serve`, `worker`, `reindex`, and the
corrections' commands) runs `reindex.repair_pending`, which re-indexes each video still noted,
in the writer's turn, so a note of a process still at work is only seen once it is done.

A note may carry a revision (indexer/corrections/store.py): the revision store's entry is
finished from it if the transcript was saved with that revision.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .store import is_video_id, write_json_atomic

logger = logging.getLogger(__name__)
PENDING_DIR = ".pending-reindex"
# Crash tests only: the path of a file that `revise` writes (its pid) once the transcript is
# saved, before the index commit, and then waits there to be killed.
PAUSE_ENV = "SPEECHSEARCH_TEST_PAUSE_BEFORE_INDEX"


@dataclass
class Pending:
    video_id: str
    revision: dict[str, Any] | None  # a revision entry to finish, if the rewrite made one


def _path(data_dir: Path, video_id: str) -> Path:
    if not is_video_id(video_id):
        raise ValueError(f"not a video id: {video_id!r}")
    return data_dir / PENDING_DIR / f"{video_id}.json"


def mark(data_dir: Path, video_id: str, revision: dict[str, Any] | None = None) -> None:
    """Note that `video_id` is to be re-indexed (before its transcript is written)."""
    write_json_atomic(_path(data_dir, video_id), {"video_id": video_id, "revision": revision})


def clear(data_dir: Path, video_id: str) -> None:
    """The index commit is done: forget the note."""
    _path(data_dir, video_id).unlink(missing_ok=True)


def pending(data_dir: Path) -> list[Pending]:
    """The notes left, oldest first; an unreadable note still names its video (its file name)."""
    folder = data_dir / PENDING_DIR
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime):
        if not is_video_id(path.stem):
            continue
        try:
            revision = json.loads(path.read_text(encoding="utf-8")).get("revision")
        except (OSError, ValueError, AttributeError) as exc:
            logger.warning("pending re-index note %s is unreadable (%s): re-indexing the video "
                           "anyway", path, exc)
            revision = None
        found.append(Pending(path.stem, revision))
    return found


def pause_for_crash_test() -> None:
    """Stop here when a crash test asks to (PAUSE_ENV), until the test kills this process."""
    marker = os.environ.get(PAUSE_ENV)
    if not marker:
        return
    Path(marker).write_text(str(os.getpid()), encoding="utf-8")
    while True:  # pragma: no cover - ends with SIGKILL
        time.sleep(1)
