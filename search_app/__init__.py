"""The search site and JSON API, built by `create_app` (the flaskr pattern: no global app)."""

from __future__ import annotations

from flask import Flask

from indexer.config import Settings

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

    from . import api, errors, i18n, search, videos

    i18n.init_app(app)
    app.register_blueprint(errors.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(videos.bp)
    app.register_blueprint(api.bp)
    return app
