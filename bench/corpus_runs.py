"""Transcribe a list of files under one configuration, in a child process, and keep it all.

The transcription, accuracy and settings sections all look at the same kind of run: every
corpus file through one engine configuration, with wall time per stage, the text, the
languages and the entities. A run happens in a fresh child process (spawned, so no model is
shared with the parent), which gives each configuration its own peak memory figure
(`ru_maxrss` of the child), and children run one at a time so that no two share the cores.
Runs are memoised for the life of the `python -m bench` process: the accuracy section reuses
the transcription section's runs instead of transcribing the same files again.
"""

from __future__ import annotations

import logging
import multiprocessing
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from bench.report import ROOT
from indexer.engines.base import DEFAULT_BATCH_SIZE

logger = logging.getLogger(__name__)

MEDIA_SUFFIXES = {".wav", ".mp3", ".flac", ".m4a", ".ogg", ".mp4", ".mkv", ".webm"}
WARM_UP = ROOT / "tests" / "fixtures" / "en_nato.mp3"


@dataclass(frozen=True)
class Config:
    """One way of transcribing. kind: 'pipeline' (speechsearch index), 'bare' or 'batched'
    (faster-whisper's own WhisperModel.transcribe / BatchedInferencePipeline on whole files)."""

    label: str
    kind: str = "pipeline"
    engine: str = "faster-whisper"
    beam_size: int = 5
    compute_type: str = "int8"
    vad: bool = True  # bare/batched only: the pipeline always cuts at VAD pauses
    prompt: bool = True  # pipeline only: the gazetteer prompt
    batch_size: int = DEFAULT_BATCH_SIZE  # pipeline: windows decoded together; batched: its own
    diarize: bool = False  # pipeline only: speakers told apart (off unless a section asks)
    official: bool = False  # pipeline only: each file's reference text aligned as its official
    files_at_once: int = 1  # pipeline only: files indexed at once (`--files-at-once`)
    lanes: int = 0  # pipeline only: models side by side (`--lanes`; 0: one a core, at most 4)


@dataclass
class FileRun:
    name: str
    audio_seconds: float
    wall: float  # decode to index (pipeline) or decode + transcription (bare, batched)
    stages: dict[str, float]
    text: str
    language: str  # the file's main language
    segment_languages: list[tuple[float, str]]  # (segment start, label)
    entities: list[str] = field(default_factory=list)  # entity ids and surface texts


@dataclass
class ConfigRun:
    config: Config
    files: list[FileRun]
    peak_rss_mb: float
    load_seconds: float

    def speed(self, names: set[str] | None = None) -> float:
        chosen = [f for f in self.files if names is None or f.name in names]
        return sum(f.audio_seconds for f in chosen) / sum(f.wall for f in chosen)


_memo: dict[tuple[Config, tuple[str, ...]], ConfigRun] = {}


QUICK_FILES = [ROOT / "tests" / "fixtures" / "fr_otan.flac"]
MIXED = ROOT / "tests" / "fixtures" / "mixed_fr_en.ogg"  # French, a 2 s pause, then English


def corpus_media(corpus: Path, quick: bool = False) -> list[Path]:
    """The real recordings: what speeds and word error rates are measured on."""
    if quick:
        return QUICK_FILES
    return sorted(p for p in corpus.iterdir() if p.suffix.lower() in MEDIA_SUFFIXES)


def evaluation_media(corpus: Path, quick: bool = False) -> list[Path]:
    """The corpus plus the synthesized demo videos and the bilingual fixture, which have the
    archive's names (entity recall) and a language switch (per-segment language)."""
    if quick:
        return QUICK_FILES
    samples = sorted((ROOT / "data" / "samples").glob("*.mp4"))
    return corpus_media(corpus) + samples + [MIXED]


def run(config: Config, files: list[Path], models_dir: Path, scratch: Path) -> ConfigRun:
    """Run `config` over `files` in a spawned child, or return this process' earlier run."""
    key = (config, tuple(str(f) for f in files))
    if key not in _memo:
        logger.info("transcribing %d files with %s", len(files), config.label)
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
            _memo[key] = pool.submit(_child, config, files, models_dir, scratch).result()
    return _memo[key]


def _child(config: Config, files: list[Path], models_dir: Path, scratch: Path) -> ConfigRun:
    started = time.perf_counter()
    if config.kind == "pipeline":
        runner = _PipelineRunner(config, models_dir, scratch)
    else:
        runner = _FasterWhisperRunner(config, models_dir)
    load_seconds = time.perf_counter() - started
    runner.run(WARM_UP)  # first-call costs (allocations, caches) are not per-file speed
    if config.kind == "pipeline" and config.files_at_once > 1:
        results = runner.run_together(files, config.files_at_once)
    else:
        results = [runner.run(path) for path in files]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return ConfigRun(config, results, peak, load_seconds)


