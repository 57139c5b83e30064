"""Shared fixtures: the real Whisper model, real spaCy, real Whoosh indexes in temp dirs.

Expensive things (engine, spaCy pipelines, an index of the fixtures) are built once per session.
"""

from __future__ import annotations

import email
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from pg_cluster import Cluster
from pg_cluster import unavailable_reason as pg_unavailable_reason

from indexer.config import Settings
from indexer.engines import EngineOptions, load_engine
from indexer.engines.batching import Rendezvous
from indexer.gazetteer import Gazetteer
from indexer.pipeline import Indexer, IndexOptions
from indexer.whisper_models import provision_base_model

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
CORPUS = Path(os.environ.get("SPEECHSEARCH_CORPUS", ROOT.parent / "shared" / "corpus"))


@pytest.fixture(scope="session")
def models_dir() -> Path:
    """Provisioned models, shared by all tests (145 MB: not copied per test)."""
    path = Path(os.environ.get("SPEECHSEARCH_TEST_MODELS", ROOT / "data" / "models"))
    provision_base_model(path)
    return path


def make_data_dir(root: Path, models_dir: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "models").symlink_to(models_dir.resolve(), target_is_directory=True)
    return root


def indexer_sharing_models(session_indexer: Indexer, root: Path) -> Indexer:
    """An Indexer over a new data dir under `root`, with the session's loaded Whisper, spaCy
    and gazetteer (cached_property: the instance's own value wins, so they load once)."""
    data = make_data_dir(root / "data", session_indexer.settings.models_dir)
    indexer = Indexer(Settings(data_dir=data), IndexOptions())
    indexer.__dict__.update(engine=session_indexer.engine, tagger=session_indexer.tagger,
                            gazetteer=session_indexer.gazetteer)
    return indexer


def app_over(data_dir: Path, tmp_path_factory, **config):
    """create_app over an existing data dir, with a SQLite database of its own."""
    from search_app import create_app  # the indexer's tests need no site

    database = tmp_path_factory.mktemp("db") / "speechsearch.db"
    return create_app({"TESTING": True, "DATA_DIR": str(data_dir),
                       "DATABASE_URL": f"sqlite:///{database}", **config})


@pytest.fixture
def data_dir(tmp_path: Path, models_dir: Path) -> Path:
    """An empty data dir whose models/ points at the shared provisioned models."""
    return make_data_dir(tmp_path / "data", models_dir)


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir)


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    return Gazetteer.load()


@pytest.fixture(scope="session")
def engine(models_dir: Path):
    """One lane, all the cores: batching is tested as such (lanes: test_lanes.py)."""
    return load_engine("faster-whisper", "base", models_dir, EngineOptions(lanes=1))


@pytest.fixture(scope="session")
def session_indexer(models_dir: Path, tmp_path_factory) -> Indexer:
    """One Indexer (engine and spaCy loaded once) over a session data dir. Its engine has two
    lanes of one thread, the default on two cores, pinned so that tests do not depend on the
    machine's cores (engines/lanes.py)."""
    data = make_data_dir(tmp_path_factory.mktemp("session") / "data", models_dir)
    return Indexer(Settings(data_dir=data), IndexOptions(
        engine_options=EngineOptions(cpu_threads=2, lanes=2)))


@pytest.fixture(scope="session")
def indexed(session_indexer: Indexer) -> Indexer:
    """The French, English and mixed fixtures, transcribed and indexed once."""
    for name in ("fr_otan.flac", "en_nato.mp3", "mixed_fr_en.ogg"):
        outcome = session_indexer.index_file(FIXTURES / name)
        # "skipped": a test that ran first indexed a copy into the session data dir.
        assert outcome.status in ("indexed", "skipped"), outcome.reason
    return session_indexer


