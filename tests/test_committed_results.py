"""The committed results are what the README and the report say they are: every matrix
environment ran its part of the suite on the reference machine, nothing failed except
the documented skips, the installed versions are the pinned ones, and the committed
boundary report is the one tools/report.py makes from these results."""

import ast
import itertools
import json
import math
import re
import shutil

import pytest
from asv import environment
from asv.config import Config
from asv.results import get_filename

from conftest import ROOT

import report  # noqa: E402  (tools/ is on sys.path: conftest)
import sweep  # noqa: E402
from benchmarks.bench_versions import version_number  # noqa: E402

MACHINE = "reference-2core"
RESULTS = ROOT / "results"
MILLION = "1000000"
PARAM_NAMES = report.load_param_names(str(RESULTS))


def matrix_points():
    conf = Config.load(str(ROOT / "asv.conf.json"))
    raw = json.loads((ROOT / "asv.conf.json").read_text())
    reference = sweep.reference_pins(raw)
    return [(env.requirements, sweep.part_of(env.requirements, reference))
            for env in environment.get_environments(conf, None)]


@pytest.fixture(scope="module")
def latest():
    return report.latest_results(str(RESULTS), MACHINE)


def cases(result, name):
    """[(params dict, value)] of one benchmark in one results file."""
    names = PARAM_NAMES[name]
    combos = itertools.product(*result.get_result_params(name))
    values = result.get_result_value(name, result.get_result_params(name))
    return [(dict(zip(names, map(ast.literal_eval, combo))), value)  # reprs of str/int
            for combo, value in zip(combos, values)]


def documented_skip(name, params, pyspark):
    """The skips README lists ('Documented skips'); anything else skipped is a defect."""
    version = tuple(map(int, pyspark.split(".")))
    old, arrow_on_by_default = version < (4, 0), version >= (4, 2)
    rows = params.get("rows") == 10**6
    return any([
        name.endswith("TimeReprFull.time_repr_full") and params["n"] == 10**6,
        name.endswith("TimeSparkToPandas.time_to_pandas") and rows
        and params["scenario"] == "mixed"
        and (params["arrow"] == "off" or (params["arrow"] == "default"
                                          and not arrow_on_by_default)),
        name.endswith("TimeCreateDataFrame.time_create_dataframe") and rows
        and params["source"] == "pandas-no-arrow",
        old and ("TimeSparkToArrow" in name or "TimeArrowToNumpy" in name),
        old and "TimeSparkConnect" in name and params["session"] == "connect",
    ])


def test_every_matrix_environment_has_results(latest):
    points = {(req["numpy"], req["pyspark"]) for req, _ in matrix_points()}
    assert len(points) == 8
    assert set(latest) == points, f"no results for {sorted(points - set(latest))}"


def test_each_environment_ran_its_part_with_no_failure_but_documented_skips(latest):
    known = set(json.loads((RESULTS / "benchmarks.json").read_text())) - {"version"}
    for req, part in matrix_points():
        result = latest[(req["numpy"], req["pyspark"])]
        pattern = sweep.PARTS[part]
        wanted = {n for n in known if pattern is None or re.search(pattern, n)}
        missing = wanted - set(result.get_all_result_keys())
        assert not missing, f"{req['numpy']}/{req['pyspark']} ({part}) lacks {sorted(missing)}"
        for name in sorted(wanted):
            for params, value in cases(result, name):
                where = f"{name}{params} with numpy {req['numpy']}, pyspark {req['pyspark']}"
                assert value is not None, f"failed: {where}"
                if isinstance(value, float) and math.isnan(value):
                    assert documented_skip(name, params, req["pyspark"]), f"skipped: {where}"


def test_installed_versions_are_the_pinned_ones(latest):
    name = "bench_versions.TrackInstalledVersion.track_installed_version"
    for req, _ in matrix_points():
        result = latest[(req["numpy"], req["pyspark"])]
        installed = {p["library"]: v for p, v in cases(result, name)}
        pinned = {lib: version_number(req[lib]) for lib in installed}
        assert installed == pinned, (req["numpy"], req["pyspark"])


