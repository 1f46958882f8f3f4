"""tools/report.py on synthetic results and a synthetic confirmations file: confirmed
changes ranked in their release step, the others apart, a missing figure says why, every
row is a case of the current suite, README changes only between its markers."""

import json
import math
import subprocess
import sys
import time

import pytest
from asv import util
from asv.results import Results
from asv.runner import BenchmarkResult

import report
import sweep
from conftest import ROOT

MACHINE = "fake-machine"
CONFIG = str(ROOT / "asv.conf.json")
COMMIT = "c" * 40
TOLIST = "bench_c_to_python.TimeToList.time_tolist"
SCALAR_REPR = "bench_c_to_python.TimeScalarRepr.time_repr"
TO_ARROW = "bench_spark_conversion.TimeSparkToArrow.time_to_arrow"
REPR_FULL = "bench_c_to_python.TimeReprFull.time_repr_full"
NAN = float("nan")
# {(axis, release): {benchmark: (asv parameter strings, [value per combination])}};
# releases not listed have no results file. None: failed; nan: skipped.
RESULTS = {
    ("numpy", "1.26.4"): {TOLIST: ([["1000000"], ["'float64'"]], [None])},
    ("numpy", "2.3.5"): {TOLIST: ([["1000000"], ["'float64'"]], [0.01])},
    ("reference", None): {TOLIST: ([["1000000"], ["'float64'"]], [0.02]),
                          REPR_FULL: ([["100000"], ["'float64'"]], [NAN])},
    ("pyspark", "3.5.9"): {TO_ARROW: ([["1000000"]], [NAN])},
}


def entry(axis, a, b, benchmark, params, pair_ratios, confirmed, commit=COMMIT):
    ratio = sorted(pair_ratios)[len(pair_ratios) // 2]
    return {"axis": axis, "a": a, "b": b, "benchmark": benchmark, "params": params,
            "sweep_ratio": ratio, "pair_ratios": pair_ratios, "ratio": ratio,
            "low": min(pair_ratios), "high": max(pair_ratios), "confirmed": confirmed,
            "direction": "slower" if ratio > 1 else "faster", "commit": commit}


TOLIST_CASE = ["1000000", "'float64'"]
CHANGES = [
    entry("numpy", "2.0.2", "2.1.3", TOLIST, TOLIST_CASE, [2.1, 2.2, 2.3, 2.4, 2.5], True),
    entry("numpy", "1.26.4", "2.0.2", TOLIST, TOLIST_CASE, [1.25, 1.3, 1.3, 1.3, 1.4], True),
    entry("numpy", "1.26.4", "2.0.2", SCALAR_REPR, ["'float64'"], [0.45, 0.5, 0.5, 0.5, 0.55],
          True),
    entry("pyspark", "4.2.1", "4.3.0", TO_ARROW, ["1000000"], [0.7, 0.9, 1.1, 1.2, 1.3], False),
    entry("pandas", "3.0.6", "3.1.1", TOLIST, TOLIST_CASE, [3.0] * 5, True, commit="d" * 40),
]


def save(results_dir, env, benchmarks):
    result = Results({"machine": MACHINE, **env.requirements}, env.requirements, COMMIT,
                     1_800_000_000_000, "3.11", env.name, {})
    for name, (params, values) in benchmarks.items():
        measured = [v is not None and not math.isnan(v) for v in values]
        result.add_result({"name": name, "version": "1", "params": params}, BenchmarkResult(
            result=values, samples=[[v] * 3 if ok else None for v, ok in zip(values, measured)],
            number=[1 if ok else None for ok in measured], errcode=0, stderr="", profile=None))
    result.save(str(results_dir))


@pytest.fixture
def results_dir(tmp_path):
    results = tmp_path / "results"
    util.write_json(str(results / MACHINE / "machine.json"),
                    {"machine": MACHINE, "cpu": "Test CPU (family 1)", "num_cpu": "2"}, 1)
    for env in report.matrix_environments(CONFIG, {}):
        key = (env.axis, None if env.axis == "reference" else env.requirements[env.axis])
        if key in RESULTS:
            save(results, env, RESULTS[key])
    return results


def confirm(results_dir, changes):
    path = results_dir / "confirmations" / f"{MACHINE}.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps({"version": 1, "machine": MACHINE, "cpu": "Test CPU",
                                "commit": COMMIT, "min_effect": 1.2, "pairs": 5,
                                "changes": changes}))


