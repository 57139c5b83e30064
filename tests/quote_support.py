"""An archive for the quote finder, built once per session: a French statement of six
sentences synthesized with espeak-ng and transcribed by the real model (Whisper cuts it in
about ten passages), beside the session's real fixtures (fr_otan.flac, en_nato.mp3, and
mixed_fr_en.ogg: a French passage, then an English one, in one video).

Quotes are made from what the model heard (the saved transcript), so the tests do not depend
on its exact words; the statement's script is the "quote as remembered" of the page tests.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from conftest import FIXTURES, indexer_sharing_models

from indexer.pipeline import Indexer
from indexer.records import Segment
from indexer.store import load_transcript

STATEMENT = ("Mesdames et messieurs, je vous remercie d'être venus si nombreux ce matin. "
             "Le gouvernement a décidé de construire trois nouveaux hôpitaux dans la région du "
             "nord. Les travaux commenceront au printemps et dureront environ quatre ans. Nous "
             "investirons aussi dans la formation des infirmières et des médecins de campagne. "
             "Cette décision répond aux demandes répétées des maires et des habitants. Je "
             "répondrai maintenant à vos questions.")


@dataclass(frozen=True)
class QuoteArchive:
    data_dir: Path
    statement: str  # video ids
    otan: str
    mixed: str
    passages: list[Segment]  # the statement's passages as read (Transcript.reading())


_built: dict[int, QuoteArchive] = {}


def quote_archive(session_indexer: Indexer, root: Path) -> QuoteArchive:
    """The archive, built on first call (the session's loaded model and spaCy are reused)."""
    key = id(session_indexer)
    if key not in _built:
        _built[key] = _build(session_indexer, root)
    return _built[key]


def _build(session_indexer: Indexer, root: Path) -> QuoteArchive:
    indexer = indexer_sharing_models(session_indexer, root)
    data = indexer.settings.data_dir
    media = root / "media"
    media.mkdir()
    statement = media / "statement.wav"
    subprocess.run(["espeak-ng", "-v", "fr+m3", "-s", "130", "-g", "4", "-w", str(statement),
                    STATEMENT], check=True)
    ids = {}
    for path in (statement, FIXTURES / "fr_otan.flac", FIXTURES / "en_nato.mp3",
                 FIXTURES / "mixed_fr_en.ogg"):
        copy = media / path.name
        if path != copy:
            shutil.copyfile(path, copy)
        outcome = indexer.index_file(copy)
        assert outcome.status == "indexed", outcome.reason
        ids[path.name] = outcome.video_id
    passages = load_transcript(indexer.settings.transcripts_dir, ids["statement.wav"]).reading()
    assert len(passages) >= 4, [p.text for p in passages]  # the tests need boundaries
    return QuoteArchive(data, ids["statement.wav"], ids["fr_otan.flac"], ids["mixed_fr_en.ogg"],
                        passages)


def words(segment: Segment) -> list[str]:
    return segment.text.split()


def straddling(passages: list[Segment]) -> tuple[int, str]:
    """A passage i and a quote of its last words and the next passage's first words (four
    or more from each side where the passages are that long)."""
    for i in range(len(passages) - 1):
        left, right = words(passages[i]), words(passages[i + 1])
        if len(left) >= 3 and len(right) >= 3:
            return i, " ".join(left[-4:] + right[:4])
    raise AssertionError("no two neighbouring passages of three words or more")
