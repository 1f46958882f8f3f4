"""The by-version page (tools/by_version.py): cost against each library's releases.

Synthetic results (asv's own Results API) put two or more releases on every axis for
TimeScalarExtraction and TimeSparkToPandas, with a failed, a skipped and a not-run
value, a release never run, an older commit, an environment off the axes, a release
outside the matrix and a confirmations file. The data extraction is checked without a
browser; then `asv publish` (the project's plugins) writes the dashboard and headless
Chromium checks the page, the nav link and the legend of asv's graph page.
"""

import itertools
import json
import math
import re

import pytest
from packaging.version import Version
from asv import util as asv_util
from asv.environment import get_env_name
from asv.results import Results
from asv.runner import BenchmarkResult

from browser import ARTIFACTS, offline_chromium, serve
from conftest import ROOT, asv, temp_asv_config
from scratch_asv import commit
from tools import by_version
from tools import asv_identity
from tools.asv_identity import reference_pins

CONFIG = json.loads((ROOT / "asv.conf.json").read_text())
MATRIX = CONFIG["matrix"]
REFERENCE = reference_pins(MATRIX)
SCALAR = "bench_c_to_python.TimeScalarExtraction.time_item"
TO_PANDAS = "bench_spark_conversion.TimeSparkToPandas.time_to_pandas"
MACHINE = "synthetic-2core"
BENCHMARKS = {name: info for name, info in
              json.loads((ROOT / "results" / "benchmarks.json").read_text()).items()
              if name in (SCALAR, TO_PANDAS)}
NUMPY, PYSPARK, PANDAS = (MATRIX["req"][lib] for lib in ("numpy", "pyspark", "pandas"))
OFF_MATRIX_PANDAS = "2.10.0"  # sorts between 2.x and 3.x by version, not as text
OFF_AXES_VALUE = 999.0


def combos(name):
    return [tuple(c) for c in itertools.product(*BENCHMARKS[name]["params"])]


def cost(name, k, factor):
    """The synthetic value of combination k: distinct per line, scaled per release."""
    return (k + 1) * 1e-6 * factor


def save(results_dir, requirements, values, commit_hash, date, params=None):
    """One asv results file: values {benchmark: [value per combination]}."""
    requirements = {**REFERENCE, **requirements}
    env_name = get_env_name("virtualenv", "3.11", requirements, {})
    result = Results({"machine": MACHINE, "python": "3.11", **requirements}, requirements,
                     commit_hash, date, "3.11", env_name, {})
    for name, numbers in values.items():
        info = dict(BENCHMARKS[name], params=(params or {}).get(name, BENCHMARKS[name]["params"]))
        result.add_result(info, BenchmarkResult(result=numbers, samples=[None] * len(numbers),
                                                number=[None] * len(numbers), errcode=0,
                                                stderr="", profile=None))
    result.save(str(results_dir))


