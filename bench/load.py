"""Site under load: `speechsearch serve` on loopback, hammered by wrk with real queries.

    .venv/bin/python -m bench.load

Needs Debian's `wrk`. The server is started the way users start it, in its own process, on a
data dir holding the two demo videos of data/samples, indexed once by the product (cached in
the bench work dir). wrk cycles through a fixed list of real queries (terms, phrases, filters,
a query without hits) on the JSON API and on the search page.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from bench import report
from bench.load_queries import QUOTES, SEARCHES
from bench.load_report import explain, profile_table
from bench.report import ROOT, BenchContext, Section
from bench.request_profile import profile
from indexer.search_index.quoting import check_quote

logger = logging.getLogger(__name__)

SPEECHSEARCH = ROOT / ".venv" / "bin" / "speechsearch"
SAMPLES = ROOT / "data" / "samples"
TARGET_RPS = 100.0  # /api/search at 8 clients, from the issue
ENDPOINTS = {"api": "/api/search", "page": "/search", "quote": "/api/quote"}
LUA = """\
-- Cycle through the paths, one list per wrk thread; print a JSON summary at the end.
local paths = {%(paths)s}
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %%d, "duration_us": %%d, "bytes": %%d, "connect": %%d, ' ..
    '"read": %%d, "write": %%d, "status": %%d, "timeout": %%d, "p50_us": %%d, ' ..
    '"p95_us": %%d, "p99_us": %%d, "max_us": %%d, "mean_us": %%f}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean))
