"""The committed results are what the README and the report say they are: each
committed environment is a point of the matrix and ran its part of the suite on the
reference machine (the reference environment at least), nothing failed or was skipped
except the skips the benchmarks declare, the installed versions are the pinned ones, and
the committed boundary report is the one tools/report.py makes from these results."""

import ast
import importlib
import itertools
import json
import math
import re
import shutil

import pytest
from asv import environment
from asv.config import Config
from asv.results import get_filename

import report
import sweep
from benchmarks import common
from benchmarks.bench_versions import version_number
from conftest import ROOT

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


def declared_skip(name, params, requirements):
    """The reason the benchmark declares for skipping this case with these pins, or None;
    anything else skipped is a defect."""
    module, cls = name.split(".")[:2]
    versions = {lib: common.release(v) for lib, v in requirements.items()
                if lib in ("numpy", "pandas", "pyarrow", "pyspark")}
    return common.declared_skip(getattr(importlib.import_module(f"benchmarks.{module}"), cls),
                                params, versions)


def committed(latest):
    """[(requirements, part, Results)] of the matrix environments that have results."""
    return [(req, part, latest[(req["numpy"], req["pyspark"])])
            for req, part in matrix_points() if (req["numpy"], req["pyspark"]) in latest]


def test_committed_environments_are_matrix_points_including_the_reference(latest):
    points = {(req["numpy"], req["pyspark"]) for req, _ in matrix_points()}
    assert len(points) == 8
    assert set(latest) <= points, f"results outside the matrix: {sorted(set(latest) - points)}"
    reference = sweep.reference_pins(json.loads((ROOT / "asv.conf.json").read_text()))
    assert (reference["numpy"], reference["pyspark"]) in latest


def test_each_environment_ran_its_part_with_no_failure_but_declared_skips(latest):
    known = set(json.loads((RESULTS / "benchmarks.json").read_text())) - {"version"}
    for req, part, result in committed(latest):
        pattern = sweep.PARTS[part]
        wanted = {n for n in known if pattern is None or re.search(pattern, n)}
        missing = wanted - set(result.get_all_result_keys())
        assert not missing, f"{req['numpy']}/{req['pyspark']} ({part}) lacks {sorted(missing)}"
        for name in sorted(wanted):
            for params, value in cases(result, name):
                where = f"{name}{params} with numpy {req['numpy']}, pyspark {req['pyspark']}"
                assert value is not None, f"failed: {where}"
                if isinstance(value, float) and math.isnan(value):
                    assert declared_skip(name, params, req), f"skipped: {where}"


def test_committed_results_are_of_the_current_benchmark_versions(latest):
    """Results of an earlier measurement design (another version) are not drawn by asv;
    none are committed."""
    versions = {name: b["version"] for name, b in
                json.loads((RESULTS / "benchmarks.json").read_text()).items() if name != "version"}
    for req, _, result in committed(latest):
        for name in result.get_all_result_keys():
            assert result.benchmark_version[name] == versions[name], (name, req)


def test_installed_versions_are_the_pinned_ones(latest):
    name = "bench_versions.TrackInstalledVersion.track_installed_version"
    for req, _, result in committed(latest):
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
    results at all show as such (the results file is edited as raw JSON)."""
    results = tmp_path / "results"
    (results / MACHINE).mkdir(parents=True)
    shutil.copy(RESULTS / "benchmarks.json", results)
    shutil.copy(RESULTS / MACHINE / "machine.json", results / MACHINE)
    numpy_versions, spark_versions = report.load_matrix(str(ROOT / "asv.conf.json"))
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
    assert set(rows["`a.tolist()`"][:-1]) == {"no results"}  # older NumPy: no file
    assert rows["`toPandas()`, Arrow on"][-1].endswith("s")  # the environment that is there
    assert set(rows["`toPandas()`, Arrow on"][:-1]) == {"no results"}
    assert any("`a.tolist()`" in line and "NumPy 2.4.6: failed" in line for line in table)
    report.chart(str(tmp_path / "chart.png"), sections)
    assert (tmp_path / "chart.png").stat().st_size > 0