def test_version_number_round_trips():
    assert version_number("2.4.6") == 2.0406
    assert version_number("26.0.1") == 26.0001
    assert version_number("1.26.4") == 1.2604 > version_number("1.9.9")
    with pytest.raises(ValueError, match="does not fit"):
        version_number("1.100.0")


def test_committed_report_is_made_from_the_committed_results(tmp_path):
    text, table, _ = report.build(str(RESULTS), MACHINE, str(ROOT / "asv.conf.json"))
    assert (ROOT / "report" / "REPORT.md").read_text() == text + "\n"
    assert (ROOT / "report" / "cost-per-element.png").stat().st_size > 10_000
    readme = tmp_path / "README.md"
    shutil.copy(ROOT / "README.md", readme)
    report.update_readme(str(readme), table)
    assert readme.read_text() == (ROOT / "README.md").read_text(), \
        "README's headline table is stale: run make report"


def result_path(result):
    return RESULTS / get_filename(MACHINE, result.commit_hash, result.env_name)


def test_report_figure_is_the_recorded_value_per_element(latest):
    """One cell, checked against the raw JSON (not through asv's Results API)."""
    req = matrix_points()[-1][0]
    raw = json.loads(result_path(latest[(req["numpy"], req["pyspark"])]).read_text())
    values, params = raw["results"]["bench_c_to_python.TimeToList.time_tolist"][:2]
    seconds = values[list(itertools.product(*params)).index((MILLION, "'float64'"))]
    text, _, _ = report.build(str(RESULTS), MACHINE, str(ROOT / "asv.conf.json"))
    row = next(line for line in text.splitlines() if line.startswith("| `a.tolist()` "))
    assert row.split("|")[-2].strip() == report.human_time(seconds / 10**6)


def test_report_says_what_is_missing_and_never_invents_a_number(tmp_path, latest):
    """A failed benchmark, a skipped one, one never run and an environment with no
    results at all show as such (the results files are edited as raw JSON)."""
    results = tmp_path / "results"
    (results / MACHINE).mkdir(parents=True)
    shutil.copy(RESULTS / "benchmarks.json", results)
    shutil.copy(RESULTS / MACHINE / "machine.json", results / MACHINE)
    numpy_versions, spark_versions = report.load_matrix(str(ROOT / "asv.conf.json"))
    oldest = latest[(numpy_versions[0], spark_versions[-1])]
    shutil.copy(result_path(oldest), results / MACHINE)
    newest = latest[(numpy_versions[-1], spark_versions[-1])]
    raw = json.loads(result_path(newest).read_text())
    tolist = raw["results"]["bench_c_to_python.TimeToList.time_tolist"]
    tolist[0][list(itertools.product(*tolist[1])).index((MILLION, "'float64'"))] = None
    repr_full = raw["results"]["bench_c_to_python.TimeReprFull.time_repr_full"]
    repr_full[0] = [float("nan")] * len(repr_full[0])
    del raw["results"]["bench_loops.TimeLoopSum.time_sum"]
    (results / MACHINE / result_path(newest).name).write_text(json.dumps(raw))

    text, table, sections = report.build(str(results), MACHINE, str(ROOT / "asv.conf.json"))
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
            for line in text.splitlines() if line.startswith("| ")}
    assert rows["`a.tolist()`"][-1] == "failed"
    assert rows["full `repr(a)`"][-1] == "skipped"
    assert rows["Python-loop sum"][-1] == "not run"
    assert rows["`a.tolist()`"][1] == "no results"  # NumPy 2.0.2: no file
    assert set(rows["`toPandas()`, Arrow on"][:-1]) == {"no results"}
    assert rows["`a.tolist()`"][0].endswith("ns")  # the environment that is there shows
    assert any("`a.tolist()`" in line and "NumPy 2.4.6: failed" in line for line in table)
    report.chart(str(tmp_path / "chart.png"), sections)
    assert (tmp_path / "chart.png").stat().st_size > 0