end
"""


@dataclass
class Run:
    endpoint: str
    clients: int
    seconds: float
    requests: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    errors: int  # socket errors + responses of status >= 400 (timeouts included)
    server_cpu: float  # CPU seconds of the server process per wall second (2 = both cores)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def data_dir(ctx: BenchContext) -> Path:
    """A data dir with the demo videos indexed by the product, made once (about a minute)."""
    root = ctx.work_dir / "load" / "data"  # quick runs too: the same index either way
    done = root / "indexed.ok"
    if done.is_file():
        return root
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    (root / "models").symlink_to(ctx.models_dir.resolve(), target_is_directory=True)
    logger.info("indexing %s into %s", SAMPLES, root)
    subprocess.run([str(SPEECHSEARCH), "--data-dir", str(root), "index", str(SAMPLES)],
                   check=True, stdout=subprocess.DEVNULL)
    done.write_text("ok\n")
    return root


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@contextmanager
def server(data: Path):
    """`speechsearch serve` on a free loopback port; yields (base URL, pid)."""
    port = free_port()
    log = (data.parent / "serve.log").open("w")
    process = subprocess.Popen(
        [str(SPEECHSEARCH), "--data-dir", str(data), "serve", "--host", "127.0.0.1",
         "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                fetch(base + "/api/videos")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"server did not start, see {log.name}") from None
                time.sleep(0.2)
        yield base, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def paths(endpoint: str) -> list[str]:
    queries = [q.params for q in QUOTES] if endpoint == "quote" else SEARCHES
    return [ENDPOINTS[endpoint] + "?" + urllib.parse.urlencode(q) for q in queries]


def get_json(base: str, path: str) -> dict:
    status, body = fetch(base + path)
    if status != 200:  # a 429 of a rate limit too: it would make the run measure refusals
        raise AssertionError(f"{path}: HTTP {status}")
    return json.loads(body)


def check_paths(base: str) -> dict[str, int]:
    """Every path answers 200 before the load (wrk counts only status >= 400 as errors), the
    search API finds something for all but its last query, and each quote is found where it
    was said (the best place covers its second, in the video of its language) or, said
    nowhere, finds nothing; returns hits per API path."""
    hits = {}
    for path in paths("page"):
        status, _ = fetch(base + path)
        if status != 200:
            raise AssertionError(f"{path}: HTTP {status}")
    for path in paths("api"):
        hits[path] = get_json(base, path)["total"]
    empty = [p for p in list(hits)[:-1] if not hits[p]]
    if empty:
        raise AssertionError(f"no hits for {empty}: is the index built?")
    languages = {v["video_id"]: v["language"] for v in get_json(base, "/api/videos")["videos"]}
    for path, quote in zip(paths("quote"), QUOTES):
        found = get_json(base, path)["hits"]
        hits[path] = len(found)
        best = found[0] if found else None
        if not quote.language:
            right = best is None
        else:
            right = (best is not None and languages[best["video_id"]] == quote.language
                     and best["start"] <= quote.at <= best["end"])
        if not right:
            raise AssertionError(f"{path}: found {best}, not the {quote.language or 'nothing'} "
                                 f"at {quote.at} s")
    return hits


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(base: str, pid: int, endpoint: str, clients: int, seconds: int, script: Path) -> Run:
    lua = ", ".join(json.dumps(p) for p in paths(endpoint))
    script.write_text(LUA % {"paths": lua})
    threads = min(2, clients)  # wrk needs a core too: at most two threads on two cores
    cpu = cpu_seconds(pid)
    began = time.perf_counter()
    result = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{seconds}s", "--timeout", "5s",
         "-s", str(script), base + "/"], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - began
    cpu = (cpu_seconds(pid) - cpu) / wall
    line = next(x for x in result.stdout.splitlines() if x.startswith("WRK_JSON "))
    raw = json.loads(line.split(" ", 1)[1])
    errors = sum(raw[k] for k in ("connect", "read", "write", "status", "timeout"))
    duration = raw["duration_us"] / 1e6
    run = Run(endpoint, clients, duration, raw["requests"], raw["requests"] / duration,
              raw["p50_us"] / 1e3, raw["p95_us"] / 1e3, raw["p99_us"] / 1e3,
              raw["max_us"] / 1e3, errors, cpu)
    logger.info("%s x%d: %.0f req/s, p95 %.1f ms, %d errors, server %.2f cores", endpoint,
                clients, run.rps, run.p95_ms, errors, cpu)
    return run


def plot(runs: list[Run], ctx: BenchContext) -> str:
    plt = report.pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3.2))
    for endpoint in ENDPOINTS:
        mine = [r for r in runs if r.endpoint == endpoint]
        x = [r.clients for r in mine]
        left.plot(x, [r.rps for r in mine], marker="o", label=ENDPOINTS[endpoint])
        right.plot(x, [r.p95_ms for r in mine], marker="o", label=ENDPOINTS[endpoint])
    left.axhline(TARGET_RPS, color="red", linewidth=0.8)
    for ax, label in ((left, "requests/s (red: target)"), (right, "p95 latency, ms")):
        ax.set_xscale("log", base=2)
        ax.set_xticks(x, [str(n) for n in x])
        ax.minorticks_off()
        ax.set_xlabel("concurrent clients")
        ax.set_ylabel(label)
        ax.legend(fontsize=8)
    return report.save_figure(fig, ctx, "load.png")


def run(ctx: BenchContext) -> Section:
    if not shutil.which("wrk"):
        raise RuntimeError("wrk is missing: apt-get install wrk")
    clients = [1, 2] if ctx.quick else [1, 8, 32]
    seconds = 2 if ctx.quick else 30
    data = data_dir(ctx)
    load = os.getloadavg()[0]
    script = ctx.scratch("load") / "queries.lua"
    runs = []
    with server(data) as (base, pid):
        hits = check_paths(base)
        for endpoint in ENDPOINTS:  # warm-up: imports, templates, searcher caches
            wrk(base, pid, endpoint, 1, 1 if ctx.quick else 3, script)
        for endpoint in ENDPOINTS:
            for n in clients:
                runs.append(wrk(base, pid, endpoint, n, seconds, script))
        check_paths(base)  # still answering, and answering right
        load_end = os.getloadavg()[0]
    # After the server is gone, so that the two do not share the cores.
    profiles = [profile(data, paths(endpoint), 3 if ctx.quick else 20) for endpoint in ENDPOINTS]

    rows = [[ENDPOINTS[r.endpoint], r.clients, f"{r.rps:.0f}", f"{r.p50_ms:.1f}",
             f"{r.p95_ms:.1f}", f"{r.p99_ms:.1f}", r.errors, f"{r.server_cpu:.2f}"]
            for r in runs]
    at = 8 if not ctx.quick else clients[-1]
    api = next(r for r in runs if r.endpoint == "api" and r.clients == at)
    targets = [
        report.target(f"Site: /api/search requests/s at {at} clients", api.rps, TARGET_RPS,
                      higher_is_better=True, unit=" req/s", digits=0),
        report.target("Site: errors under load (all runs)", sum(r.errors for r in runs), 0,
                      higher_is_better=False, digits=0),
    ]
    body = "\n\n".join([
        f"`speechsearch serve` (waitress, 8 threads: the default) on 127.0.0.1, index of the two "
        f"demo videos, driven by `wrk` ({min(2, max(clients))} threads, one connection per "
        f"client, keep-alive) for {seconds} s per row after a short warm-up. For the search "
        f"paths wrk cycles through {len(SEARCHES)} queries (terms, a phrase, language, year "
        "and speaker filters, 50 per page, a query without hits); for /api/quote through "
        f"{len(QUOTES)} quotes as a listener would misremember them (words dropped, swapped "
        f"or replaced, numbers spelled out), {quote_words()} words long, "
        f"{sum(q.crosses for q in QUOTES)} of them said across two passages, both languages, "
        "one never said (`bench/load_queries.py`). Errors are socket errors, timeouts (5 s) "
        "and responses with status >= 400, so a rate limit's 429 would be one (only the "
        "account forms' POSTs are rate limited, `search_app/auth.py`); every path was checked "
        "to answer 200 before and after the load, and each quote to be found where it was "
        "said (nothing for the one never said). *Server CPU* is the server process's CPU "
        "seconds per wall second (2.0 = both cores). wrk runs on the same two cores as the "
        "server, and takes some of them: these are lower bounds of what the server does "
        f"alone. Load average (1 min) on 2 cores when the section started: {load:.2f} (above "
        f"~0.5, other work was sharing the machine too); when the last run ended: "
        f"{load_end:.2f} (wrk and the server alone make about 2 of it).",
        report.table(["path", "clients", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors",
                      "server CPU"], rows, right={1, 2, 3, 4, 5, 6, 7}),
        explain(profiles, api.rps >= TARGET_RPS, at),
        profile_table(profiles),
    ])
    return Section(
        key="load", title="Site under load", command="python -m bench --only load", body=body,
        data={"targets": targets, "runs": [asdict(r) for r in runs], "hits": hits,
              "seconds": seconds, "load_average": load,
              "load_average_end": load_end, "profiles": [asdict(p) for p in profiles]},
        figures=[plot(runs, ctx)])


def quote_words() -> str:
    counts = [len(check_quote(q.params["q"])) for q in QUOTES]  # words as the finder counts
    return f"{min(counts)} to {max(counts)}"


def main(argv: list[str] | None = None) -> int:
    from bench.__main__ import main as bench_main

    return bench_main(["--only", "load", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    raise SystemExit(main())
