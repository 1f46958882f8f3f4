"""The published dashboard is self-contained: plain `asv publish` (its plugin
tools/offline_dashboard.py) writes a dashboard that loads nothing from outside the server.

The committed results are published into a
temporary html dir, exactly as `make publish` publishes html/. The plugin's own check
then reads the output; the browser test loads it in Debian's headless Chromium, driven by
Playwright, from a loopback HTTP server, with every non-loopback host unresolvable and
every non-loopback request aborted, and checks the benchmark list, one graph per library
axis (a series per committed NumPy release, per PySpark release), the console and the
network.
"""

import json
import re
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from asv import util as asv_util

from browser import ARTIFACTS, offline_chromium, serve
from conftest import REPORTED_MACHINE, ROOT, asv, temp_asv_config
from offline_dashboard import ASSETS, check, vendored_files
from report import matrix_environments, results_at
from sweep import AXES, axes_of

MATRIX = json.loads((ROOT / "asv.conf.json").read_text())["matrix"]["req"]
# (benchmark, the library whose releases are the series (the others held at their
# reference pins), the benchmark parameters of the one case drawn)
GRAPHS = [
    ("bench_c_to_python.TimeScalarExtraction.time_index", "numpy",
     {"n": "1000000", "dtype": "'float64'"}),
    ("bench_spark_conversion.TimeSparkToPandas.time_to_pandas", "pyspark",
     {"rows": "1000000", "arrow": "'on'", "scenario": "'seed'"}),
    ("bench_spark_conversion.TimeSparkToPandas.time_to_pandas", "pandas",
     {"rows": "1000000", "arrow": "'on'", "scenario": "'mixed'"}),
]


def committed_releases(library):
    """The releases of `library` with committed results, the others at their reference pins
    (the environments on `library`'s axis, and the reference one)."""
    _, results = results_at(str(ROOT / "results"), REPORTED_MACHINE)
    return [env.requirements[library]
            for env in matrix_environments(str(ROOT / "asv.conf.json"), results)
            if env.result is not None and env.axis in (library, "reference")]


# A publisher plugin for a scratch config: adds a script from an unknown CDN to the page.
UNKNOWN_URL = "https://cdn.example.invalid/lib@1.0.0/lib.min.js"
INJECT_PLUGIN = f"""
from pathlib import Path
from asv.publishing import OutputPublisher

class InjectUnknownCdn(OutputPublisher):
    order = 0

    @classmethod
    def publish(cls, conf, *args):
        index = Path(conf.html_dir, "index.html")
        index.write_text(index.read_text().replace("</head>", '<script src="{UNKNOWN_URL}"></script></head>'))
"""


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """(html dir from plain `asv publish`, benchmark names) for the committed results/
    (read only: asv publish writes html_dir alone)."""
    tmp = tmp_path_factory.mktemp("dashboard")
    config = temp_asv_config(tmp, results_dir=str(ROOT / "results"))
    done = asv(config, "publish")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    names = sorted(set(json.loads((ROOT / "results" / "benchmarks.json").read_text())) - {"version"})
    return tmp / "html", names


def test_check_flags_the_cdn_urls_of_asvs_template():
    """Guards the test itself: the check does reject what asv alone would publish."""
    template = Path(asv_util.__file__).parent / "www"
    with pytest.raises(asv_util.UserError, match=re.escape(next(iter(ASSETS)))):
        check(template)


def test_plain_asv_publish_writes_an_offline_dashboard(published):
    html, _ = published
    check(html)  # no external URL loaded, every local reference resolves
    assert (html / "vendor" / ASSETS["https://code.jquery.com/jquery-3.3.1.min.js"]).is_file()
    # Every vendored package comes with its licence (flot-orderbars: MIT in package.json).
    for package in (html / "vendor").iterdir():
        assert any(p.name.startswith("LICENSE") for p in package.iterdir()) or \
            json.loads((package / "package.json").read_text())["license"] == "MIT", package.name


