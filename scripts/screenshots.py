"""Screenshots of every main page, in French and English, desktop and phone sizes.

    make screenshots        # indexes data/samples if needed, then writes docs/screenshots/

Serves the data dir with `speechsearch serve` on a free loopback port and drives Debian's
Chromium with Playwright (its own browser download does not work here).
"""

from __future__ import annotations

import argparse
import logging
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
PAGES = {
    "home": "/",
    "search": "/search?q=terrorisme",
    "player": None,  # the first hit of the search, opened at its second
    "delivery": "/delivery",  # that video's check against delivery (after the player)
    "register": "/register",
    "login": "/login",
}
logger = logging.getLogger("screenshots")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(data_dir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "indexer", "--data-dir", str(data_dir),
                                "serve", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/").close()
            return process, base
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise SystemExit("speechsearch serve did not start") from None
            time.sleep(0.2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args.out.mkdir(parents=True, exist_ok=True)
    process, base = serve(args.data_dir)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=args.chromium,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            for language in ("en", "fr"):
                for size, viewport in SIZES.items():
                    context = browser.new_context(viewport=viewport, is_mobile=size == "phone",
                                                  locale={"en": "en-GB", "fr": "fr-FR"}[language])
                    page = context.new_page()
                    player = ""
                    for name, path in PAGES.items():
                        if path is None:
                            page.goto(f"{base}/search?q=terrorisme")
                            page.locator("a.play").first.click()
                            page.wait_for_selector(".segment.speaking")
                            player = page.url.split("#")[0].split("?")[0]
                        elif path == "/delivery":
                            page.goto(player + path)
                        else:
                            page.goto(base + path)
                        target = args.out / f"{name}-{language}-{size}.png"
                        # The player as a user sees it (the transcript follows the speech);
                        # the other desktop pages whole.
                        whole = size == "desktop" and name != "player"
                        page.screenshot(path=str(target), full_page=whole)
                        logger.info("wrote %s", target.relative_to(ROOT))
                    context.close()
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
