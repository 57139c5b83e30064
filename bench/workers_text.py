"""The workers section's page text: what was measured, the tables, and the paper model."""

from __future__ import annotations

import math
import os
import statistics
from pathlib import Path
from typing import TYPE_CHECKING

from bench.report import ROOT, BenchContext, pyplot, save_figure, table

if TYPE_CHECKING:
    from bench.index_writer import CommitCost
    from bench.workers import Run


def _where(media: list[Path]) -> str:
    folder = media[0].parent
    try:
        return f"`{folder.relative_to(ROOT)}`"
    except ValueError:
        return f"the corpus (`{folder}`, read in place)"


def body(runs: list[Run], cost: CommitCost, media: list[Path], load_before: tuple,
         load_after: tuple) -> str:
    first = runs[0]
    rows = [[r.config.label, r.config.processes, r.config.threads, f"{r.wall:.1f}",
             f"{r.speed:.2f}x", f"{r.files_per_minute:.1f}", f"{r.speed / first.speed:.2f}",
             f"{r.cpu_seconds / r.wall:.2f}", f"{r.audio_per_cpu:.2f}",
             f"{r.transcribe_seconds / r.wall:.2f}",
             f"{len(r.commits)} ({', '.join(map(str, r.commits))})",
             f"{statistics.median(r.index_waits):.2f} / {max(r.index_waits):.2f}"]
            for r in runs]
    machine = low, high = per_machine(runs)
    single, limit = cost.capacity_single, cost.capacity_limit
    fastest = max(runs, key=lambda r: r.speed)
    writer_busy = fastest.files * statistics.mean(cost.single_seconds) / fastest.wall
    return "\n\n".join([
        f"What is measured: {first.files} recordings ({first.audio_seconds:.0f} s of speech) "
        f"from {_where(media)}, indexed as jobs by `speechsearch worker` Celery workers, in "
        f"{len(runs)} set-ups on this one 2-core machine. Each set-up starts from nothing: a "
        "fresh data dir (the Whisper model linked in), a fresh `redis-server` on a free "
        "loopback port as broker, a fresh SQLite database for the jobs. The workers start, "
        "each pool process runs one 3-7 s warm-up job (Whisper loads on a process's first "
        "job), then all files are queued at once (`JobQueue.enqueue`). Wall time runs "
        "from the first job's `created_at` to the last job's `finished_at` in the job table, "
        "so it includes queueing, the broker, transcription, and the index writer. *Threads* "
        "is the CTranslate2 threads of each job: by default `speechsearch worker` gives each "
        "pool process the cores it may run on (CPU affinity) // `--concurrency`, whatever "
        "else runs on the machine; `--threads` sets it by hand. *Cores used* is "
        "the CPU seconds of the workers' processes (from /proc) per wall second over the same "
        "span; *audio s per CPU s* is the work done per CPU second, which the machine's load "
        "does not change much. *Busy* is the sum of the jobs' transcription times over the "
        "wall time (jobs running at once, on average). *Index wait* is, per job, the time "
        "from its transcript saved to its commit (waiting for the writer lock, plus the "
        f"commit). Load average (1, 5, 15 min): {_load(load_before)} at the start, "
        f"{_load(load_after)} at the end, on 2 cores: other work shared the machine.",
        table(["set-up", "jobs at once", "threads", "wall s", "speed", "files/min",
               "vs first row", "cores used", "audio s per CPU s", "busy",
               "group commits (jobs each)", "index wait s (median / max)"], rows,
              right=set(range(1, 12))),
        _reading(runs),
        "The index writer. Every transcript reaches the Whoosh index through "
        "`commit_pending` (indexer/jobs/runner.py): one process at a time, under a lock "
        "file in the data dir, commits *every* transcribed job in one `add_many` call. Its "
        "cost was measured in-process after the runs, on the transcripts of the first row, "
        "committed again and again (re-indexing replaces a video's documents) into an index "
        "that already holds a synthetic archive, since a commit merges Whoosh segments; "
        "medians of 3 rounds. Capacities are seconds of audio the writer indexes per second "
        "of wall time, i.e. audio hours per hour.",
        table(["index writer", "measured"], _commit_rows(cost), right={1}),
        f"In the runs above every commit held one job: a commit takes about "
        f"{statistics.mean(cost.single_seconds) * 1000:.0f} ms and a job tens of seconds, so "
        f"the writer was busy about {writer_busy:.1%} of the fastest row's wall time.",
        f"On paper, N machines index about **min(N x S, writer capacity)** audio hours per "
        f"hour, with S the rate of one machine: here between **{low:.1f}x** (the fastest "
        f"row, on this shared machine) and **{high:.1f}x** (the most efficient row's audio "
        "per CPU second times the 2 cores, an upper bound; compare the transcription "
        "section's pipeline speed, measured on the idle machine). Workers share "
        "nothing but the "
        "queue, the database and the data dir, so transcription scales with N; the single "
        "index writer does not. With one commit per job it saturates at "
        f"**{single:,.0f} audio hours per hour**, i.e. at {_machines(single, machine)}. "
        "Group commit amortises the fixed cost of a commit: when the writer is busy, the "
        "jobs that finish during a commit wait on the lock and the next holder commits them "
        "all at once, so batches grow with the load and the capacity rises toward "
        f"**{limit:,.0f}x** (per-segment cost only: segments per second of audio times "
        f"seconds per segment), i.e. {_machines(limit, machine)}. Denser speech (more "
        "segments per second) costs the writer more.",
        f"The bottleneck, and what comes before it. The single writer is the limit of this "
        f"design, from {single / high:,.0f} machines (fast machines, one job per commit) to "
        f"{limit / low:,.0f} (slow ones, large batches). It indexes "
        f"{1 / cost.per_segment_seconds:,.0f} segments/s in one process here; Whoosh's "
        "commits merge segments, so they grow slowly with the index (the search section "
        "builds 1M segments, about 2,000 hours, in bulk): an archive of thousands of hours "
        "should re-measure with a bigger synthetic archive. Before the writer, in practice: "
        "the database (each running job writes its heartbeat and a progress row about once "
        "a second: SQLite is for one machine, several machines need PostgreSQL), the shared "
        "filesystem (media read once per job, the index written by whichever machine holds "
        "the lock, flock over NFSv4), and the site's searcher, which reopens the index after "
        "each commit. Redis carries only job ids.",
    ])


