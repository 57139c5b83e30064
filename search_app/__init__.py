"""The search site and JSON API, built by `create_app` (the flaskr pattern: no global app)."""

from __future__ import annotations

from flask import Flask

from indexer.config import Settings

from . import schema
from .archive import Archive
from .config import DefaultConfig


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_object(DefaultConfig)
    app.config.from_prefixed_env("SPEECHSEARCH")
    if test_config:
        app.config.update(test_config)
    settings = Settings.from_env(app.config["DATA_DIR"], str(app.config["LANGUAGES"]))
    app.extensions["archive"] = Archive(settings)

    from . import (
        account,
        api,
        auth,
        clips,
        downloads,
        errors,
        headers,
        i18n,
        jobs_views,
        search,
        security,
        uploads,
        urls,
        video_admin,
        videos,
    )

    urls.init_app(app)
    headers.init_app(app)
    i18n.init_app(app)
    schema.init_app(app, settings.data_dir)
    limiter = security.init_app(app, settings.data_dir)
    clips.set_max_concurrent(int(app.config["MAX_CONCURRENT_CLIPS"]))
    for blueprint in (errors.bp, search.bp, videos.bp, downloads.bp, api.bp, auth.bp,
                      account.bp, uploads.bp, video_admin.bp, jobs_views.bp):
        app.register_blueprint(blueprint)
    for endpoint, key in auth.LIMITS.items():
        app.view_functions[endpoint] = limiter.limit(app.config[key], methods=["POST"])(
            app.view_functions[endpoint])
    return app
