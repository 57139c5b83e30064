"""Putting files in the job queue, retrying them, and showing them.

A job is keyed by its file's content hash (`video_id`): a file already queued, running or
indexed is not queued again, even under another name. Jobs reach whoever runs them through
`dispatch`: Celery's broker when one is configured, else this process's embedded pool (or a
`speechsearch worker` polling the database).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import delete, select

from ..decode import MediaError, probe
from ..errors import UsageError
from ..records import MediaInfo, Metadata
from ..search_index import is_indexed
from .database import Database
from .table import ACTIVE_STATES, Job, JobState, utc_now

logger = logging.getLogger(__name__)


class JobError(UsageError):
    """A job request that cannot be honoured. The message is for the command line; the web
    page words it in the UI language from `job_id` and `state` (the job's, None if none)."""

    def __init__(self, message: str, job_id: int, state: str | None = None):
        super().__init__(message)
        self.job_id, self.state = job_id, state


class OfficialJobError(UsageError):
    """An official text that is not queued; nothing was changed. `kind` lets the site word it
    in the UI language: "unknown video", "media gone", "already attached" or "active job"
    (then `job_id` is that job's)."""

    def __init__(self, message: str, kind: str, job_id: int | None = None):
        super().__init__(message)
        self.kind, self.job_id = kind, job_id


@dataclass
class Enqueued:
    path: Path
    status: str  # "queued", "already queued", "already indexed" or "failed"
    reason: str = ""
    job: Job | None = None


class Runner(Protocol):
    def wake(self) -> None: ...


class JobQueue:
    """The job table of one database, for one data dir."""

    def __init__(self, settings, database: Database,
                 clock: Callable[[], datetime] = utc_now):
        self.settings = settings
        self.database = database
        self.clock = clock
        self.runner: Runner | None = None  # this process's embedded pool, if it runs one
        self._celery = None

    def enqueue(self, paths: list[Path], metadata: Metadata | None = None, *,
                user_id: int | None = None, force: bool = False) -> list[Enqueued]:
        """Queue each media file; a file that cannot be read is reported, the others go on."""
        results = []
        for path in paths:
            path = Path(path).resolve()
            try:
                media = probe(path)
            except MediaError as exc:
                results.append(Enqueued(path, "failed", str(exc)))
                continue
            results.append(self._add(path, media, metadata, user_id, force, None))
        for result in results:  # sent once all are committed: no worker sees half a batch
            if result.status == "queued":
                self.dispatch(result.job)
        return results

    def enqueue_probed(self, path: Path, media: MediaInfo, metadata: Metadata | None = None,
                       *, user_id: int | None = None, force: bool = False,
                       name: str | None = None) -> Enqueued:
        """Queue one file already probed (its content hashed): an upload is hashed only once.
        `name`: what the jobs page calls it (an upload's own name, not the name it is kept
        under); default the file's name."""
        result = self._add(Path(path).resolve(), media, metadata, user_id, force, name)
        if result.status == "queued":
            self.dispatch(result.job)
        return result

    def _add(self, path: Path, media: MediaInfo, metadata: Metadata | None,
             user_id: int | None, force: bool, name: str | None) -> Enqueued:
        with self.database.session() as session:
            active = session.execute(select(Job).where(
                Job.video_id == media.video_id, Job.state.in_(ACTIVE_STATES))).scalars().first()
            if active:
                return Enqueued(path, "already queued", f"job {active.id}", active)
            if not force and is_indexed(self.settings.index_dir, media.video_id):
                return Enqueued(path, "already indexed", f"id {media.video_id}")
            job = Job(video_id=media.video_id, path=str(path), name=(name or path.name)[:300],
                      state=JobState.QUEUED,
                      meta={k: v for k, v in asdict(metadata or Metadata()).items() if v},
                      force=force, duration=media.duration, user_id=user_id,
                      created_at=self.clock())
            session.add(job)
            session.commit()
            return Enqueued(path, "queued", "", job)

    def enqueue_official(self, video_id: str, text: Path | bytes, name: str = "", *,
                         user_id: int | None = None, dispatch: bool = True,
                         max_bytes: int | None = None) -> Job:
        """Queue the alignment of an official text to an indexed video: `text` is a file, or
        the bytes of an upload (`name` its file name) or of a paste (`name` ""). The text is
        read and checked first: bad input raises OfficialTextError, an unknown video, a media
        file that is gone, the text already attached or a job already on the video raise
        OfficialJobError, with nothing changed. `dispatch=False` leaves the job to be run by
        the caller (`speechsearch official`); `max_bytes` lowers the size limit of a text
        (indexer.official.MAX_OFFICIAL_TEXT_BYTES)."""
        # The text readers (pypdf, BeautifulSoup) load on first use, not with every command.
        from .official_texts import check_text, keep_copy

        checked = check_text(self.settings.transcripts_dir, video_id, text, name, max_bytes)
        with self.database.session() as session:
            active = session.execute(select(Job).where(
                Job.video_id == video_id, Job.state.in_(ACTIVE_STATES))).scalars().first()
            if active:
                raise OfficialJobError(
                    f"job {active.id} is {active.state} on {video_id}: attach the text once "
                    "it is over (`speechsearch jobs`)", "active job", active.id)
            copy = keep_copy(self.settings.data_dir, video_id, checked)
            given = Path(name.replace("\\", "/")).name if name else \
                (text.name if isinstance(text, Path) else "pasted text")
            job = Job(video_id=video_id, path=checked.transcript.media.path,
                      name=f"official text: {given}"[:300], state=JobState.QUEUED, meta={},
                      force=False, duration=checked.transcript.duration, user_id=user_id,
                      created_at=self.clock(), official_text=str(copy))
            session.add(job)
            session.commit()
        if dispatch:
            self.dispatch(job)
        return job

    def dispatch(self, job: Job) -> None:
        """Hand a queued job to whoever runs jobs; with neither a broker nor a pool here, a
        `speechsearch worker` (or `serve`) polling the database takes it."""
        try:
            if self.settings.broker_url:
                from .celery_app import TASK_NAME, make_celery  # Celery loads only if used

                if self._celery is None:
                    self._celery = make_celery(self.settings)
                self._celery.send_task(TASK_NAME, args=[job.id])
            elif self.runner is not None:
                self.runner.wake()
        except Exception as exc:  # the broker's client raises many kinds; the job must stay
            logger.error("job %s could not be sent to the broker: %s", job.id, exc)
            self.update(job.id, state=JobState.FAILED, finished_at=self.clock(), error=(
                f"could not reach the job broker ({exc}); start it, then retry this job"))

    def update(self, job_id: int, **values) -> None:
        with self.database.session() as session:
            job = session.get(Job, job_id)
            for key, value in values.items():
                setattr(job, key, value)
            session.commit()

    def retry(self, job_id: int) -> Job:
        with self.database.session() as session:
            job = session.get(Job, job_id)
            if job is None:
                raise JobError(f"no job {job_id}; `speechsearch jobs` lists them", job_id)
            if job.state != JobState.FAILED:
                raise JobError(f"job {job_id} is {job.state}; only failed jobs can be retried",
                               job_id, job.state)
            job.state, job.error, job.error_reason, job.done_seconds = (
                JobState.QUEUED, "", None, 0.0)
            job.worker, job.started_at, job.finished_at, job.heartbeat_at = "", None, None, None
            session.commit()
        self.dispatch(job)
        return job

    def get(self, job_id: int) -> Job | None:
        with self.database.session() as session:
            return session.get(Job, job_id)

    def recent(self, limit: int = 200, state: str | None = None) -> list[Job]:
        query = select(Job).order_by(Job.id.desc()).limit(limit)
        if state:
            query = query.where(Job.state == state)
        with self.database.session() as session:
            return list(session.execute(query).scalars())

    def of_video(self, video_id: str) -> list[Job]:
        with self.database.session() as session:
            return list(session.execute(select(Job).where(Job.video_id == video_id)).scalars())

    def delete_of_video(self, video_id: str) -> int:
        """Forget the video's jobs, and the official texts kept for them."""
        with self.database.session() as session:
            count = session.execute(delete(Job).where(Job.video_id == video_id)).rowcount
            session.commit()
        from .official_texts import remove_copies

        remove_copies(self.settings.data_dir, video_id)
        return count

    def view(self, job: Job) -> dict:
        """What the jobs page, the JSON and the CLI show of a job."""
        percent = speed = eta = None
        if job.duration:
            done = job.duration if job.state in (JobState.TRANSCRIBED, JobState.DONE) \
                else job.done_seconds
            percent = round(min(100.0, 100.0 * done / job.duration), 1)
        if job.state == JobState.RUNNING and job.started_at and job.done_seconds > 0:
            elapsed = (self.clock() - job.started_at).total_seconds()
            if elapsed > 0:
                speed = job.done_seconds / elapsed
                eta = max(0.0, (job.duration - job.done_seconds) / speed)
        elif job.transcribe_seconds and job.duration:
            speed = job.duration / job.transcribe_seconds

        def iso(moment: datetime | None) -> str | None:
            return moment.isoformat(timespec="seconds") if moment else None

        return {"id": job.id, "name": job.name, "video_id": job.video_id,
                "state": str(job.state), "percent": percent,
                "done_seconds": round(job.done_seconds, 1), "duration": round(job.duration, 1),
                "speed": round(speed, 2) if speed else None,
                "eta_seconds": round(eta) if eta is not None else None, "error": job.error,
                "error_reason": job.error_reason,
                "attempts": job.attempts, "worker": job.worker,
                "created_at": iso(job.created_at), "started_at": iso(job.started_at),
                "finished_at": iso(job.finished_at)}
