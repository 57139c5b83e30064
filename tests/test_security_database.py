"""One database, several processes at once: `speechsearch serve` (its embedded job worker
inside) and CLI commands beside it. No process may fork the database: every row any of them
wrote is on disk afterwards. On SQLite (where a dropped POSIX lock lets a closing process
delete the live -wal and -shm) and on PostgreSQL."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sqlalchemy as sa
from conftest import FIXTURES, serving
from jobs_support import wait_for

from indexer.jobs import Job
from indexer.jobs import database_url as resolved_url
from search_app.models import User

PASSWORD = "Quote-Check-2009!"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Visitor:
    """One browser on the live site: its own cookies (session, CSRF token)."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=60) as response:
            return response.read().decode()

    def submit(self, path: str, fields: dict[str, str]) -> str:
        """Fill in the form of the page at path, as a browser would; returns where it led."""
        token = CSRF.search(self.get(path)).group(1)
        body = urllib.parse.urlencode({**fields, "csrf_token": token}).encode()
        with self.opener.open(self.base + path, data=body, timeout=60) as response:
            return urllib.parse.urlsplit(response.url).path


def sign_up(base: str, address: str) -> None:
    landed = Visitor(base).submit("/register?ui=en", {"email": address, "password": PASSWORD,
                                                      "confirm": PASSWORD})
    assert landed == "/verify", f"the sign-up of {address} ended on {landed}"


def sign_up_all(base: str, addresses: list[str]) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda address: sign_up(base, address), addresses))


def cli(data_dir: Path, env: dict[str, str], *args: str, stdin: str = "") -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "indexer", "--data-dir", str(data_dir), *args],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, **env})
    process.stdin.write(stdin)
    process.stdin.close()
    return process


def finished(process: subprocess.Popen) -> str:
    output = process.stdout.read()
    assert process.wait(timeout=120) == 0, f"{' '.join(process.args[3:])} failed:\n{output}"
    return output


def deleted_files_held_open(prefix: str) -> list[str]:
    """The files whose path starts with prefix that some process still has open although
    they were deleted (a SQLite -wal or -shm removed under a live connection)."""
    held = []
    for fd in Path("/proc").glob("[0-9]*/fd/*"):
        try:
            target = os.readlink(fd)
        except OSError:  # the process or the descriptor is gone since the listing
            continue
        if target.startswith(prefix) and target.endswith(" (deleted)"):
            held.append(f"{fd}: {target}")
    return held


def rows_on_disk(url: str) -> tuple[set[str], dict[str, str]]:
    """The accounts and the jobs' states, read by a new connection of this process."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            users = set(connection.scalars(sa.select(User.__table__.c.email)))
            jobs = dict(connection.execute(sa.select(Job.__table__.c.name,
                                                     Job.__table__.c.state)).all())
        return users, jobs
    finally:
        engine.dispose()


def test_serve_its_worker_and_cli_commands_at_once_keep_every_row(data_dir, database_url):
    url = resolved_url(database_url, data_dir)
    env = {"SPEECHSEARCH_DATABASE_URL": database_url, "SPEECHSEARCH_JOB_WORKERS": "1",
           "SPEECHSEARCH_LIMIT_SEND": "1000 per minute",
           "SPEECHSEARCH_LIMIT_LOGIN": "1000 per minute"}
    sqlite_file = sa.engine.make_url(url).database if url.startswith("sqlite") else None
    deleted: list[str] = []  # the -wal and -shm deleted under the live site (SQLite)
    during = [f"during-{n}@example.org" for n in range(8)]
    after = [f"after-{n}@example.org" for n in range(4)]
    with serving(data_dir, env) as base:
        commands = [cli(data_dir, env, "users", "add", "desk@example.org", "--role",
                        "archivist", "--password-stdin", stdin=PASSWORD + "\n"),
                    cli(data_dir, env, "users", "add", "reader@example.org", "--password-stdin",
                        stdin=PASSWORD + "\n"),
                    cli(data_dir, env, "index", str(FIXTURES / "en_nato.mp3"), "--queue"),
                    cli(data_dir, env, "jobs"),
                    cli(data_dir, env, "db", "current")]
        sign_up_all(base, during)  # the site writes while the commands run
        for command in commands:
            finished(command)
        sign_up_all(base, after)  # and after they have ended

        if sqlite_file:
            deleted += deleted_files_held_open(sqlite_file)

        archivist = Visitor(base)
        assert archivist.submit("/login?ui=en", {"email": "desk@example.org",
                                                 "password": PASSWORD}) != "/login"
        # The embedded worker runs the queued job: the site's own writes to the jobs table.
        served = wait_for(lambda: (jobs := json.loads(archivist.get("/jobs.json"))["jobs"])
                          and all(job["state"] in ("done", "failed") for job in jobs) and jobs,
                          180, "the embedded worker to run the queued job")
        if sqlite_file:
            deleted += deleted_files_held_open(sqlite_file)

    users, jobs = rows_on_disk(url)
    assert users == {"desk@example.org", "reader@example.org", *during, *after}
    assert jobs == {job["name"]: job["state"] for job in served} == {"en_nato.mp3": "done"}
    assert deleted == []