def test_check_flags_a_missing_local_file(tmp_path):
    (tmp_path / "index.html").write_text('<link rel="stylesheet" href="vendor/missing.css">')
    with pytest.raises(asv_util.UserError, match="vendor/missing.css, which does not exist"):
        check(tmp_path)


def test_asv_publish_fails_naming_an_unknown_external_url(tmp_path):
    (tmp_path / "inject_unknown_cdn.py").write_text(INJECT_PLUGIN)
    plugins = json.loads((ROOT / "asv.conf.json").read_text())["plugins"] + [".inject_unknown_cdn"]
    config = temp_asv_config(tmp_path, results_dir=str(ROOT / "results"), plugins=plugins)
    done = asv(config, "publish")
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    errors = [line for line in (done.stdout + done.stderr).splitlines() if UNKNOWN_URL in line]
    assert len(errors) == 1 and "does not vendor" in errors[0], done.stdout[-3000:] + done.stderr[-3000:]


def test_vendored_files_match_checksums():
    assert set(ASSETS.values()) <= set(vendored_files())


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


@pytest.fixture
def server(published):
    with serve(published[0]) as url:
        yield url


def test_dashboard_renders_offline_in_chromium(published, server):
    _, names = published
    graph_requests = []
    with offline_chromium(server) as (page, problems, blocked):
        page.on("request", lambda r: "/graphs/" in r.url and graph_requests.append(unquote(r.url)))

        # The benchmark list, sorted by name descending through the URL (stupidtable).
        # It shows one environment (asv's default is each parameter's first value,
        # NumPy 1.26.4, which runs no Spark): the reference one runs everything.
        reference = "&".join(f"{lib}={MATRIX[lib][-1]}" for lib in AXES)
        page.goto(server + f"index.html#/summarylist?sort=0&dir=desc&python=3.11&{reference}")
        page.wait_for_selector("#summarylist-body table tbody tr", timeout=30_000)
        listed = page.eval_on_selector_all(
            "#summarylist-body table tbody tr td:first-child", "tds => tds.map(td => td.textContent.trim())")
        listed_names = {row.split(" ")[0] for row in listed}
        page.screenshot(path=str(ARTIFACTS / "dashboard-benchmark-list.png"))
        # every benchmark the sweep runs (Spark Connect is left to make bench)
        swept = {n for n in names if axes_of(n)}
        assert {n.rsplit(".", 1)[0] for n in swept} <= {n.rsplit(".", 1)[0] for n in listed_names}
        assert swept <= listed_names, sorted(swept - listed_names)
        # Sorted by stupidtable: asv marks the sorted column, and the names descend.
        assert "desc" in page.get_attribute("#summarylist-body table thead th:first-child", "class").split()
        assert listed[0].split(" ")[0] > listed[-1].split(" ")[0], listed

        # One graph per library axis, opened through the URL hash asv uses: the
        # other libraries at their reference pins and one parameter combination, so
        # the series are exactly that library's releases.
        for benchmark, library, params in GRAPHS:
            versions = committed_releases(library)
            query = "&".join([f"{lib}={MATRIX[lib][-1]}" for lib in AXES if lib != library] +
                             [f"p-{k}={quote(v)}" for k, v in params.items()])
            graph_requests.clear()
            page.goto(server + "index.html#" + benchmark + "?" + query)
            page.wait_for_function(f"({SERIES_DRAWN_JS})() >= {len(versions)}", timeout=30_000)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(ARTIFACTS / f"dashboard-graph-{benchmark.rsplit('.', 2)[1]}-{library}.png"))
            assert "error.html" not in page.url, page.url
            assert page.text_content("#title").strip() == benchmark
            drawn_versions = sorted({m for url in graph_requests if benchmark in url
                                     for m in re.findall(f"/{library}-([^/]+)/", url)})
            # a series an earlier graph already loaded (the reference one) is not re-fetched
            assert set(drawn_versions) <= set(versions) and len(drawn_versions) >= len(versions) - 1, \
                (library, drawn_versions)
            assert series_drawn(page) == len(versions), (benchmark, series_drawn(page))
    assert not blocked, f"the page tried to reach outside the server: {blocked}"
    assert not problems, problems
