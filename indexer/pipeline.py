"""Index media files: decode -> transcribe -> language -> entities -> store -> index.

A file that fails is reported with a one-line reason and the batch goes on. The transcript is
saved before the index is touched, and a file whose transcript exists but is not yet in the
index (a crash, a Ctrl-C) is finished from the transcript without transcribing it again.

An official text (`--official-text`, or a sidecar: talk.mp4 -> talk.txt/.html/.srt/.vtt/.pdf)
is read before anything else, so an unreadable one fails the file with nothing done; it is
aligned right after transcription. A text the recording does not match (another speech or
language) leaves the file indexed with its machine transcript alone, and the reason said. An
already indexed file gets a text it does not have yet without being transcribed again.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timezone
from functools import cached_property
from pathlib import Path

from . import reindex_journal
from .chunking import ChunkingOptions
from .config import Settings
from .corrections.retranscribe import carry_corrections
from .decode import MediaError, load_audio, probe
from .engines import Engine, EngineOptions, load_engine
from .entities import EntityTagger
from .errors import UsageError
from .gazetteer import Gazetteer
from .index_writer import IndexWriter
from .language import video_languages
from .official import OfficialText, OfficialTextError, read_official_text
from .official.align import AlignmentError
from .official.attach import official_layer, text_digest
from .records import MediaInfo, Metadata, Transcript
from .search_index import is_indexed
from .speakers.diarize import diarize_transcript, label_official
from .speakers.embedding import voice_encoder
from .speakers.profiles import load_profiles
from .store import has_transcript, load_transcript, save_transcript
from .timing import StageClock
from .transcribe import EncodedWindow, NoSpeechError, transcribe_audio

logger = logging.getLogger(__name__)

# Called with the media facts once known; returns a progress callback (seconds done).
ProgressFactory = Callable[[MediaInfo], Callable[[float], None]]


class MetadataError(UsageError, ValueError):
    """A sidecar JSON or a metadata option is malformed."""


@dataclass
class IndexOptions:
    engine: str = "faster-whisper"
    model: str = "base"
    language: str | None = None  # None: detect per chunk among the archive's languages
    metadata: Metadata = field(default_factory=Metadata)  # CLI values win over the sidecar
    force: bool = False
    prompt: bool = True  # bias Whisper toward the gazetteer's names
    engine_options: EngineOptions = field(default_factory=EngineOptions)
    chunking: ChunkingOptions = field(default_factory=ChunkingOptions)
    official_text: Path | None = None  # for the one file indexed; else each file's sidecar
    diarize: bool = True  # tell the voices apart (indexer/speakers/)
    speakers: int | None = None  # how many voices; None: estimated
    # With force: drop the archivists' corrections instead of keeping them (a revision too)
    discard_corrections: bool = False


# Sidecar official texts, looked up in this order beside the media (talk.mp4 -> talk.txt).
OFFICIAL_SIDECARS = (".txt", ".html", ".htm", ".srt", ".vtt", ".pdf")


def official_sidecar(media: Path) -> Path | None:
    for suffix in OFFICIAL_SIDECARS:
        candidate = media.with_suffix(suffix)
        if candidate.is_file() and candidate != media:
            return candidate
    return None


@dataclass
class FileOutcome:
    path: Path
    status: str  # "indexed", "transcribed" (not indexed yet), "skipped" or "failed"
    reason: str = ""
    video_id: str = ""
    duration: float = 0.0  # seconds of audio
    transcribed: bool = False  # False when finished from a saved transcript
    seconds: float = 0.0  # wall time of decoding, transcribing and indexing
    stages: dict[str, float] = field(default_factory=dict)  # seconds per stage (timing.STAGES)
    # The official text refused by the aligner, named for the site to say in the reader's
    # language: {"kind", "name" (the text's), **details} of the AlignmentError; else None.
    refusal: dict | None = None


def validate_date(value: str) -> str:
    if value:
        try:
            date.fromisoformat(value)
        except ValueError:
            raise MetadataError(f"date {value!r} is not a date like 2009-12-04") from None
    return value


def read_sidecar(media: Path) -> Metadata:
    """Metadata from `<name>.json` beside the media file, if there is one."""
    sidecar = media.with_suffix(".json")
    if not sidecar.is_file():
        return Metadata()
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MetadataError(f"sidecar {sidecar.name} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise MetadataError(f"sidecar {sidecar.name} must be a JSON object")
    known = {f.name for f in fields(Metadata)}
    values = {key: str(value) for key, value in data.items() if key in known and value}
    metadata = Metadata(**values)
    validate_date(metadata.date)
    return metadata


def merge_metadata(media: Path, overrides: Metadata) -> Metadata:
    merged = read_sidecar(media)
    for item in fields(Metadata):
        value = getattr(overrides, item.name)
        if value:
            setattr(merged, item.name, value)
    if not merged.title:
        merged.title = media.stem.replace("_", " ").replace("-", " ").strip()
    validate_date(merged.date)
    return merged


class Indexer:
    """Indexes files one by one; the engine and spaCy load once, on first need."""

    def __init__(self, settings: Settings, options: IndexOptions | None = None):
        self.settings = settings
        self.options = options or IndexOptions()

    @cached_property
    def gazetteer(self) -> Gazetteer:
        return Gazetteer.load(self.settings.gazetteer_path)

    @cached_property
    def engine(self) -> Engine:
        return load_engine(self.options.engine, self.options.model, self.settings.models_dir,
                           self.options.engine_options)

    @cached_property
    def tagger(self) -> EntityTagger:
        # All of the archive's languages at once, so no file's time includes a model load.
        return EntityTagger(self.gazetteer).preload(self.settings.languages)

    def index_file(self, path: Path, progress: ProgressFactory | None = None) -> FileOutcome:
        """Transcribe a file and add it to the index, in the foreground."""
        outcome, transcript = self._guarded(path, progress, self.options.metadata,
                                            self.options.force)
        if outcome.status == "transcribed":
            started = time.monotonic()
            self._add(transcript or load_transcript(self.settings.transcripts_dir,
                                                    outcome.video_id))
            if outcome.transcribed:  # a file finished from its saved transcript has no timing
                outcome.stages["index"] = time.monotonic() - started
                outcome.seconds += outcome.stages["index"]
            outcome.status = "indexed"
        return outcome

    def transcribe_file(self, path: Path, progress: ProgressFactory | None = None,
                        metadata: Metadata | None = None, force: bool | None = None,
                        official_text: Path | None = None) -> FileOutcome:
        """Transcribe a file and save its transcript, without touching the index.

        Status "transcribed" (the transcript is saved and waits for the index), "skipped"
        (already indexed) or "failed" with the reason. `metadata` and `force` override the
        options' for this file (a job's own title, speaker...), `official_text` its text.
        Indexing jobs use this directly: their index writes are batched by one writer at a
        time (indexer/jobs/).
        """
        return self._guarded(path, progress, metadata or self.options.metadata,
                             self.options.force if force is None else force, official_text)[0]

    def _guarded(self, path: Path, progress: ProgressFactory | None, overrides: Metadata,
                 force: bool, official_text: Path | None = None
                 ) -> tuple[FileOutcome, Transcript | None]:
        try:
            return self._transcribe_file(Path(path), progress, overrides, force, official_text)
        except (MediaError, MetadataError, NoSpeechError, OfficialTextError) as exc:
            return FileOutcome(Path(path), "failed", str(exc)), None

    def official_text(self, media: Path,
                      given: Path | None = None) -> tuple[OfficialText, str] | None:
        """The file's official text and its name: `given`, the option's, else a sidecar's."""
        path = given or self.options.official_text or official_sidecar(media)
        return (read_official_text(path), path.name) if path else None

    def _transcribe_file(self, path: Path, progress: ProgressFactory | None,
                         overrides: Metadata, force: bool, official_text: Path | None
                         ) -> tuple[FileOutcome, Transcript | None]:
        """The outcome, and the transcript when it was made now (None: it is on disk)."""
        media = probe(path)
        video_id = media.video_id
        transcripts = self.settings.transcripts_dir
        official = self.official_text(path, official_text)
        if not force and has_transcript(transcripts, video_id):
            saved = load_transcript(transcripts, video_id) if official else None
            if saved and (not saved.official or saved.official.sha256 != text_digest(official[0])):
                return self._attach_saved(path, saved, official, progress), None
            if is_indexed(self.settings.index_dir, video_id):
                return FileOutcome(path, "skipped", "already indexed", video_id,
                                   media.duration), None
            # Transcribed by an earlier run that stopped before indexing: finish that job.
            return FileOutcome(path, "transcribed", "from saved transcript", video_id,
                               media.duration), None
        metadata = merge_metadata(path, overrides)
        # Transcribed again: the archivists' corrections are carried over (corrections/).
        old = load_transcript(transcripts, video_id) if has_transcript(transcripts, video_id) \
            else None
        self.engine, self.tagger  # loaded once, before the clock starts: speed is per file
        if self.options.diarize:
            voice_encoder()
        started = time.monotonic()
        clock = StageClock()
        with clock.stage("decode"):
            audio = load_audio(path)
        media = replace(media, duration=round(len(audio) / 16000, 3))
        on_progress = progress(media) if progress else None
        # With a text, the transcription's encoder outputs are kept for its forced alignment.
        encodings: list[EncodedWindow] | None = [] if official else None
        transcript = self.transcribe(media, audio, metadata, on_progress, clock, encodings)
        reason, refusal = "", None
        if official:
            with clock.stage("align"):
                transcript, reason, refusal = self._with_text(transcript, audio, official, None,
                                                              encodings or ())
            del encodings  # up to 180 MB an hour of audio: not kept while the transcript saves
        if self.options.diarize:  # after the official text: its passages get speakers too
            with clock.stage("speakers"):
                # Transcribed again: the voices heard before keep their ids and names, so the
                # corrected passages carried over below still say who speaks them.
                heard = replace(transcript, speakers=old.speakers) if old else transcript
                transcript = diarize_transcript(heard, audio, self.options.speakers,
                                                load_profiles(self.settings.data_dir))
        with clock.stage("store"):
            if old is None:
                save_transcript(transcripts, transcript)
            else:
                carried = carry_corrections(self.settings, old, transcript,
                                            self.options.discard_corrections)
                transcript = carried.transcript
                reason = "; ".join(r for r in (reason, carried.note) if r)
        logger.info("%s: %s", path.name, clock.summary())
        return FileOutcome(path, "transcribed", reason, video_id, media.duration,
                           transcribed=True, seconds=time.monotonic() - started,
                           stages=dict(clock.seconds), refusal=refusal), transcript

    def _with_text(self, transcript: Transcript, audio, official: tuple[OfficialText, str],
                   on_progress: Callable[[float], None] | None,
                   encodings: Sequence[EncodedWindow] = ()
                   ) -> tuple[Transcript, str, dict | None]:
        """The transcript with the official text aligned, or as it is and why not (in English,
        and named: FileOutcome.refusal)."""
        text, name = official
        duration = transcript.duration
        try:
            layer = official_layer(transcript, text, name, audio,
                                   getattr(self.engine, "model", None), self.tagger,
                                   self.settings.languages,
                                   on_progress and (lambda share: on_progress(share * duration)),
                                   encodings)
        except AlignmentError as exc:
            logger.warning("%s: official text %s not attached: %s",
                           transcript.media.path, name, exc)
            return (transcript, f"official text {name} not attached: {exc}",
                    {"kind": exc.kind, "name": name, **exc.details})
        return replace(transcript, official=layer), f"official text {name} attached", None

    def _attach_saved(self, path: Path, saved: Transcript, official: tuple[OfficialText, str],
                      progress: ProgressFactory | None) -> FileOutcome:
        """A transcribed file's new official text, aligned without transcribing again."""
        self.engine, self.tagger
        started = time.monotonic()
        clock = StageClock()
        with clock.stage("decode"):
            audio = load_audio(path)
        with clock.stage("align"):
            transcript, reason, refusal = self._with_text(
                saved, audio, official, progress(saved.media) if progress else None)
        if transcript is saved:  # refused: what is indexed stays as it is
            indexed = is_indexed(self.settings.index_dir, saved.video_id)
            return FileOutcome(path, "skipped" if indexed else "transcribed", reason,
                               saved.video_id, saved.duration, refusal=refusal)
        if transcript.official:  # the text's passages get the speakers the video has
            transcript = replace(transcript,
                                 official=label_official(transcript, transcript.official))
        with clock.stage("store"):
            save_transcript(self.settings.transcripts_dir, transcript)
        return FileOutcome(path, "transcribed", reason, saved.video_id, saved.duration,
                           seconds=time.monotonic() - started, stages=dict(clock.seconds))

    def transcribe(self, media: MediaInfo, audio, metadata: Metadata,
                   on_progress: Callable[[float], None] | None = None,
                   clock: StageClock | None = None,
                   encodings: list[EncodedWindow] | None = None) -> Transcript:
        languages = self.settings.languages
        prompts = ({code: self.gazetteer.prompt(code) or None for code in languages}
                   if self.options.prompt else None)
        clock = clock or StageClock()
        segments = transcribe_audio(self.engine, audio, languages, self.options.language,
                                    prompts, self.options.chunking, on_progress, clock,
                                    encodings)
        if not segments:
            raise NoSpeechError("no words recognised (speech detector heard only noise)")
        with clock.stage("entities"):
            self.tagger.tag(segments)
        language, spoken = video_languages(segments)
        return Transcript(
            video_id=media.video_id, media=media, metadata=metadata,
            engine=self.engine.name, model=self.engine.model_name,
            language=language, languages=spoken, segments=segments,
            created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        )

    def _add(self, transcript: Transcript) -> None:
        IndexWriter(self.settings, self.gazetteer).add([transcript])
        # A re-transcription's revision left a pending note: its index commit is done.
        reindex_journal.clear(self.settings.data_dir, transcript.video_id)
