"""HTTP headers: the security headers every response carries (Flask-Talisman), and the
X-Forwarded-* headers of a reverse proxy, trusted only when PROXY_FIX says how many there are.
"""

from __future__ import annotations

import logging

from flask import Flask
from flask_talisman import DENY, Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

logger = logging.getLogger(__name__)

# Every page loads only its own scripts, styles, media (and captions) and fetches only from
# the site: no inline script or style attribute anywhere (scripts set styles through the DOM,
# which CSP allows), no plugins, no <base>, forms post only here, no framing (clickjacking).
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def init_security_headers(app: Flask) -> None:
    Talisman(
        app,
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options=DENY,  # frame-ancestors' older equivalent
        referrer_policy="same-origin",  # a search's words never leave in a Referer
        # The site must work over plain HTTP (make run on loopback): no redirect to HTTPS.
        # HSTS is still sent on every request that came over HTTPS (request.is_secure).
        force_https=False,
        # Cookies stay the app's (security.SessionInterface: Secure whenever the request came
        # over HTTPS); Talisman's would force Secure and break plain HTTP.
        session_cookie_secure=False,
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
    )


def trusted_proxies(app: Flask) -> int:
    """PROXY_FIX: how many reverse proxies stand in front of the site (0: none, the default)."""
    try:
        count = int(app.config.get("PROXY_FIX") or 0)
    except (TypeError, ValueError):
        count = -1
    if count < 0:
        raise ValueError(f"PROXY_FIX must be a number of proxies (0, 1, 2…), "
                         f"not {app.config.get('PROXY_FIX')!r}")
    return count


def init_proxy_fix(app: Flask) -> None:
    """Behind `count` proxies, take the client's address, scheme and host from the last
    `count` values of X-Forwarded-For, -Proto and -Host: links, Secure cookies, HSTS and the
    rate limits then see the reader, not the proxy. Off, those headers are ignored (any client
    can send them)."""
    count = trusted_proxies(app)
    app.config["PROXY_FIX"] = count
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
        logger.info("trusting X-Forwarded-For, -Proto and -Host from %d proxy(ies)", count)


def init_app(app: Flask) -> None:
    init_proxy_fix(app)
    init_security_headers(app)