def section(text, heading):
    """The lines of `text` from `heading` to the next heading of any level."""
    lines = text.splitlines()
    start = lines.index(heading)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("#")),
               len(lines))
    return lines[start + 1:end]


def table(lines):
    """{first cell: [other cells]} of the Markdown table rows among `lines`."""
    return {row.split("|")[1].strip(): [c.strip() for c in row.split("|")[2:-1]]
            for row in lines if row.startswith("| ") and not row.startswith("|--")}


def test_confirmed_changes_are_ranked_in_their_release_step(results_dir):
    confirm(results_dir, CHANGES)
    text, readme, confirmed = report.build(str(results_dir), MACHINE, CONFIG)
    numpy = "\n".join(section(text, "### NumPy: confirmed changes by release step"))
    # release steps oldest first; within a step the biggest change first (0.5 before 1.3)
    assert numpy.index("NumPy 1.26.4 -> 2.0.2:") < numpy.index(SCALAR_REPR) \
        < numpy.index(f"{TOLIST}(1000000") < numpy.index("NumPy 2.0.2 -> 2.1.3:")
    assert "| numpy 2.0.2 -> 2.1.3 " in numpy and "2.10-2.50" in numpy  # the pairs' range
    assert section(text, "### PySpark: confirmed changes by release step") == ["", "None.", ""]
    # another commit's entry (the pandas one) is not this report's
    assert section(text, "### pandas: confirmed changes by release step") == ["", "None.", ""]
    assert {(c["axis"], c["a"]) for c in confirmed} == {("numpy", "1.26.4"), ("numpy", "2.0.2")}
    rows = table(readme)
    assert rows["`a.tolist()`"] == [
        "20 ns", "NumPy 1.26.4 -> 2.0.2: 1.3x slower (pairs 1.25-1.4); "
                 "NumPy 2.0.2 -> 2.1.3: 2.3x slower (pairs 2.1-2.5)"]
    assert rows["Python-loop sum"] == ["not run", "none"]


def test_unconfirmed_and_unmeasured_candidates_are_listed_apart(results_dir):
    confirm(results_dir, CHANGES)
    text, _, _ = report.build(str(results_dir), MACHINE, CONFIG)
    apart = "\n".join(section(text, "### Candidates that did not confirm"))
    assert TO_ARROW in apart and "pyspark 4.2.1 -> 4.3.0" in apart
    assert TOLIST not in apart and SCALAR_REPR not in apart
    assert TO_ARROW not in "\n".join(section(text, "### PySpark: confirmed changes by release step"))
    # the sweep's values suggest 2.3.5 -> 2.4.6 (0.01 -> 0.02 s): no entry, so not re-measured
    unmeasured = table(section(text, "### Candidates not re-measured"))
    assert unmeasured == {"release step": ["case", "direction", "sweep ratio (new/old)"],
                          "numpy 2.3.5 -> 2.4.6": [f"`{TOLIST}(1000000, 'float64')`",
                                                   "slower", "2.00"]}