@pytest.fixture(scope="session")
def ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def run_ffmpeg(ffmpeg: str, *args: str) -> None:
    subprocess.run([ffmpeg, "-y", "-loglevel", "error", *args], check=True)


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not (CORPUS / "MANIFEST.md").is_file():
        pytest.skip(f"the shared corpus is not at {CORPUS} (set SPEECHSEARCH_CORPUS)")
    return CORPUS


def copy_fixture(name: str, folder: Path, new_name: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (new_name or name)
    shutil.copyfile(FIXTURES / name, target)
    return target


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """What a real SMTP server (aiosmtpd, on loopback) received."""

    def __init__(self):
        self.messages: list[Message] = []
        self._read: set[int] = set()  # ids of the mails code_for has read

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def last_to(self, address: str) -> Message:
        return [m for m in self.messages if m["To"] == address][-1]

    def code_for(self, address: str, wait: float = 10) -> str:
        """The code of the newest mail to `address` that no earlier call has read, waiting
        for it: the site mails from a background thread, so a served page (test_browser) can
        come before its mail."""
        deadline = time.monotonic() + wait
        while True:
            unread = [m for m in self.messages if m["To"] == address and id(m) not in self._read]
            if unread:
                self._read.update(id(m) for m in unread)
                return re.search(r"\b(\d{6})\b", mail_text(unread[-1])).group(1)
            if time.monotonic() > deadline:
                raise AssertionError(f"no new mail to {address}")
            time.sleep(0.02)


class MailFlushingClient(FlaskClient):
    """A test client whose requests return once the mails they queued are sent: the app mails
    from a background thread (search_app.mail.MailOutbox), tests read the inbox right after.
    Set it with `app.test_client_class = MailFlushingClient`."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        outbox = self.application.extensions.get("mail_outbox")
        if outbox is not None:
            outbox.join()
        return response


def mail_text(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode()
    raise AssertionError("no text part")


@contextmanager
def smtp_capture(inbox: Inbox | None = None) -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on a free loopback port; yields (inbox, port)."""
    from aiosmtpd.controller import Controller

    inbox = inbox or Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


@contextmanager
def serving(data_dir: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """`speechsearch serve` (waitress) on a free loopback port; yields its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "indexer", "--data-dir", str(data_dir), "serve",
         "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})})
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:  # the server's start, not a page: nothing for Playwright to wait on yet
            try:
                urllib.request.urlopen(base + "/").close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("speechsearch serve did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Cluster]:
    """A throwaway PostgreSQL cluster for the whole session, when PostgreSQL is installed."""
    if reason := pg_unavailable_reason():
        pytest.skip(reason)
    cluster = Cluster.start(free_port())
    yield cluster
    cluster.stop()


# The app suites run on both databases: modules are grouped by backend, so each module's
# fixtures are built once per backend.
@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def database_backend(request) -> str:
    return request.param


def new_database_url(request: pytest.FixtureRequest, backend: str, folder: Path) -> str:
    """A new, empty database of the backend (SQLite: a file in folder)."""
    if backend == "sqlite":
        return f"sqlite:///{folder / 'speechsearch.db'}"
    cluster = request.getfixturevalue("postgres")
    # A bare postgresql:// URL, as a user would write it: the app picks the driver.
    return cluster.url(cluster.create_database(), driver="postgresql")


@pytest.fixture
def database_url(request: pytest.FixtureRequest, database_backend: str, tmp_path: Path) -> str:
    """One test's own empty database, on each backend."""
    return new_database_url(request, database_backend, tmp_path)


@pytest.fixture
def batched_calls(monkeypatch) -> list[tuple[str, int]]:
    """(method, windows) of every batched decoder call: a spy on the real thing."""
    seen: list[tuple[str, int]] = []
    real = Rendezvous._batched

    def spy(self, group):
        seen.append((group[0].method, sum(call.features.shape[0] for call in group)))
        return real(self, group)

    monkeypatch.setattr(Rendezvous, "_batched", spy)
    return seen
