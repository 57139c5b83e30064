"""An archive with official texts attached, built once per session (player and browser tests).

Three real fixtures, transcribed by the real model in their own data dir (the session `indexed`
archive is shared by other tests and must keep its machine transcripts alone):

- en_budget.mp3 with a text that departs from what is said (en_budget.ref.txt): "29 million"
  where "28" is said (changed), the sentence about the schools left out of the text (added),
  and a closing sentence never said (omitted);
- fr_minister.ogg with the very text it says: no departure;
- fr_otan.flac with no text at all.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from conftest import FIXTURES, indexer_sharing_models

from indexer import official
from indexer.official.attach import attach_to_video
from indexer.pipeline import Indexer

BUDGET_TEXT = ("Good morning everyone. The city budget will grow by 29 million dollars next "
               "year. The work will start in March. Thank you all for your patience and your "
               "attention today.\n")
OMITTED = "Thank you all for your patience and your attention today."


@dataclass(frozen=True)
class OfficialArchive:
    data_dir: Path
    budget: str  # video ids
    minister: str
    plain: str


_built: dict[int, OfficialArchive] = {}


def official_archive(session_indexer: Indexer, root: Path) -> OfficialArchive:
    """The archive, built on first call (the session's loaded model and spaCy are reused)."""
    key = id(session_indexer)
    if key not in _built:
        _built[key] = _build(session_indexer, root)
    return _built[key]


def _build(session_indexer: Indexer, root: Path) -> OfficialArchive:
    indexer = indexer_sharing_models(session_indexer, root)
    data = indexer.settings.data_dir
    media = root / "media"
    media.mkdir()
    ids = {}
    for name in ("en_budget.mp3", "fr_minister.ogg", "fr_otan.flac"):
        copy = media / name  # without its .ref.txt: a sidecar .txt would be attached at once
        shutil.copyfile(FIXTURES / name, copy)
        outcome = indexer.index_file(copy)
        assert outcome.status == "indexed", outcome.reason
        ids[name] = outcome.video_id
    texts = {"en_budget.mp3": BUDGET_TEXT,
             "fr_minister.ogg": (FIXTURES / "fr_minister.ref.txt").read_text(encoding="utf-8")}
    for name, text in texts.items():
        path = media / (Path(name).stem + ".official.txt")
        path.write_text(text, encoding="utf-8")
        attach_to_video(indexer, ids[name], official.read_official_text(path), path.name)
    return OfficialArchive(data, ids["en_budget.mp3"], ids["fr_minister.ogg"],
                           ids["fr_otan.flac"])
