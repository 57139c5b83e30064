"""Request bodies are refused from their headers, before they are read, on every route but the
upload.

Waitress reads a whole request body on its event loop (spooling it to a temporary file past
`inbuf_overflow`) before it hands the request to a worker thread and to the app: Flask's
MAX_CONTENT_LENGTH answers 413 only once the body is all in, and no WSGI middleware can answer
sooner. Waitress's own limit, `max_request_body_size`, is one for every route (it refuses a
Content-Length over it as soon as the headers are in, and cuts a chunked body off once it grows
past it), and it must let the archivists' 2 GB uploads through.

So the server's parser gives each request the limit of the route it is for, found in the app's
own URL map: the upload's for posting to /upload, the official text's for posting one to a
video (a PDF may be larger than the site's limit), MAX_CONTENT_LENGTH everywhere else. Over it,
waitress answers 413 and closes the connection; the rest of the body is never read.

Reading a body never ties up a worker thread (waitress dispatches a request only once its body
is complete), and a client that stops sending is dropped after `channel_timeout` seconds of
silence. Left open: anyone may make waitress spool up to the upload limit into its temporary
dir by posting to /upload (who is an archivist is only known to the app, once the body is in).
"""

from __future__ import annotations

from flask import Flask
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import BaseWSGIServer, create_server
from waitress.utilities import RequestEntityTooLarge
from werkzeug.exceptions import HTTPException

from .uploads import UPLOAD_ENDPOINT, upload_body_limit
from .video_admin import OFFICIAL_ENDPOINT, official_body_limit


class BodyLimits:
    """The largest body each route of the app takes."""

    def __init__(self, app: Flask):
        self.upload = upload_body_limit(app.config)
        site = app.config["MAX_CONTENT_LENGTH"]
        self.site = self.upload if site is None else int(site)
        self.official = max(self.site, official_body_limit(app.config))
        self.largest = max(self.site, self.upload, self.official)
        self.routes = app.url_map.bind("localhost")

    def for_request(self, method: str, wsgi_path: str) -> int:
        # PATH_INFO as WSGI has it (bytes as latin-1): the app routes its UTF-8 decoding.
        path = wsgi_path.encode("latin-1").decode("utf-8", "replace")
        try:
            endpoint, _ = self.routes.match(path, method)
        except HTTPException:  # 404, 405, a redirect: no view reads the body
            return self.site
        if method == "POST" and endpoint == UPLOAD_ENDPOINT:
            return self.upload
        if method == "POST" and endpoint == OFFICIAL_ENDPOINT:
            return self.official
        return self.site


class RouteLimitedParser(HTTPRequestParser):
    """Waitress's request parser, with the body limit of the request's route."""

    limits: BodyLimits  # set on the subclass made for each app (waitress builds parsers)
    body_limit: int | None = None

    def received(self, data: bytes) -> int:
        consumed = super().received(data)
        if self.headers_finished and not self.completed:  # headers in, body still coming
            if self.body_limit is None:
                self.body_limit = self.limits.for_request(self.command, self.path)
            size = self.body_bytes_received if self.chunked else self.content_length
            if size > self.body_limit:
                # Waitress's own way out: its ErrorTask answers 413 and closes the connection
                # (nothing after these headers is served, whatever the client sent).
                self.error = RequestEntityTooLarge(
                    f"exceeds the limit of {self.body_limit} bytes for {self.path}")
                self.completed = True
                # Nor is the body asked for: the channel's `100 Continue` would also mark the
                # request incomplete again, to wait for it.
                self.expect_continue = False
        return consumed


def create_limited_server(app: Flask, **adjustments):
    """waitress.create_server for the app, with per-route body limits; `.run()` serves."""
    limits = BodyLimits(app)
    parser = type("RouteLimitedParser", (RouteLimitedParser,), {"limits": limits})
    channel = type("RouteLimitedChannel", (HTTPChannel,), {"parser_class": parser})
    dispatchers: dict = {}
    # Waitress refuses a body as large as max_request_body_size: one byte more than the most
    # any route takes leaves the per-route limits to the parser.
    server = create_server(app, map=dispatchers, max_request_body_size=limits.largest + 1,
                           **adjustments)
    for dispatcher in dispatchers.values():  # one server per address listened on
        if isinstance(dispatcher, BaseWSGIServer):
            dispatcher.channel_class = channel
    return server