def test_an_entry_of_an_earlier_recording_of_its_case_is_not_reported(results_dir):
    """A case recorded again (sweep --again) has a new sweep ratio: the entry that
    re-measured the old one no longer stands, and the case is a candidate not re-measured."""
    step = [c for c in report.compare.compare_all(str(results_dir), MACHINE, COMMIT).cases
            if c.status == "slower"]
    assert [(c.a, c.b, c.benchmark) for c in step] == [("2.3.5", "2.4.6", TOLIST)]
    current = entry("numpy", "2.3.5", "2.4.6", TOLIST, TOLIST_CASE, [1.9, 2.0, 2.0, 2.1, 2.2], True)
    current["sweep_ratio"] = step[0].ratio
    for sweep_ratio, reported in ((step[0].ratio, True), (step[0].ratio * 1.25, False)):
        confirm(results_dir, [dict(current, sweep_ratio=sweep_ratio)])
        text, _, confirmed = report.build(str(results_dir), MACHINE, CONFIG)
        assert bool(confirmed) == reported
        unmeasured = "\n".join(section(text, "### Candidates not re-measured")) \
            if "### Candidates not re-measured" in text else ""
        assert ("numpy 2.3.5 -> 2.4.6" in unmeasured) == (not reported)


def test_the_commit_s_wall_times_are_listed_and_summed(results_dir):
    text, _, _ = report.build(str(results_dir), MACHINE, CONFIG)
    assert section(text, "## Wall time")[:2] == [
        "", f"Not recorded for this commit (the sweep and `make confirm` record it in "
            f"results/timings/{MACHINE}.json)."]
    for step, what, minutes, facts, commit in (
            ("sweep", "NumPy part", 30, {"environments": 6}, COMMIT),
            ("sweep", "NumPy part", 99, {"environments": 6}, "d" * 40),  # another commit's
            ("sweep", "TimeCollect", 8, {"environments": 5}, COMMIT),  # recorded again below
            ("sweep", "TimeCollect", 5, {"environments": 5, "again": True}, COMMIT),
            ("sweep", "TrackSparkOverhead", 0.5, {"environments": 1}, COMMIT),
            ("confirm", "numpy, pyspark, pandas", 12.5, {"candidates": 7}, COMMIT)):
        report.wall_times.record(str(results_dir), MACHINE, commit, step, what,
                                 time.time() - 60 * minutes, **facts)
    text, _, _ = report.build(str(results_dir), MACHINE, CONFIG)
    lines = section(text, "## Wall time")
    rows = [[c.strip() for c in line.split("|")[1:-1]] for line in lines
            if line.startswith("| ") and not line.startswith("| step")]
    assert [[step, what, size, minutes] for step, what, _, size, minutes in rows] == [
        ["sweep", "NumPy part", "6 environments", "30.0"],
        ["sweep", "TimeCollect", "5 environments", "8.0"],
        ["sweep (again)", "TimeCollect", "5 environments", "5.0"],
        ["sweep", "TrackSparkOverhead", "1 environment", "0.5"],
        ["confirm", "numpy, pyspark, pandas", "7 candidates", "12.5"]]
    assert ("In all 48.0 min: the sweep's runs 35.5, the confirmations 12.5 (a run recorded "
            "again counts from that recording on).") in lines


def test_no_confirmations_file_claims_no_change(results_dir):
    text, readme, confirmed = report.build(str(results_dir), MACHINE, CONFIG)
    assert "No confirmations yet" in text and confirmed == []
    assert "### Candidates that did not confirm" not in text
    assert table(readme)["`a.tolist()`"] == ["20 ns", "not confirmed yet"]
    assert "numpy 2.3.5 -> 2.4.6" in "\n".join(section(text, "### Candidates not re-measured"))


def test_a_missing_figure_says_why(results_dir):
    text, _, _ = report.build(str(results_dir), MACHINE, CONFIG)
    numpy = table(section(text, "## Cost by NumPy release"))
    assert numpy["crossing"] == ["per", "1.26.4", "2.0.2", "2.1.3", "2.2.6", "2.3.5", "2.4.6"]
    assert numpy["`a.tolist()`"] == ["element", "failed", "no results", "no results",
                                     "no results", "10 ns", "20 ns"]
    assert numpy["full `repr(a)`"][-1] == "skipped (no declared reason)"
    assert numpy["Python-loop sum"][-1] == "not run"
    spark = table(section(text, "## Cost by PySpark release"))
    assert spark["`toArrow()`"][1:] == ["skipped: DataFrame.toArrow needs pyspark>=4.0",
                                        "no results", "no results", "no results", "not run"]
    assert "Measured on machine fake-machine: CPU Test CPU (family 1) (num_cpu: 2)." in text
    assert f"commit {COMMIT[:8]}" in text
    assert "4 of 13 environments have results at this commit: " \
           "NumPy 1.26.4, NumPy 2.3.5, PySpark 3.5.9, reference." in text


