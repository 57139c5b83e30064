"""Media files sent with Range and conditional requests as RFC 9110 has them.

Werkzeug's send_file answers 416 to any Range it cannot parse, or of several ranges; applies a
Range before the preconditions; sends the whole file along with a 412; takes `If-Match: *` for
a mismatch; and never reads If-Unmodified-Since. RFC 9110 has the preconditions first
(§13.2.2), lets a server ignore a Range it does not support (§14.2: malformed, another unit,
several ranges, which would need multipart/byteranges), and a 412 carries no file.

So the file is sent first without its Range and If-Match, for If-None-Match and
If-Modified-Since to give their 304; If-Match (else If-Unmodified-Since) is checked here, an
empty 412 when it fails; then one byte range, if that is what was asked, gives a 206, or a 416
with `Content-Range: bytes */size` when it lies outside the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Response, request, send_file
from werkzeug.datastructures import Range
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.http import parse_date, parse_etags, parse_range_header


def single_byte_range(value: str | None) -> Range | None:
    """The Range header if it is one range of bytes (satisfiable or not), else None."""
    parsed = parse_range_header(value)
    if parsed is None or parsed.units != "bytes" or len(parsed.ranges) != 1:
        return None
    return parsed


def precondition_failed(response: Response, environ: dict) -> bool:
    """If-Match (strong comparison, `*` for any file), else If-Unmodified-Since."""
    wanted = parse_etags(environ.get("HTTP_IF_MATCH"))
    if wanted:
        etag, weak = response.get_etag()
        return not (wanted.star_tag or (etag is not None and not weak and wanted.is_strong(etag)))
    since = parse_date(environ.get("HTTP_IF_UNMODIFIED_SINCE"))
    modified = response.last_modified
    return since is not None and modified is not None and modified > since


@contextmanager
def held_back(environ: dict, *names: str) -> Iterator[None]:
    """The request without these headers (Werkzeug would get them wrong), then with them."""
    held = {name: environ.pop(name) for name in names if name in environ}
    try:
        yield
    finally:
        environ.update(held)


def send_media(path: Path, **options) -> Response:
    """send_file(path, **options), conditional and with Range (see above)."""
    environ = request.environ
    wanted_range = single_byte_range(environ.get("HTTP_RANGE"))
    with held_back(environ, "HTTP_RANGE", "HTTP_IF_MATCH"):
        response = send_file(path, conditional=True, etag=True, **options)
    if precondition_failed(response, environ):
        response.close()
        return Response(status=412)
    if response.status_code == 200 and wanted_range is not None:
        with held_back(environ, "HTTP_IF_MATCH"):
            try:  # If-Range decides whether the range or the whole file is sent
                response.make_conditional(environ, accept_ranges=True,
                                          complete_length=response.content_length)
            except RequestedRangeNotSatisfiable:
                response.close()
                raise
    return response