def per_machine(runs: list[Run]) -> tuple[float, float]:
    """One machine's rate, bracketed: the fastest row as measured on this shared machine, and
    the most efficient row's audio per CPU second times all the cores (an upper bound: the
    threads of a job do not keep every core busy)."""
    cores = os.cpu_count() or 1
    measured = max(r.speed for r in runs)
    return measured, max(measured, max(r.audio_per_cpu for r in runs) * cores)


def _commit_rows(cost: CommitCost) -> list[list[str]]:
    return [
        ["index before the commits", f"{cost.archive_segments:,} synthetic segments "
                                     f"({cost.archive_hours:.0f} h of speech)"],
        ["real transcripts committed", f"{cost.jobs} ({cost.segments} segments, "
                                       f"{cost.audio_seconds:.0f} s of audio)"],
        ["segments per second of audio", f"{cost.segments_per_audio_second:.3f}"],
        ["one commit per job: mean seconds", f"{statistics.mean(cost.single_seconds):.3f}"],
        ["fit of those: fixed + per segment", f"{cost.fixed_seconds * 1000:.0f} ms + "
                                              f"{cost.per_segment_seconds * 1000:.2f} ms/segment"],
        [f"all {cost.jobs} in one commit: seconds", f"{cost.group_seconds:.3f}"],
        ["writer capacity, one commit per job", f"{cost.capacity_single:,.0f}x"],
        [f"writer capacity, {cost.jobs} jobs per commit", f"{cost.capacity_group:,.0f}x"],
        ["writer capacity, large batches (per-segment cost only)",
         f"{cost.capacity_limit:,.0f}x"],
    ]


def _machines(capacity: float, machine: tuple[float, float]) -> str:
    return f"{capacity / machine[1]:,.0f} to {capacity / machine[0]:,.0f} machines"