class _PipelineRunner:
    """What `speechsearch index --force` does to each file, with its stage clock."""

    def __init__(self, config: Config, models_dir: Path, scratch: Path):
        from indexer.config import Settings
        from indexer.engines import EngineOptions
        from indexer.pipeline import Indexer, IndexOptions

        data_dir = scratch / config.label.replace(" ", "-").replace("/", "-")
        data_dir.mkdir(parents=True, exist_ok=True)
        models_link = data_dir / "models"
        if not models_link.exists():
            models_link.symlink_to(models_dir.resolve(), target_is_directory=True)
        options = IndexOptions(engine=config.engine, force=True, prompt=config.prompt,
                               diarize=config.diarize,
                               engine_options=EngineOptions(beam_size=config.beam_size,
                                                            compute_type=config.compute_type,
                                                            batch_size=config.batch_size,
                                                            lanes=config.lanes))
        self.indexer = Indexer(Settings(data_dir=data_dir), options)
        self.media = data_dir / "media"
        self.official = config.official
        self.indexer.engine, self.indexer.tagger  # load before timing

    def run(self, path: Path) -> FileRun:
        if self.official:  # `--official-text`
            self.indexer.options = replace(self.indexer.options, official_text=_reference(path))
        return self._file_run(self.indexer.index_file(path))

    def run_together(self, paths: list[Path], at_once: int) -> list[FileRun]:
        """`speechsearch index --files-at-once`: the files' own wall times overlap, so each
        gets its share of the run's wall time by its audio (per-file speeds mean nothing)."""
        from indexer.index_many import ManyFiles

        if self.official:  # each file's text as its sidecar (talk.mp3 -> talk.txt), linked
            self.media.mkdir(exist_ok=True)
            paths = [_linked(path, self.media) for path in paths]
        run = ManyFiles(self.indexer, paths, at_once)
        files = [self._file_run(outcome) for outcome in run]
        audio = sum(f.audio_seconds for f in files)
        return [replace(f, wall=run.seconds * f.audio_seconds / audio) for f in files]

    def _file_run(self, outcome) -> FileRun:
        from indexer.store import load_transcript

        path = outcome.path
        if outcome.status != "indexed":
            raise RuntimeError(f"{path.name}: {outcome.reason}")
        transcript = load_transcript(self.indexer.settings.transcripts_dir, outcome.video_id)
        segments = transcript.segments
        return FileRun(
            name=path.name, audio_seconds=outcome.duration, wall=outcome.seconds,
            stages=outcome.stages, text=" ".join(s.text for s in segments),
            language=transcript.language,
            segment_languages=[(s.start, s.language) for s in segments],
            entities=sorted({e.id for s in segments for e in s.entities}
                            | {e.text for s in segments for e in s.entities}),
        )


def _reference(path: Path) -> Path | None:
    """The file's human reference text, else its silver one (Whisper's)."""
    return next((t for t in (path.with_suffix(".ref.txt"), path.with_suffix(".silver.txt"))
                 if t.is_file()), None)


def _linked(path: Path, folder: Path) -> Path:
    """A link to `path` in `folder`, with its reference text as its official sidecar."""
    link = folder / path.name
    link.unlink(missing_ok=True)
    link.symlink_to(path.resolve())
    sidecar, text = link.with_suffix(".txt"), _reference(path)
    sidecar.unlink(missing_ok=True)
    if text is not None:
        sidecar.symlink_to(text.resolve())
    return link


class _FasterWhisperRunner:
    """faster-whisper used the way its README shows, one language per file: the reference."""

    def __init__(self, config: Config, models_dir: Path):
        from faster_whisper import BatchedInferencePipeline, WhisperModel

        from indexer.whisper_models import resolve_model

        self.config = config
        model = WhisperModel(str(resolve_model("base", models_dir).path), device="cpu",
                             compute_type=config.compute_type)
        self.model = BatchedInferencePipeline(model) if config.kind == "batched" else model

    def run(self, path: Path) -> FileRun:
        from indexer.decode import load_audio

        started = time.perf_counter()
        audio = load_audio(path)
        decoded = time.perf_counter()
        options = {"batch_size": self.config.batch_size} if self.config.kind == "batched" else {}
        segments, info = self.model.transcribe(audio, beam_size=self.config.beam_size,
                                               vad_filter=self.config.vad,
                                               word_timestamps=True, **options)
        segments = list(segments)
        done = time.perf_counter()
        return FileRun(
            name=path.name, audio_seconds=len(audio) / 16000, wall=done - started,
            stages={"decode": decoded - started, "transcription": done - decoded},
            text=" ".join(s.text.strip() for s in segments), language=info.language,
            segment_languages=[(s.start, info.language) for s in segments],
        )