def scaled(name, factor):
    return [cost(name, k, factor) for k in range(len(combos(name)))]


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("by-version") / "results"
    (root / MACHINE).mkdir(parents=True)
    (root / "benchmarks.json").write_text(json.dumps({**BENCHMARKS, "version": 2}))
    (root / MACHINE / "machine.json").write_text(json.dumps(
        {"machine": MACHINE, "cpu": "synthetic CPU", "arch": "x86_64", "os": "Linux", "ram": "1GB",
         "num_cpu": "2", "version": 1}))
    new, old = commit("HEAD"), commit("HEAD~1")
    day = 86_400_000
    both = lambda f: {SCALAR: scaled(SCALAR, f), TO_PANDAS: scaled(TO_PANDAS, f)}  # noqa: E731
    save(root, {}, both(1), new, 10 * day)
    # numpy axis: the oldest release twice as costly (an older commit said 5x: not drawn);
    # the next release failed on its first line and skipped its second.
    save(root, {"numpy": NUMPY[0]}, {SCALAR: scaled(SCALAR, 2)}, new, 10 * day)
    save(root, {"numpy": NUMPY[0]}, {SCALAR: scaled(SCALAR, 5)}, old, 9 * day)
    save(root, {"numpy": NUMPY[1]}, {SCALAR: [None, math.nan] + scaled(SCALAR, 1.5)[2:]}, new, 10 * day)
    # pyspark axis: two older releases.
    save(root, {"pyspark": PYSPARK[0]}, {TO_PANDAS: scaled(TO_PANDAS, 3)}, new, 10 * day)
    save(root, {"pyspark": PYSPARK[1]}, {TO_PANDAS: scaled(TO_PANDAS, 2)}, new, 10 * day)
    # pandas axis: the oldest release ran only the first value of TimeSparkToPandas's
    # first parameter; a release outside the matrix.
    first_only = [BENCHMARKS[TO_PANDAS]["params"][0][:1]] + BENCHMARKS[TO_PANDAS]["params"][1:]
    n_first = len(list(itertools.product(*first_only)))
    save(root, {"pandas": PANDAS[0]}, {SCALAR: scaled(SCALAR, 1), TO_PANDAS: scaled(TO_PANDAS, 4)[:n_first]},
         new, 10 * day, params={TO_PANDAS: first_only})
    save(root, {"pandas": OFF_MATRIX_PANDAS}, both(1.1), new, 10 * day)
    # Off the axes (two libraries differ from the reference): never drawn.
    save(root, {"numpy": NUMPY[0], "pyspark": PYSPARK[0]},
         {SCALAR: [OFF_AXES_VALUE] * len(combos(SCALAR))}, new, 10 * day)
    last = combos(SCALAR)[-1]
    (root / "confirmations").mkdir()
    (root / "confirmations" / f"{MACHINE}.json").write_text(json.dumps({
        "version": 1, "machine": MACHINE, "cpu": "synthetic CPU", "commit": new, "min_effect": 1.1,
        "pairs": 5, "changes": [
            {"axis": "numpy", "a": NUMPY[0], "b": REFERENCE["numpy"], "benchmark": SCALAR,
             "params": list(last), "sweep_ratio": 0.5, "pair_ratios": [0.48, 0.5, 0.52], "ratio": 0.5,
             "low": 0.48, "high": 0.52, "confirmed": True, "direction": "faster"},
            {"axis": "pyspark", "a": PYSPARK[0], "b": PYSPARK[1], "benchmark": TO_PANDAS,
             "params": list(combos(TO_PANDAS)[0]), "sweep_ratio": 0.66, "pair_ratios": [1.0, 0.98],
             "ratio": 0.99, "low": 0.98, "high": 1.0, "confirmed": False, "direction": "faster"},
            # kept from the older commit's confirmation (compare.py merges): not drawn
            {"axis": "pandas", "a": PANDAS[0], "b": REFERENCE["pandas"], "benchmark": SCALAR,
             "params": list(last), "sweep_ratio": 3.0, "pair_ratios": [3.0] * 5, "ratio": 3.0,
             "low": 3.0, "high": 3.0, "confirmed": True, "direction": "slower", "commit": old}]}))
    return root


@pytest.fixture(scope="module")
def drawn(results_dir):
    confirmations = by_version.load_confirmations(str(results_dir), MACHINE)
    return {(c.benchmark, c.axis): c
            for c in by_version.charts(str(results_dir), MACHINE, BENCHMARKS, MATRIX, confirmations)}


# ------------------------------------------------------------- data, no browser ---

def test_confirmation_note_counts_the_entries_of_the_files_commit(results_dir):
    data = by_version.load_confirmations(str(results_dir), MACHINE)
    assert by_version.confirmation_note(data).endswith(": 1 of 2 changes confirmed")


def test_axis_of_names_the_one_library_that_differs():
    assert asv_identity.axis_of(dict(REFERENCE), REFERENCE) == "reference"
    assert asv_identity.axis_of({**REFERENCE, "pandas": "2.2.3"}, REFERENCE) == "pandas"
    assert asv_identity.axis_of({**REFERENCE, "numpy": "1.26.4", "pyspark": "3.5.9"}, REFERENCE) is None
    assert asv_identity.axis_of({**REFERENCE, "pyarrow": "17.0.0"}, REFERENCE) is None  # not an axis


def test_labels_read_as_written():
    assert by_version.param_label(["rows", "arrow", "scenario"], ["1000000", "'on'", "'mixed'"]) == \
        "rows=10^6, arrow=on, scenario=mixed"
    assert by_version.readable("100000") == "10^5"
    assert by_version.readable("2000") == "2000"
    assert by_version.readable("'float64'") == "float64"


def test_charts_exist_where_a_release_other_than_the_reference_has_results(drawn):
    assert set(drawn) == {(SCALAR, "numpy"), (SCALAR, "pandas"), (TO_PANDAS, "pyspark"),
                          (TO_PANDAS, "pandas")}


def test_releases_are_the_matrix_and_recorded_ones_in_version_order(drawn):
    assert drawn[SCALAR, "numpy"].releases == NUMPY  # the matrix lists them in order
    pandas = drawn[TO_PANDAS, "pandas"].releases
    # sorted by version, whatever the matrix's order (its lists end with the reference)
    assert pandas == sorted(PANDAS + [OFF_MATRIX_PANDAS], key=Version)


