"""Attach an official text to a transcript: align it, re-time it, list the departures, store.

`official_layer` is the work (text -> OfficialLayer), on a transcript and its audio in memory:
the indexer calls it right after transcribing when a text is given at indexing, and
`attach_to_video` after loading an indexed video's transcript and audio (`speechsearch
official`, the site's jobs). The transcript is saved (atomically) before the index is
updated, under the index writer's turn, from a fresh copy: a metadata edit made while the
aligner ran is kept. Any refusal (unreadable text, another speech, another language) comes
before anything is stored, so nothing already indexed is touched.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from ..decode import MediaError, load_audio
from ..entities import EntityTagger
from ..errors import UsageError
from ..index_writer import IndexWriter
from ..records import OfficialLayer, OfficialWord, Transcript
from ..speakers.diarize import label_official
from ..store import load_transcript
from ..transcribe import EncodedWindow
from .align import Alignment, align
from .cues import with_cue_times
from .delivery import departures
from .forced import force_align
from .passages import reading_passages
from .texts import OfficialText

logger = logging.getLogger(__name__)

Progress = Callable[[float], None]  # share of the work done, 0..1


class NoAlignerError(UsageError):
    """The engine cannot force-align (only faster-whisper's models can)."""


def official_layer(transcript: Transcript, text: OfficialText, source: str, audio: np.ndarray,
                   model, tagger: EntityTagger, languages: tuple[str, ...] | list[str],
                   on_progress: Progress | None = None,
                   encodings: Sequence[EncodedWindow] = ()) -> OfficialLayer:
    """The text aligned to the transcript, re-timed from the audio, with its departures.

    `model` is a faster-whisper WhisperModel; `encodings` the transcription's encoder outputs,
    when it has just made them (forced.py reuses them); raises AlignmentError for a text of
    another speech or language.
    """
    if model is None or not hasattr(model, "find_alignment"):
        raise NoAlignerError("Official texts are aligned with the faster-whisper engine: "
                             "index the video with --engine faster-whisper first.")
    words = text.words()
    alignment = align([word.text for word in words], transcript,
                      [word.paragraph for word in words], languages=languages)
    alignment = with_cue_times(alignment, text)
    if on_progress:
        on_progress(0.2)
    alignment = force_align(alignment, audio, model, encodings=encodings)
    if on_progress:
        on_progress(0.9)
    passages = reading_passages(alignment, transcript)
    tagger.tag(passages)
    return OfficialLayer(
        source=source, format=text.source_format,
        attached=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        language=alignment.language, coverage=round(alignment.coverage, 3),
        paragraphs=[paragraph.text for paragraph in text.paragraphs],
        words=official_words(alignment),
        departures=departures(alignment),
        segments=passages, title=text.title, sha256=text_digest(text))


def official_words(alignment: Alignment) -> list[OfficialWord]:
    return [OfficialWord(word.text, word.start, word.end, word.confidence, word.status,
                         word.paragraph or 0, word.heard) for word in alignment.words]


def text_digest(text: OfficialText) -> str:
    """What the text says, hashed: the same text attached again is recognised."""
    return hashlib.sha256(text.text.encode("utf-8")).hexdigest()


def media_audio(transcript: Transcript) -> np.ndarray:
    path = Path(transcript.media.path)
    if not path.is_file():
        raise MediaError(f"the media file of {transcript.video_id} is no longer at {path}: "
                         "the text is aligned to its audio; index the file again there first")
    return load_audio(path)


def attach_to_video(indexer, video_id: str, text: OfficialText, source: str,
                    on_progress: Progress | None = None) -> Transcript:
    """Align `text` to an indexed video, store the layer and re-index the video.

    `indexer` is a pipeline.Indexer (its engine, tagger, gazetteer and settings are used).
    """
    settings = indexer.settings
    transcript = load_transcript(settings.transcripts_dir, video_id)
    layer = official_layer(transcript, text, source, media_audio(transcript),
                           getattr(indexer.engine, "model", None), indexer.tagger,
                           settings.languages, on_progress)
    return store(indexer, video_id, layer, transcript.created)


def remove_from_video(indexer, video_id: str) -> Transcript:
    """The video back to its machine transcript alone (searched and shown again)."""
    return store(indexer, video_id, None)


class TranscriptChangedError(UsageError):
    """The video was transcribed again while its text was being aligned."""


def store(indexer, video_id: str, layer: OfficialLayer | None,
          aligned_to: str | None = None) -> Transcript:
    """Save the layer (None: remove it) in the transcript, then re-index; `aligned_to` is the
    `created` of the transcript the layer was aligned to."""
    def change(fresh: Transcript) -> Transcript:
        if aligned_to is not None and fresh.created != aligned_to:
            raise TranscriptChangedError(
                f"{video_id} was transcribed again while its official text was being "
                "aligned: attach the text again.")
        # The text's passages get the speakers of the voices heard at their times.
        return replace(fresh, official=label_official(fresh, layer) if layer else None)

    updated = IndexWriter(indexer.settings, indexer.gazetteer).revise(video_id, change)
    logger.info("%s: official text %s", video_id,
                f"{layer.source} attached ({layer.coverage:.0%} heard as written)" if layer
                else "removed")
    return updated
