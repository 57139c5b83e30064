"""Safe defaults; every key can be set from the environment as SPEECHSEARCH_<KEY>."""

from __future__ import annotations


class DefaultConfig:
    DATA_DIR = "data"  # shared with the indexer
    LANGUAGES = None  # the archive's spoken languages, "fr,en"; None: the indexer's default
    UI_LANGUAGES = ("en", "fr")
    BABEL_DEFAULT_LOCALE = "en"
    PER_PAGE = 20
    MAX_PER_PAGE = 100
    LOW_CONFIDENCE = 0.5  # words Whisper was less sure of are marked in the transcript
    MAX_CONTENT_LENGTH = 1 * 1024 * 1024  # refuse large bodies (the upload page has its own:)
    MAX_UPLOAD_MB = 2048  # largest media file an archivist may upload (/upload), in MB
    # Transcripts kept parsed for the player, exports and the quote finder, least recently
    # used out first: in MB of their JSON files (parsed, they take a few times that).
    TRANSCRIPT_CACHE_MB = 256
    MAX_OFFICIAL_TEXT_BYTES = None  # largest official text (edit panel); None: the indexer's 20 MB
    JSON_SORT_KEYS = False
    SEND_FILE_MAX_AGE_DEFAULT = 3600

    # Accounts. SECRET_KEY: set SPEECHSEARCH_SECRET_KEY, else one is generated in the data dir.
    SECRET_KEY = None
    DATABASE_URL = None  # default: SQLite in the data dir; postgresql://user:pw@host/db works
    # Upgrade the database to this version's schema on start. False: `speechsearch db upgrade`
    # is run by hand, and the app refuses to start on an older schema. None: leave it alone
    # (the `db` commands).
    DATABASE_AUTO_UPGRADE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # also Secure on any request that came over HTTPS
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # How long "Remember me" keeps a browser logged in (Flask-Login's default is a year). Two
    # weeks, as news and media sites commonly choose: a reader who comes back every week or
    # two is not asked again, and a cookie left on a shared or lost machine dies soon enough.
    REMEMBER_DAYS = 14
    # Wrong codes one account may receive in an hour, across all addresses and fresh codes
    # (each code also locks after 5): the per-address rate limit alone lets an attacker spread
    # guesses over many addresses and resends.
    CODE_GUESSES_PER_HOUR = 10
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LIMIT_LOGIN = "10 per minute; 50 per hour"
    LIMIT_CODE = "10 per minute"
    LIMIT_SEND = "3 per 10 minutes"  # registration, resend and reset mails

    # The site's address as readers reach it, e.g. https://archive.example.org (a path, if the
    # site is mounted below one, included). Set, every absolute link (the API's urls, the
    # player's citation, mails) is built on it, never on a request's Host header. Unset, links
    # follow the request (make run on any port), and mails sent from the command line use
    # http://127.0.0.1:5000, where `speechsearch serve` listens by default.
    PUBLIC_URL = None
    # Behind a reverse proxy: how many proxies to trust for X-Forwarded-For, -Proto and -Host
    # (werkzeug's ProxyFix). Each must overwrite, not pass on, what the client sent. 0: none.
    PROXY_FIX = 0

    # Downloads
    MAX_CLIP_SECONDS = 600  # 10 minutes
    MAX_CONCURRENT_CLIPS = 2  # ffmpeg processes at once; more requests wait, then get a 400

    # Indexing jobs. No BROKER_URL: the embedded queue (jobs kept in the database, run by
    # `speechsearch serve` or `speechsearch worker` on this machine). BROKER_URL=redis://...:
    # jobs go through Celery to `speechsearch worker` processes on any machine.
    BROKER_URL = None
    REPLACE_JOB_MIN_VIDEOS = 5  # find and replace over more videos than this runs as a job
    REPLACE_PREVIEW_LIMIT = 500  # occurrences shown by a find and replace preview
    JOB_WORKERS = 1  # jobs at once in `serve`'s embedded pool (each uses all cores it is given)
    JOB_STALE_SECONDS = 60  # a running job with no heartbeat for this long is queued again
    JOB_VISIBILITY_TIMEOUT = 3600  # Redis redelivers an unacknowledged task after this

    # Mail: with no MAIL_SERVER, mails go to <data-dir>/outbox/ as .eml files.
    MAIL_SERVER = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_DEFAULT_SENDER = "SpeechSearch <no-reply@localhost>"