def test_lines_hold_the_newest_commits_values_and_name_what_is_missing(drawn):
    chart = drawn[SCALAR, "numpy"]
    assert [line.params for line in chart.lines] == combos(SCALAR)
    names = BENCHMARKS[SCALAR]["param_names"]
    assert [line.label for line in chart.lines] == [by_version.param_label(names, c) for c in combos(SCALAR)]
    at = {release: i for i, release in enumerate(chart.releases)}
    for k, line in enumerate(chart.lines):
        assert line.points[at[NUMPY[0]]] == (cost(SCALAR, k, 2), None)  # not the older commit's 5x
        assert line.points[at[REFERENCE["numpy"]]] == (cost(SCALAR, k, 1), None)
        assert line.points[at[NUMPY[2]]] == (None, "no results")
        assert OFF_AXES_VALUE not in [p.value for p in line.points]
    assert [line.points[at[NUMPY[1]]] for line in chart.lines[:3]] == \
        [(None, "failed"), (None, "skipped"), (cost(SCALAR, 2, 1.5), None)]
    oldest = [line.points[drawn[TO_PANDAS, "pandas"].releases.index(PANDAS[0])]
              for line in drawn[TO_PANDAS, "pandas"].lines]
    first_rows = BENCHMARKS[TO_PANDAS]["params"][0][0]
    assert [p.missing for p in oldest] == [None if c[0] == first_rows else "not run" for c in combos(TO_PANDAS)]


def test_confirmations_are_attached_to_their_chart(drawn):
    assert [c["confirmed"] for c in drawn[SCALAR, "numpy"].changes] == [True]
    assert [c["confirmed"] for c in drawn[TO_PANDAS, "pyspark"].changes] == [False]
    assert drawn[SCALAR, "pandas"].changes == []  # its entry re-measured an older commit
    assert by_version.change_text(drawn[SCALAR, "numpy"].changes[0]) == "2x faster, confirmed"


def test_a_malformed_confirmations_file_is_one_clear_error(tmp_path):
    (tmp_path / "confirmations").mkdir()
    (tmp_path / "confirmations" / "m.json").write_text('{"version": 7}')
    with pytest.raises(asv_util.UserError, match=r"confirmations/m.json: not a confirmations file"):
        by_version.load_confirmations(str(tmp_path), "m")
    assert by_version.load_confirmations(str(tmp_path), "absent") is None


# ------------------------------------------------------------------- the browser ---

@pytest.fixture(scope="module")
def published(results_dir, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("by-version-html")
    config = temp_asv_config(tmp, results_dir=str(results_dir))
    done = asv(config, "publish")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return tmp / "html"


def chart_block(page, benchmark, axis):
    return page.locator(f'section[id="{benchmark}"] .chart-block[data-axis="{axis}"]')


def boxes_overlap(a, b):
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"] or
                a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


def test_by_version_page_nav_link_and_graph_legend_in_chromium(published):
    with serve(published) as server, offline_chromium(server) as (page, problems, blocked):
        # asv's nav bar leads to the page.
        page.goto(server + "index.html")
        page.click("#nav-li-by-version a")
        page.wait_for_url("**/by-version.html")
        assert page.text_content("h1") == "Cost by release"

        # A chart per axis with a line per parameter combination, releases on x.
        for benchmark, axis, releases in [(SCALAR, "numpy", NUMPY), (TO_PANDAS, "pyspark", PYSPARK)]:
            block = chart_block(page, benchmark, axis)
            assert block.locator("svg.chart path.line").count() == len(combos(benchmark))
            assert block.locator("svg.chart text.x-label").all_text_contents() == releases
        page.screenshot(path=str(ARTIFACTS / "by-version.png"), full_page=False)

        # Missing points are named, not drawn; the confirmed change is marked on its line.
        numpy_chart = chart_block(page, SCALAR, "numpy")
        assert "no results" in numpy_chart.locator("text.missing-label").all_text_contents()
        assert {"failed", "skipped"} <= set(numpy_chart.locator("td.missing").all_text_contents())
        assert numpy_chart.locator(".confirmed-change text").all_text_contents() == ["2x faster, confirmed"]
        assert chart_block(page, TO_PANDAS, "pyspark").locator(".confirmed-change").count() == 0

        # A benchmark's anchor scrolls to its section.
        page.goto(server + f"by-version.html#{TO_PANDAS}")
        top = page.evaluate(f"document.getElementById('{TO_PANDAS}').getBoundingClientRect().top")
        assert abs(top) < 5 and page.evaluate("window.scrollY") > 0

        # asv's graph page: the legend lists the series beside the plot, not over it.
        pins = "&".join(f"{lib}={REFERENCE[lib]}" for lib in ("pyspark", "pandas"))
        page.goto(server + f"index.html#{SCALAR}?{pins}")
        page.wait_for_selector("#legend-outside .legendLabel", timeout=30_000)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(ARTIFACTS / "graph-legend.png"))
        legend = page.locator("#legend-outside table").bounding_box()
        plot = page.locator("#main-graph canvas.flot-base").bounding_box()
        assert legend["width"] > 0 and plot["width"] > 300, (legend, plot)
        assert not boxes_overlap(legend, plot), (legend, plot)
        assert page.locator("#legend-outside .legendLabel").count() >= 2
    assert not blocked, f"the page tried to reach outside the server: {blocked}"
    assert not problems, problems


def test_publisher_output_passes_the_offline_check(published):
    from offline_dashboard import check
    check(published)
    assert re.search(r'href="by-version.html"', (published / "index.html").read_text())
