"""The published dashboard is self-contained: after `asv publish` and the publish step
tools/offline_dashboard.py, nothing the browser loads comes from outside the server.

The committed results (every environment of the version matrix) are published into a
temporary html dir, exactly as `make sweep` publishes html/. Static checks then parse the
output; the browser test loads it in Debian's headless Chromium, driven by Playwright,
from a loopback HTTP server, with every non-loopback host unresolvable and every
non-loopback request aborted, and checks the benchmark list, one graph per library axis
(a series per NumPy release, a series per PySpark release), the console and the network.
"""

import functools
import hashlib
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest

from conftest import ROOT, asv, temp_asv_config

MACHINE = "reference-2core"
MATRIX = json.loads((ROOT / "asv.conf.json").read_text())["matrix"]["req"]
# (benchmark, the library whose releases are the series, the other one held at its
# reference pin, the benchmark parameters of the one case drawn)
GRAPHS = [
    ("bench_c_to_python.TimeScalarExtraction.time_index", "numpy", "pyspark",
     {"n": "1000000", "dtype": "'float64'"}),
    ("bench_spark_conversion.TimeSparkToPandas.time_to_pandas", "pyspark", "numpy",
     {"rows": "1000000", "arrow": "'on'", "scenario": "'seed'"}),
]
STEP = ROOT / "tools" / "offline_dashboard.py"
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"


def run(*cmd, **kwargs):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=600, **kwargs)


