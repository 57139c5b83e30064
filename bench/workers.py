"""Indexing throughput of Celery workers (1 and 2 per machine) and the single index writer.

    .venv/bin/python -m bench.workers

Each configuration gets a fresh data dir (models linked from --models-dir), a fresh
redis-server on a free loopback port and a SQLite database, and `speechsearch worker`
processes started as users start them. Each pool process first runs one short warm-up job
(it loads Whisper on its first job); then the media are queued at once and the clock runs from
the first job's creation to the last job's end, as the job table records them.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench import index_writer
from bench.corpus_runs import corpus_media
from bench.load import free_port
from bench.report import ROOT, BenchContext, Section
from bench.workers_text import body, plot
from indexer.jobs.runner import threads_per_job
from search_app import create_app

logger = logging.getLogger(__name__)

QUICK_MEDIA = [ROOT / "tests" / "fixtures" / "en_nato.mp3",
               ROOT / "tests" / "fixtures" / "fr_otan.flac"]
COMMIT_LOG = re.compile(r"indexed (\d+) job\(s\) in one commit: ([\d, ]+)")


@dataclass(frozen=True)
class Config:
    label: str
    workers: int  # `speechsearch worker` processes
    concurrency: int  # --concurrency of each

    @property
    def processes(self) -> int:
        return self.workers * self.concurrency

    @property
    def threads(self) -> int:
        """CTranslate2 threads per job, as `speechsearch worker` sizes them (celery_app)."""
        return threads_per_job(self.concurrency)


CONFIGS = [Config("1 worker, --concurrency 1", 1, 1),
           Config("2 workers, --concurrency 1 each", 2, 1),
           Config("1 worker, --concurrency 2", 1, 2)]


@dataclass
class Run:
    config: Config
    files: int
    audio_seconds: float
    wall: float  # first job created -> last job finished
    transcribe_seconds: float  # sum over jobs (wall time of each job's transcription)
    index_waits: list[float]  # per job: transcript saved -> committed (lock wait + commit)
    commits: list[int] = field(default_factory=list)  # jobs per group commit
    warmed: int = 0  # distinct pool processes that ran a warm-up job
    video_ids: list[str] = field(default_factory=list)
    cpu_seconds: float = 0.0  # of the workers' processes over the wall time

    @property
    def audio_per_cpu(self) -> float:
        """Audio seconds per CPU second: what a loaded machine's share of the cores hides."""
        return self.audio_seconds / self.cpu_seconds

    @property
    def speed(self) -> float:
        return self.audio_seconds / self.wall

    @property
    def files_per_minute(self) -> float:
        return 60 * self.files / self.wall


class redis_server:
    """A throwaway redis-server on a free loopback port, without persistence."""

    def __init__(self, folder: Path):
        self.folder, self.port = folder, free_port()

    def __enter__(self) -> str:
        import redis

        self.process = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client, deadline = redis.Redis(port=self.port), time.monotonic() + 20
        while True:
            try:
                client.ping()
                return f"redis://127.0.0.1:{self.port}/0"
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.process.kill()
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.1)

    def __exit__(self, *_) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def warm_up_media(ctx: BenchContext, count: int) -> list[Path]:
    """Short clips of distinct content (jobs are keyed by content): one per pool process."""
    from search_app.clips import ffmpeg_exe

    folder = ctx.scratch("workers") / "warm-up"
    folder.mkdir(exist_ok=True)
    clips = []
    for number in range(count):
        clip = folder / f"warm-{number}.wav"
        if not clip.is_file():
            subprocess.run([ffmpeg_exe(), "-nostdin", "-v", "error", "-y", "-i",
                            str(QUICK_MEDIA[0]), "-t", str(3 + number), "-ar", "16000", "-ac",
                            "1", str(clip)], check=True)
        clips.append(clip)
    return clips


def _finished(app, ids: list[int], timeout: float, workers: list[subprocess.Popen],
              logs: list[Path]) -> list:
    """Wait until every job of `ids` is done; return them (detached). A failure is an error."""
    deadline = time.monotonic() + timeout
    while True:
        jobs = [app.extensions["jobs"].get(job_id) for job_id in ids]
        failed = [j for j in jobs if j.state == "failed"]
        if failed:
            raise RuntimeError(f"job {failed[0].name} failed: {failed[0].error}")
        if all(j.state == "done" for j in jobs):
            return jobs
        dead = [w for w in workers if w.poll() is not None]
        if dead or time.monotonic() > deadline:
            tail = "\n".join(log.read_text(errors="replace")[-1500:] for log in logs)
            raise RuntimeError(f"{'a worker exited' if dead else 'timed out'} waiting for "
                               f"jobs {ids}:\n{tail}")
        time.sleep(0.5)


def _wait_ready(logs: list[Path], workers: list[subprocess.Popen]) -> None:
    deadline = time.monotonic() + 180
    while not all(" ready." in log.read_text(errors="replace") for log in logs):
        if time.monotonic() > deadline or any(w.poll() is not None for w in workers):
            tail = "\n".join(log.read_text(errors="replace")[-1500:] for log in logs)
            raise RuntimeError(f"Celery workers did not start:\n{tail}")
        time.sleep(0.3)


