"""How the site writes its own addresses: links that carry a query string, and absolute links.

A query string is never handed to url_for as keywords: a key such as `_anchor`, `_scheme`,
`_external`, `endpoint` or a path variable's name would be taken as url_for's own argument
(a 500, or a link to another host). Absolute links are built on PUBLIC_URL when it is set,
so a request's Host header never reaches the API's URLs or the player's citation.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from flask import Flask, current_app, url_for
from werkzeug.datastructures import MultiDict

# Where `speechsearch serve` listens by default: links in mails sent from the command line
# (there is no request to follow) when PUBLIC_URL is not set.
SERVE_DEFAULT_URL = "http://127.0.0.1:5000"


def url_with_query(endpoint: str, query: MultiDict, **path_values) -> str:
    """The endpoint's path from its own variables, then every item of `query` as the query."""
    path = url_for(endpoint, **path_values)
    encoded = urlencode(list(query.items(multi=True)))
    return f"{path}?{encoded}" if encoded else path


def public_url(app: Flask) -> str | None:
    """PUBLIC_URL, checked: an http(s) address with a host and no query, without a final /."""
    value = app.config.get("PUBLIC_URL")
    if not value:
        return None
    parts = urlsplit(str(value))
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query \
            or parts.fragment:
        raise ValueError(f"PUBLIC_URL must be the site's address, such as "
                         f"https://archive.example.org, not {value!r}")
    return str(value).rstrip("/")


def external_url(endpoint: str, **values) -> str:
    """An absolute link to this site: on PUBLIC_URL when set, else on the request's address
    (right on loopback, on any port, and behind a proxy trusted with PROXY_FIX)."""
    public = current_app.config.get("PUBLIC_URL")
    if not public:
        return url_for(endpoint, _external=True, **values)
    parts = urlsplit(public)
    # PUBLIC_URL's path is where the site is mounted, as base_url is for a test request.
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/",
                                       url_scheme=parts.scheme)
    return adapter.build(endpoint, values, force_external=True)


def mail_base_url() -> str:
    """The address that links in mails sent from the command line are built on."""
    return current_app.config.get("PUBLIC_URL") or SERVE_DEFAULT_URL


def init_app(app: Flask) -> None:
    app.config["PUBLIC_URL"] = public_url(app)  # a bad address stops the start, not a mail
    app.jinja_env.globals.update(external_url=external_url)