def tree_digest(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(folder).rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """(html dir after the publish step, html dir as asv wrote it, benchmark names) for
    the committed results/ (read only: asv publish writes html_dir alone)."""
    tmp = tmp_path_factory.mktemp("dashboard")
    config = temp_asv_config(tmp, results_dir=str(ROOT / "results"))
    done = asv(config, "publish")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    shutil.copytree(tmp / "html", tmp / "html-asv")
    done = run(sys.executable, STEP, tmp / "html")
    assert done.returncode == 0, done.stdout + done.stderr
    names = sorted(set(json.loads((ROOT / "results" / "benchmarks.json").read_text())) - {"version"})
    return tmp / "html", tmp / "html-asv", names


# ------------------------------------------------------------------ static checks ---
# Written independently of the publish step's own scanner, so a bug there can't hide.

LOADED = {"script": "src", "img": "src", "iframe": "src", "embed": "src", "source": "src",
          "audio": "src", "video": "src", "track": "src", "input": "src", "object": "data", "link": "href"}
ABSOLUTE = re.compile(r"^\s*([a-z][a-z0-9+.-]*:)?//", re.I)
CSS_URL = re.compile(r"""url\(\s*["']?([^"')\s]+)|@import\s+["']([^"']+)""")
# A quoted absolute URL in JS or CSS code. (URLs in the files' comments are not quoted:
# licence headers such as bootstrap's "Licensed under MIT (https://...)".)
QUOTED_URL = re.compile(r"""(["'`])((?:https?:)?//[a-z0-9[][^"'`\s]*)\1""", re.I)


class LoadedResources(HTMLParser):
    """URLs of an HTML page that the browser fetches by itself: <script src>, <img src>,
    <link href> except navigation links (rel=alternate), inline style url(); not <a href>."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and (attrs.get("rel") or "").lower() in ("alternate", "canonical"):
            return
        if attrs.get(LOADED.get(tag, "")):
            self.urls.append(attrs[LOADED[tag]].strip())
        for style in filter(None, [attrs.get("style")]):
            self.urls += [a or b for a, b in CSS_URL.findall(style)]


def loaded_urls(path):
    """[url] that the browser fetches because of this .html/.css file."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".css":
        return [a or b for a, b in CSS_URL.findall(re.sub(r"/\*.*?\*/", "", text, flags=re.S))]
    parser = LoadedResources()
    parser.feed(text)
    styles = re.findall(r"<style[^>]*>(.*?)</style>", text, flags=re.S | re.I)
    return parser.urls + [a or b for s in styles for a, b in CSS_URL.findall(s)]


def test_asv_output_loads_from_cdns_before_the_step(published):
    """Guards the test itself: asv's own output does load from CDNs (else the checks
    below would prove nothing)."""
    _, raw, _ = published
    assert any(ABSOLUTE.match(u) for u in loaded_urls(raw / "index.html"))


def test_no_external_loads_and_every_local_asset_exists(published):
    html, _, _ = published
    files = sorted(p for p in html.rglob("*") if p.suffix in (".html", ".js", ".css"))
    assert (html / "index.html") in files and (html / "vendor" / "jquery" / "dist" / "jquery.min.js") in files
    external, missing = [], []
    for path in files:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".js":
            external += [(path.name, m.group(2)) for m in QUOTED_URL.finditer(text)]
            continue
        if path.suffix == ".css":
            external += [(path.name, m.group(2)) for m in QUOTED_URL.finditer(text)]
        for url in loaded_urls(path):
            if ABSOLUTE.match(url) or "//cdn" in url:
                external.append((path.name, url))
            elif not url.startswith(("data:", "#")):
                target = path.parent / url.split("?")[0].split("#")[0]
                if not target.is_file():
                    missing.append((path.relative_to(html).as_posix(), url))
    assert not external, f"external loads left: {external}"
    assert not missing, f"referenced local assets missing: {missing}"
    # Every vendored package comes with its licence (flot-orderbars: MIT in package.json).
    for package in (html / "vendor").iterdir():
        assert any(p.name.startswith("LICENSE") for p in package.iterdir()) or \
            json.loads((package / "package.json").read_text())["license"] == "MIT", package.name


def test_step_is_idempotent(published):
    html, _, _ = published
    before = tree_digest(html)
    done = run(sys.executable, STEP, html)
    assert done.returncode == 0, done.stderr
    assert tree_digest(html) == before


def test_step_fails_on_unknown_external_asset(published, tmp_path):
    _, raw, _ = published
    html = tmp_path / "html"
    shutil.copytree(raw, html)
    url = "https://cdn.example.invalid/lib@1.0.0/lib.min.js"
    index = html / "index.html"
    index.write_text(index.read_text().replace("</head>", f'<script src="{url}"></script></head>'))
    before = tree_digest(html)
    done = run(sys.executable, STEP, html)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and url in lines[0] and lines[0].startswith("offline_dashboard: error:"), done.stderr
    assert tree_digest(html) == before, "a failed step must leave HTML_DIR as it was"


def test_step_fails_on_missing_html_dir(tmp_path):
    done = run(sys.executable, STEP, tmp_path / "nothing-here")
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "nothing-here" in lines[0], done.stderr


def test_vendored_files_match_lock_and_checksums():
    done = run(sys.executable, STEP, "--check")
    assert done.returncode == 0, done.stderr


# ------------------------------------------------------------------- the browser ---

SERIES_DRAWN_JS = """() => {
    // Series of the main flot graph with at least one finite point; -1 if no graph yet.
    var el = window.jQuery && jQuery('#main-graph');
    var plot = el && el.data('plot');
    if (!plot || el.find('canvas.flot-base').length === 0) return -1;
    return plot.getData().filter(function (s) {
        var ps = s.datapoints.pointsize, pts = s.datapoints.points;
        for (var i = 0; i + 1 < pts.length; i += ps)
            if (pts[i] !== null && pts[i + 1] !== null && isFinite(pts[i]) && isFinite(pts[i + 1]))
                return true;
        return false;
    }).length;
}"""


def series_drawn(page):
    """Number of series the benchmark graph on the page draws (one per parameter
    combination and environment, e.g. one per NumPy version in a version matrix)."""
    return page.evaluate(f"({SERIES_DRAWN_JS})()")


def need(condition, reason):
    """Skip outside CI when a browser prerequisite is missing; fail in CI."""
    if not condition:
        (pytest.fail if os.environ.get("CI") else pytest.skip)(reason)


@pytest.fixture
def server(published):
    html, _, _ = published

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(html)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def test_dashboard_renders_offline_in_chromium(published, server):
    need(Path(CHROMIUM).is_file(), f"{CHROMIUM} missing: apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "playwright not installed: pip install -r requirements.txt")
    _, _, names = published
    origin = urlsplit(server).netloc
    problems, blocked = [], []

    def route(route):
        if urlsplit(route.request.url).netloc == origin:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    graph_requests = []

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
            page.on("request", lambda r: "/graphs/" in r.url and graph_requests.append(unquote(r.url)))

            # The benchmark list, sorted by name descending through the URL (stupidtable).
            # It shows one environment (asv's default is each parameter's first value,
            # NumPy 1.26.4, which runs no Spark): the reference one runs everything.
            reference = "&".join(f"{lib}={MATRIX[lib][-1]}" for lib in ("numpy", "pyspark"))
            page.goto(server + f"index.html#/summarylist?sort=0&dir=desc&python=3.11&{reference}")
            page.wait_for_selector("#summarylist-body table tbody tr", timeout=30_000)
            listed = page.eval_on_selector_all(
                "#summarylist-body table tbody tr td:first-child", "tds => tds.map(td => td.textContent.trim())")
            listed_names = {row.split(" ")[0] for row in listed}
            page.screenshot(path=str(ARTIFACTS / "dashboard-benchmark-list.png"))
            assert {n.rsplit(".", 1)[0] for n in names} <= {n.rsplit(".", 1)[0] for n in listed_names}
            assert set(names) <= listed_names, sorted(set(names) - listed_names)
            # Sorted by stupidtable: asv marks the sorted column, and the names descend.
            assert "desc" in page.get_attribute("#summarylist-body table thead th:first-child", "class").split()
            assert listed[0].split(" ")[0] > listed[-1].split(" ")[0], listed

            # One graph per library axis, opened through the URL hash asv uses: the
            # other library at its reference pin and one parameter combination, so
            # the series are exactly that library's releases.
            for benchmark, library, other, params in GRAPHS:
                versions = MATRIX[library]
                query = "&".join([f"{other}={MATRIX[other][-1]}"] +
                                 [f"p-{k}={quote(v)}" for k, v in params.items()])
                graph_requests.clear()
                page.goto(server + "index.html#" + benchmark + "?" + query)
                page.wait_for_function(f"({SERIES_DRAWN_JS})() >= {len(versions)}", timeout=30_000)
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(ARTIFACTS / f"dashboard-graph-{benchmark.rsplit('.', 2)[1]}.png"))
                assert "error.html" not in page.url, page.url
                assert page.text_content("#title").strip() == benchmark
                drawn_versions = sorted({m for url in graph_requests if benchmark in url
                                         for m in re.findall(f"/{library}-([^/]+)/", url)})
                assert drawn_versions == sorted(versions), (library, drawn_versions)
                assert series_drawn(page) == len(versions), (benchmark, series_drawn(page))
        finally:
            context.close()
    assert not blocked, f"the page tried to reach outside the server: {blocked}"
    assert not problems, problems