def case_problem(row):
    """Why `row` is not a case of the current suite, or None."""
    try:
        cls = report.benchmark_class(row.benchmark)
    except (ImportError, AttributeError):
        return f"{row.benchmark}: no such class"
    if not hasattr(cls, row.benchmark.rsplit(".", 1)[1]):
        return f"{row.benchmark}: no such method"
    names = list(getattr(cls, "param_names", []))
    if sorted(names) != sorted(row.params):
        return f"{row.benchmark}: parameters {names}, the row names {sorted(row.params)}"
    for name, values in zip(names, cls.params):
        if row.params[name] not in values:
            return f"{row.benchmark}: {name}={row.params[name]!r} is not one of {values}"
    if not sweep.axes_of(report.compare.case_name(row.benchmark, row.case())):
        return f"{row.benchmark}: runs on no axis of the sweep"
    return None


def test_every_crossing_row_is_a_case_of_the_current_suite():
    """A row whose case was removed (say Arrow "default", or 10**5 Spark rows) would read
    "not run" for ever: it fails here instead."""
    assert [case_problem(row) for row in report.CROSSINGS] == [None] * len(report.CROSSINGS)
    assert sum(row.headline for row in report.CROSSINGS) >= 6
    gone = report.Crossing("x", "bench_spark_conversion.TimeSparkToPandas.time_to_pandas",
                           dict(rows=10**6, arrow="default", scenario="seed"), 10**6)
    assert "arrow='default' is not one of" in case_problem(gone)
    assert "rows=100000 is not one of" in case_problem(gone._replace(
        params=dict(rows=10**5, arrow="on", scenario="seed")))


def test_readme_block_is_replaced_only_between_the_markers():
    text = f"intro\n{report.START}\nold table\n{report.END}\noutro <!-- x -->\n"
    assert report.readme_with(text, ["| a |", "| b |"]) == \
        f"intro\n{report.START}\n| a |\n| b |\n{report.END}\noutro <!-- x -->\n"
    for broken in ("no markers", f"{report.END}\n{report.START}", f"{report.START} {report.START}"
                   f" {report.END}"):
        with pytest.raises(SystemExit, match="expected one"):
            report.readme_with(broken, [])


def test_command_writes_the_report_chart_and_readme(results_dir, tmp_path):
    confirm(results_dir, CHANGES)
    readme = tmp_path / "README.md"
    readme.write_text(f"top\n{report.START}\nstale\n{report.END}\nbottom\n")
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "report.py"), "--machine",
                           MACHINE, "--results", str(results_dir), "--out", str(out),
                           "--readme", str(readme)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    text, table_lines, _ = report.build(str(results_dir), MACHINE, CONFIG)
    assert (out / "REPORT.md").read_text() == text
    assert (out / "confirmed-changes.png").read_bytes()[:4] == b"\x89PNG"
    assert readme.read_text() == f"top\n{report.START}\n" + "\n".join(table_lines) + \
        f"\n{report.END}\nbottom\n"
    assert sorted(p.name for p in out.iterdir()) == ["REPORT.md", "confirmed-changes.png"]


def test_unknown_machine_is_a_one_line_error(results_dir, tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "report.py"), "--machine",
                           "nowhere", "--results", str(results_dir), "--out", str(tmp_path),
                           "--readme", ""],
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0 and done.stderr.startswith("--machine: ")