def measure(config: Config, media: list[Path], ctx: BenchContext) -> tuple[Run, Path]:
    """Run `config` on `media`; returns the run and its data dir (transcripts inside)."""
    root = ctx.scratch("workers") / f"w{config.workers}-c{config.concurrency}"
    shutil.rmtree(root, ignore_errors=True)
    data = root / "data"
    data.mkdir(parents=True)
    (data / "models").symlink_to(ctx.models_dir.resolve(), target_is_directory=True)
    database = f"sqlite:///{root / 'jobs.sqlite'}"
    audio = sum(_duration(p) for p in media)
    with redis_server(root) as broker:
        app = create_app({"DATA_DIR": str(data), "DATABASE_URL": database,
                          "BROKER_URL": broker})  # creates the schema before workers start
        env = {**os.environ, "SPEECHSEARCH_DATABASE_URL": database,
               "SPEECHSEARCH_BROKER_URL": broker}
        logs = [root / f"worker-{n}.log" for n in range(config.workers)]
        workers = []
        try:
            for log in logs:
                with log.open("wb") as out:  # the child keeps its own copy of the descriptor
                    workers.append(subprocess.Popen(
                        [sys.executable, "-m", "indexer", "-v", "--data-dir", str(data),
                         "worker", "--concurrency", str(config.concurrency)], stdout=out,
                        stderr=subprocess.STDOUT, start_new_session=True, env=env))
            _wait_ready(logs, workers)
            warm = [r.job.id for r in
                    app.extensions["jobs"].enqueue(warm_up_media(ctx, config.processes))]
            warm_jobs = _finished(app, warm, 300, workers, logs)
            logger.info("%s: warm; queueing %d files (%.0f s of audio)", config.label,
                        len(media), audio)
            cpu = _group_cpu([w.pid for w in workers])
            results = app.extensions["jobs"].enqueue(media)
            if any(r.status != "queued" for r in results):
                raise RuntimeError(f"not queued: {[(r.path, r.reason) for r in results]}")
            ids = [r.job.id for r in results]
            jobs = _finished(app, ids, 600 + 4 * audio, workers, logs)
            cpu = _group_cpu([w.pid for w in workers]) - cpu
        finally:
            _stop(workers)
    began = min(j.created_at for j in jobs)
    wall = (max(j.finished_at for j in jobs) - began).total_seconds()
    commits = [int(size) for log in logs for size, members in
               COMMIT_LOG.findall(log.read_text(errors="replace"))
               if set(map(int, members.split(","))) & set(ids)]
    run = Run(config, len(jobs), sum(j.duration for j in jobs), wall,
              sum(j.transcribe_seconds for j in jobs),
              [(j.finished_at - j.started_at).total_seconds() - j.transcribe_seconds
               for j in jobs], commits, len({j.worker for j in warm_jobs}),
              [j.video_id for j in jobs], cpu)
    logger.info("%s: %.0f s of audio in %.1f s (%.2fx), %d group commits", config.label,
                run.audio_seconds, wall, run.speed, len(commits))
    return run, data


def _stop(workers: list[subprocess.Popen]) -> None:
    """SIGTERM each worker's group (the Celery parent and its pool): a warm shutdown; SIGKILL
    a group that is still there a minute later."""
    for worker in workers:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            logger.warning("worker %d ignored SIGTERM; killing its group", worker.pid)
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)


def _group_cpu(groups: list[int]) -> float:
    """CPU seconds used so far by the live processes of these process groups (a Celery worker
    and its pool processes: each worker was started in a session, hence a group, of its own)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue  # a process that ended while /proc was read
        if int(fields[2]) in groups:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _duration(path: Path) -> float:
    from indexer.decode import probe

    return probe(path).duration


def commit_cost(run: Run, data: Path, ctx: BenchContext) -> index_writer.CommitCost:
    """The index writer's cost on the transcripts `run` left in `data` (not the warm-ups)."""
    from indexer.config import Settings
    from indexer.gazetteer import Gazetteer
    from indexer.store import load_transcript

    settings = Settings(data_dir=data)
    transcripts = [load_transcript(settings.transcripts_dir, v) for v in run.video_ids]
    return index_writer.measure(transcripts, Gazetteer.load(settings.gazetteer_path),
                                settings.languages, ctx.scratch("workers") / "commit",
                                archive_segments=500 if ctx.quick else 20_000)


TITLE = "Indexing workers: throughput and the single index writer"
COMMAND = "python -m bench --only workers"


def run(ctx: BenchContext) -> Section:
    if not shutil.which("redis-server"):
        reason = ("Not measured: redis-server is not installed, and the Celery workers need it "
                  "(Debian: `apt-get install redis-server`; `.ci/run` installs it).")
        logger.warning(reason)
        return Section(key="workers", title=TITLE, command=COMMAND, body=reason,
                       data={"targets": [], "skipped": reason})
    media = QUICK_MEDIA if ctx.quick else corpus_media(ctx.corpus)
    configs = CONFIGS[:2] if ctx.quick else CONFIGS
    load_before = os.getloadavg()
    runs, kept = [], None
    for config in configs:
        result, data = measure(config, media, ctx)
        runs.append(result)
        kept = kept or (result, data)
    cost = commit_cost(*kept, ctx)  # after the workers are gone: not sharing the cores
    load_after = os.getloadavg()
    return Section(
        key="workers", title=TITLE, command=COMMAND,
        body=body(runs, cost, media, load_before, load_after),
        data={"targets": [], "runs": [{**asdict(r), "speed": r.speed,
                                       "files_per_minute": r.files_per_minute,
                                       "audio_per_cpu": r.audio_per_cpu} for r in runs],
              "commit": cost.as_dict(), "load_before": load_before, "load_after": load_after},
        figures=[plot(runs, cost, ctx)])


def main(argv: list[str] | None = None) -> int:
    from bench.__main__ import main as bench_main

    return bench_main(["--only", "workers", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    raise SystemExit(main())