def _load(values: tuple) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def _reading(runs: list[Run]) -> str:
    first = runs[0]
    parts = [f"Reading. One worker with one job at a time runs at {first.speed:.2f}x real "
             f"time ({first.files_per_minute:.1f} files a minute) on "
             f"{first.cpu_seconds / first.wall:.2f} cores: CTranslate2 splits each job over "
             f"{first.config.threads} threads. On a shared machine the kernel shares the cores "
             "among threads, so a set-up with more threads takes more of them from the other "
             "work: compare *cores used*, and *audio s per CPU s* for efficiency."]
    for run in runs[1:]:
        parts.append(
            f"{run.config.label} ({run.config.threads} thread(s) per job, "
            f"{run.config.processes * run.config.threads} in all): "
            f"{run.speed / first.speed:.2f} times the first row's speed on "
            f"{run.cpu_seconds / run.wall:.2f} cores, "
            f"{run.audio_per_cpu / first.audio_per_cpu:.2f} times its audio per CPU second.")
    efficiency = [r.audio_per_cpu for r in runs]
    if len(runs) > 1 and max(efficiency) / min(efficiency) < 1.1:
        parts.append(
            "Per CPU second the set-ups are within "
            f"{max(efficiency) / min(efficiency) - 1:.0%} of each other: on an idle machine, "
            "where no set-up can take cores from other work, they would run at about the "
            "same speed; the gains in the *speed* column are mostly the larger share of a "
            "busy machine that more threads or processes take.")
    parts.append(
        "Two workers on one machine each size their threads by the machine's cores, not by "
        "the workers beside them, so by default they oversubscribe the cores (`--threads 1` "
        "on each avoids it); `--concurrency 2` splits "
        "the threads between the jobs, which is the way to run two jobs on one machine. What "
        "two jobs at once can gain is the overlap of one job's single-threaded stages "
        "(decoding, VAD, language detection, spaCy, the index) with the other's Whisper. On "
        "two machines each worker has its own cores, and the rate is twice one machine's.")
    cold = [r for r in runs if r.warmed < r.config.processes]
    if cold:
        parts.append("Not every pool process got a warm-up job in " + ", ".join(
            f"{r.config.label} ({r.warmed} of {r.config.processes})" for r in cold)
            + ": a model load is inside that row's wall time.")
    return " ".join(parts)


def plot(runs: list[Run], cost: CommitCost, ctx: BenchContext) -> str:
    plt = pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4))
    labels = [f"{r.config.workers}w x c{r.config.concurrency}" for r in runs]
    left.bar(labels, [r.speed for r in runs], color="tab:blue")
    for number, r in enumerate(runs):
        left.annotate(f"{r.speed:.2f}x\n{r.files_per_minute:.1f} files/min",
                      (number, r.speed), ha="center", va="bottom", fontsize=8)
    left.set_ylim(0, max(r.speed for r in runs) * 1.35)
    left.set_ylabel("audio s per wall s (this machine)")
    left.set_xlabel("workers (w) x --concurrency (c), 2 cores")
    low, high = per_machine(runs)
    ceiling = max(cost.capacity_limit, cost.capacity_single)
    top = max(3, math.ceil(math.log2(ceiling / low)) + 2)  # a little past saturation
    machines = [2 ** k for k in range(top + 1)]
    right.fill_between(machines, [n * low for n in machines], [n * high for n in machines],
                       color="0.85", label=f"N x S, S = {low:.1f}x to {high:.1f}x")
    for capacity, label, colour in (
            (cost.capacity_single, "writer, one commit per job", "tab:red"),
            (cost.capacity_limit, "writer, group commit, large batches", "tab:green")):
        right.axhline(capacity, color=colour, label=f"{label}: {capacity:,.0f}x")
    right.set_xscale("log", base=2)
    right.set_yscale("log")
    right.set_xlabel("machines like this one (N)")
    right.set_ylabel("audio hours indexed per hour")
    right.legend(fontsize=7)
    return save_figure(fig, ctx, "workers.png")
