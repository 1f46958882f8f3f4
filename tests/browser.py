"""Headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) on a published
dashboard served from loopback, with nothing allowed to leave the machine: the helpers
of the browser tests (test_dashboard_offline.py, test_by_version.py)."""

import contextlib
import functools
import http.server
import os
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"


def need(condition, reason):
    """Skip outside CI when a browser prerequisite is missing; fail in CI."""
    if not condition:
        (pytest.fail if os.environ.get("CI") else pytest.skip)(reason)


@contextlib.contextmanager
def serve(html):
    """The URL of a loopback HTTP server of folder `html`, while in the block."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(html)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextlib.contextmanager
def offline_chromium(server):
    """(page, problems, blocked) of headless Chromium on `server`: every non-loopback host
    unresolvable and every request to another origin aborted (recorded in `blocked`);
    console errors, page errors, failed requests and HTTP errors recorded in `problems`."""
    need(Path(CHROMIUM).is_file(), f"{CHROMIUM} missing: apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "playwright not installed: pip install -r requirements.txt")
    origin = urlsplit(server).netloc
    problems, blocked = [], []

    def route(route):
        if urlsplit(route.request.url).netloc == origin:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    def on_response(response):
        if response.status >= 400:
            problems.append(f"HTTP {response.status} {response.url}")

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw, tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, viewport={"width": 1280, "height": 800},
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"])
        try:
            context.route("**/*", route)
            page = context.new_page()
            page.on("console", lambda m: m.type in ("error", "assert") and problems.append(f"console {m.type}: {m.text}"))
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: problems.append(f"failed request {r.url}: {r.failure}"))
            page.on("response", on_response)
            yield page, problems, blocked
        finally:
            context.close()
