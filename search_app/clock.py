"""The site's one clock: the app's CLOCK when set (tests inject one to test expiry without
sleeping), else the real one. The job queue is handed the same clock (create_app)."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app

from indexer.jobs.table import utc_now


def now(app: Flask | None = None) -> datetime:
    clock = (app or current_app).config.get("CLOCK")
    return clock() if clock else utc_now()
