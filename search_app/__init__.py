"""The search site and JSON API, built by `create_app` (the flaskr pattern: no global app)."""

from __future__ import annotations

from dataclasses import replace

from flask import Flask

from indexer.config import Settings
from indexer.jobs import Database, JobQueue

from . import (
    account,
    api,
    auth,
    clips,
    corrections,
    database,
    delivery,
    downloads,
    errors,
    headers,
    i18n,
    jobs_views,
    profiles_views,
    quote,
    replace_views,
    search,
    security,
    speaker_admin,
    uploads,
    urls,
    video_admin,
    videos,
)
from .archive import Archive
from .clock import now
from .config import DefaultConfig


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_object(DefaultConfig)
    app.config.from_prefixed_env("SPEECHSEARCH")
    if test_config:
        app.config.update(test_config)
    settings = site_settings(app)
    app.extensions["archive"] = Archive(
        settings, cache_bytes=int(float(app.config["TRANSCRIPT_CACHE_MB"]) * 1024 * 1024))

    urls.init_app(app)
    headers.init_app(app)
    i18n.init_app(app)
    database.init_app(app, settings.data_dir)
    # The indexer's job queue, on the same database (its schema is the site's migrations).
    app.extensions["jobs"] = JobQueue(
        settings, Database(app.config["SQLALCHEMY_DATABASE_URI"], prepare=False),
        clock=lambda: now(app))
    limiter = security.init_app(app, settings.data_dir)
    clips.set_max_concurrent(int(app.config["MAX_CONCURRENT_CLIPS"]))
    for blueprint in (errors.bp, search.bp, videos.bp, downloads.bp, api.bp, auth.bp,
                      account.bp, uploads.bp, video_admin.bp, jobs_views.bp, delivery.bp,
                      speaker_admin.bp, profiles_views.bp, corrections.bp, replace_views.bp,
                      quote.bp):
        app.register_blueprint(blueprint)
    for endpoint, key in auth.LIMITS.items():
        app.view_functions[endpoint] = limiter.limit(app.config[key], methods=["POST"])(
            app.view_functions[endpoint])
    return app


def site_settings(app: Flask) -> Settings:
    """The indexer's settings as this app's config has them (its keys win over the
    environment: a test or an operator may set them in either)."""
    config = app.config
    settings = Settings.from_env(config["DATA_DIR"], config.get("LANGUAGES"))
    return replace(settings, database_url=config.get("DATABASE_URL") or settings.database_url,
                   broker_url=config.get("BROKER_URL") or settings.broker_url,
                   job_stale_seconds=float(config["JOB_STALE_SECONDS"]),
                   job_visibility_timeout=int(config["JOB_VISIBILITY_TIMEOUT"]))
