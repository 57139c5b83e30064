"""A throwaway PostgreSQL cluster for the tests: Debian's binaries, a temp dir, a free loopback
port, a random password; removed at the end of the session. As root, the server runs as the
`postgres` user (PostgreSQL refuses to run as root)."""

from __future__ import annotations

import itertools
import logging
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)

SERVER_USER = "postgres"  # Debian's package creates it


def find_bindir() -> Path | None:
    """SPEECHSEARCH_TEST_PG_BIN, else the newest /usr/lib/postgresql/*/bin, else PATH."""
    if configured := os.environ.get("SPEECHSEARCH_TEST_PG_BIN"):
        return Path(configured)
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                      key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    if versions:
        return versions[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def unavailable_reason() -> str | None:
    """Why no cluster can be started here, or None."""
    bindir = find_bindir()
    if bindir is None or not (bindir / "initdb").is_file():
        return ("PostgreSQL binaries not found (apt-get install postgresql, or set "
                "SPEECHSEARCH_TEST_PG_BIN)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            return f"running as root and there is no {SERVER_USER!r} user to run PostgreSQL as"
    return None


@dataclass
class Cluster:
    bindir: Path
    root: Path
    port: int
    password: str
    run_as: str | None  # None: the current user
    _names: itertools.count = field(default_factory=lambda: itertools.count(1))

    @classmethod
    def start(cls, port: int) -> Cluster:
        run_as = SERVER_USER if os.geteuid() == 0 else None
        # Not under pytest's tmp dirs: those are 0700 root-owned, out of the server user's reach.
        root = Path(tempfile.mkdtemp(prefix="speechsearch-pg-"))
        cluster = cls(find_bindir(), root, port, secrets.token_hex(16), run_as)
        try:
            cluster._init_and_start()
        except BaseException:
            cluster.remove()
            raise
        return cluster

    def _run(self, *args: str) -> None:
        prefix = ["runuser", "-u", self.run_as, "--"] if self.run_as else []
        result = subprocess.run([*prefix, *args], cwd=self.root, capture_output=True, text=True)
        if result.returncode:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.is_file() else ""
            raise RuntimeError(f"{' '.join(args[:2])} failed: {result.stderr.strip()}\n{tail}")

    def _init_and_start(self) -> None:
        if self.run_as:
            user = pwd.getpwnam(self.run_as)
            os.chown(self.root, user.pw_uid, user.pw_gid)
        password_file = self.root / "password"
        password_file.write_text(self.password)
        if self.run_as:
            os.chown(password_file, user.pw_uid, user.pw_gid)
        self._run(str(self.bindir / "initdb"), "-D", str(self.root / "data"), "-U", "postgres",
                  "-A", "scram-sha-256", f"--pwfile={password_file}", "-E", "UTF8",
                  "--locale=C", "--no-sync")
        password_file.unlink()
        # Loopback only, socket in the temp dir; no fsync: the data is thrown away anyway.
        # A time zone far from UTC (+13:45), so code that ignores the zone of the datetimes
        # PostgreSQL hands back fails here instead of on a server abroad.
        options = (f"-p {self.port} -h 127.0.0.1 -k {self.root} -F "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200 "
                   "-c timezone=Pacific/Chatham")
        self._run(str(self.bindir / "pg_ctl"), "start", "-D", str(self.root / "data"), "-w",
                  "-t", "60", "-l", str(self.root / "server.log"), "-o", options)
        logger.info("PostgreSQL test cluster on 127.0.0.1:%d in %s", self.port, self.root)

    def url(self, database: str, driver: str = "postgresql+psycopg") -> str:
        return f"{driver}://postgres:{self.password}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new, empty database; returns its name."""
        import psycopg

        name = f"test_{next(self._names)}"
        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres",
                             password=self.password, dbname="postgres",
                             autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return name

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "stop", "-D", str(self.root / "data"),
                      "-m", "immediate", "-w")
        finally:
            self.remove()

    def remove(self) -> None:
        shutil.rmtree(self.root)
