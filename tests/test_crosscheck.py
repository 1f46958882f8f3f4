"""tools/crosscheck.py (`make crosscheck`): which cases it checks, its agreement rule,
its virtual environments' pin check, and one case timed end to end outside asv."""

import json
import random
import sys
from importlib import metadata

import pytest

import crosscheck
from crosscheck import Case


def change(axis, a, b, benchmark, params, ratio, confirmed=True):
    """A change of results/confirmations/<machine>.json (the fields crosscheck reads)."""
    return {"axis": axis, "a": a, "b": b, "benchmark": benchmark, "params": params,
            "sweep_ratio": ratio, "pair_ratios": [ratio] * 5, "ratio": ratio, "low": ratio,
            "high": ratio, "confirmed": confirmed,
            "direction": "slower" if ratio > 1 else "faster"}


def test_top_changes_are_the_confirmed_ones_of_largest_effect_either_way():
    confirmations = {"min_effect": 1.2, "changes": [
        change("numpy", "2.0.2", "2.1.3", "bench_loops.TimeLoopSum.time_sum", ["1000"], 1.3),
        change("numpy", "2.1.3", "2.2.6", "bench_c_to_python.TimeToList.time_tolist", ["1000"], 0.4),
        change("pyspark", "4.0.5", "4.1.4", "bench_spark_udf.TimeUdf.time_udf", ["'row'"], 3.0,
               confirmed=False),
        change("pandas", "3.0.6", "3.1.1", "bench_spark_conversion.TimeSparkToPandas.time_to_pandas",
               ["10000"], 2.0),
    ]}
    top = crosscheck.top_changes(confirmations, 2)
    # 0.4 (2.5x faster) outranks 2.0 (2x slower); the unconfirmed 3.0 is not a claim.
    assert [(c.benchmark.split(".")[1], c.asv_ratio, c.claim) for c in top] == \
        [("TimeToList", 0.4, "faster"), ("TimeSparkToPandas", 2.0, "slower")]
    assert top[0] == Case("numpy", "2.1.3", "2.2.6", "bench_c_to_python.TimeToList.time_tolist",
                          ("1000",), 0.4, "faster")
    assert len(crosscheck.top_changes(confirmations, 10)) == 3


def test_top_changes_check_every_axis_that_has_a_confirmed_change():
    confirmations = {"min_effect": 1.2, "changes": [
        change("numpy", "2.3.5", "2.4.6", "bench_c_to_python.TimeScalarArithmetic.time_sqrt", [], r)
        for r in (0.2, 0.3, 3.2, 2.0)] + [
        change("pyspark", "3.5.9", "4.0.5", "bench_spark_conversion.TimeCollect.time_collect",
               ["10000"], 1.3),
        change("pandas", "2.3.3", "3.0.6", "bench_spark_conversion.TimePandasToNumpy.time_to_numpy",
               ["False"], 1.5)]}
    top = crosscheck.top_changes(confirmations, 3)
    # NumPy's four changes are all larger, but the pandas and PySpark ones are checked
    # too; the chosen ones are listed largest first.
    assert [(c.axis, c.asv_ratio) for c in top] == [("numpy", 0.2), ("pandas", 1.5),
                                                    ("pyspark", 1.3)]
    assert [(c.axis, c.asv_ratio) for c in crosscheck.top_changes(confirmations, 4)] == [
        ("numpy", 0.2), ("numpy", 0.3), ("pandas", 1.5), ("pyspark", 1.3)]


def test_top_changes_are_of_the_confirmations_commit_only():
    # The file keeps entries of an older commit (compare.py merges); they re-measured
    # results that may be gone, so they are not this cross-check's claims.
    older = dict(change("numpy", "1.26.4", "2.0.2", "bench_loops.TimeLoopSum.time_sum",
                        ["1000"], 0.1), commit="old")
    current = dict(change("numpy", "2.0.2", "2.1.3", "bench_loops.TimeLoopSum.time_sum",
                          ["1000"], 1.5), commit="new")
    confirmations = {"min_effect": 1.2, "commit": "new", "changes": [older, current]}
    assert [c.asv_ratio for c in crosscheck.top_changes(confirmations, 5)] == [1.5]


def unchanged(axis, benchmark, cost):
    return Case(axis, "a", "b", benchmark, (str(cost),), 1.0, "unchanged")


def test_five_unchanged_cases_one_spark_then_cheap_numpy_spread_over_families():
    candidates = [
        unchanged("pyspark", "bench_spark_udf.TimeUdf.time_udf", 9),
        unchanged("pandas", "bench_spark_conversion.TimeSparkToPandas.time_to_pandas", 3),
        unchanged("pyspark", "bench_spark_conversion.TimeCollect.time_collect", 5),
        unchanged("numpy", "bench_c_to_python.TimeToList.time_tolist", 1),
        unchanged("numpy", "bench_c_to_python.TimeToList.time_tolist", 2),
        unchanged("numpy", "bench_c_to_python.TimePickle.time_dumps", 4),
        unchanged("numpy", "bench_loops.TimeLoopSum.time_sum", 8),
        unchanged("numpy", "bench_loops.TimeLoopSum.time_sum", 7),
        unchanged("numpy", "bench_no_crossing.TimeArithmetic.time_add", 6),
        unchanged("numpy", "bench_python_to_c.TimeFromPython.time_array", 30),
    ]
    cost = lambda case: float(case.params[0])
    chosen = crosscheck.unchanged_cases(candidates, cost)
    # The cheapest Spark case, then the cheapest of each NumPy module before any module
    # twice (bench_python_to_c, though dearest, before a second bench_c_to_python case).
    assert [(c.benchmark.split(".")[0], c.params[0]) for c in chosen] == [
        ("bench_spark_conversion", "3"), ("bench_c_to_python", "1"), ("bench_no_crossing", "6"),
        ("bench_loops", "7"), ("bench_python_to_c", "30")]
    shuffled = candidates[:]
    random.Random(1).shuffle(shuffled)
    assert crosscheck.unchanged_cases(shuffled, cost) == chosen
    assert len(crosscheck.unchanged_cases(candidates, cost, count=7)) == 7
    numpy_only = [c for c in candidates if not crosscheck.compare.is_spark(c.benchmark)]
    assert crosscheck.unchanged_cases(numpy_only[:2], cost) == numpy_only[:2]


@pytest.mark.parametrize("asv_ratio, independent, agree", [
    (1.50, 1.25, True),    # both slower
    (0.50, 0.80, True),    # both faster (0.80 < 1 / 1.2)
    (1.10, 0.90, True),    # both unchanged
    (1.50, 1.15, False),   # change not reproduced
    (1.50, 0.70, False),   # reproduced the other way round
    (1.00, 1.30, False),   # unchanged in asv, a change here
    (0.85, 0.80, False),   # 0.85 is within 1 / 1.2, 0.80 beyond
])
def test_agreement_is_the_same_verdict_at_min_effect(asv_ratio, independent, agree):
    """min_effect is compare.py's factor (asv compare's): beyond 1.2 or below 1/1.2."""
    assert crosscheck.agrees(asv_ratio, independent, 1.2) is agree


def test_verdict_is_symmetric_in_the_ratio():
    """2x slower and 2x faster are changes of one size: b/a and a/b swap verdicts."""
    for ratio in (1.05, 1.199, 1.201, 1.5, 2.0):
        forward, backward = crosscheck.verdict(ratio, 1.2), crosscheck.verdict(1 / ratio, 1.2)
        assert {forward, backward} in ({"unchanged"}, {"slower", "faster"})


def test_pin_check_refuses_an_environment_whose_versions_differ():
    here = {name: metadata.version(name) for name in ("numpy", "pyperf")}
    assert crosscheck.pin_differences(sys.executable, here) == []
    assert crosscheck.pin_differences(sys.executable, dict(here, numpy="1.0.0")) == \
        [f"numpy {here['numpy']} (pinned 1.0.0)"]
    assert crosscheck.pin_differences(sys.executable, {"no-such-package": "1.0"}) == \
        ["no-such-package not installed (pinned 1.0)"]


def test_an_environment_with_exactly_the_pins_is_reused(tmp_path, monkeypatch):
    """No pip run when the pins match (pip would fail here: it's switched off)."""
    python = tmp_path / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(f"#!/bin/sh\nexec {sys.executable} \"$@\"\n")
    python.chmod(0o755)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    assert crosscheck.ensure_venv(str(tmp_path), {"numpy": metadata.version("numpy")}) == str(python)


def test_release_environments_hold_the_reference_pins_but_one():
    reference = crosscheck.reference_pins()
    pins = crosscheck.release_pins("numpy", "2.0.2", reference)
    assert pins["numpy"] == "2.0.2"
    assert {k: v for k, v in pins.items() if k != "numpy"} == \
        {k: v for k, v in reference.items() if k != "numpy"}
    assert crosscheck.venv_path("numpy", "2.0.2", reference).endswith("/.asv/crosscheck/numpy-2.0.2")
    # the newest release of any axis is the reference environment: one venv for all
    assert crosscheck.venv_path("pyspark", reference["pyspark"], reference).endswith(
        "/.asv/crosscheck/reference")
    with pytest.raises(ValueError, match=r"axis must be one of .*'numpy'.* \(got 'scipy'\)"):
        crosscheck.release_pins("scipy", "1.0", reference)
    assert crosscheck.requirement_pin("pyperf") == metadata.version("pyperf")


def test_draws_run_as_asv_runs_benchmarks(monkeypatch):
    monkeypatch.setenv("BOUNDARY_BENCH_SIZE_CAP", "2000")
    monkeypatch.setenv("OMP_NUM_THREADS", "4")
    env = crosscheck.draw_environment()
    assert env["OMP_NUM_THREADS"] == env["OPENBLAS_NUM_THREADS"] == "1"
    assert "BOUNDARY_BENCH_SIZE_CAP" not in env and "BOUNDARY_BENCH_WARMUP_CALLS" not in env


def test_draws_alternate_between_releases_and_the_ratio_is_of_their_medians(monkeypatch):
    """A B A B ...; ratio = median of B's draw medians / median of A's; min of the fastest."""
    case = Case("numpy", "2.0.2", "2.4.6", "bench_loops.TimeLoopSum.time_sum", ("1000",), 1.0,
                "unchanged")
    order = []
    values = {"python-a": iter([[4.0, 5.0, 6.0], [1.0, 2.0, 9.0], [3.0, 3.0, 3.0]]),
              "python-b": iter([[8.0, 10.0, 12.0], [7.0, 9.0, 9.0], [2.0, 6.0, 7.0]])}

    def fake_draw(python, case_, number, env, output):
        order.append(python)
        return next(values[python])

    monkeypatch.setattr(crosscheck, "draw", fake_draw)
    timing = crosscheck.time_case(case, "python-a", "python-b", number=20, draws=3, env={})
    assert order == ["python-a", "python-b"] * 3
    # draw medians: A 5, 2, 3 -> 3; B 10, 9, 6 -> 9; fastest: A 1, B 2
    assert timing == crosscheck.Timing(ratio=3.0, min_ratio=2.0, draws=3)


def test_one_numpy_case_timed_end_to_end_in_fresh_processes():
    """End to end, with this interpreter standing in for both releases: real pyperf workers,
    a positive ratio, and its row in the table. (How near 1 an A/A ratio comes is a
    property of the machine's noise, measured in docs/figures.md, not asserted here.)"""
    case = Case("numpy", "2.4.6", "2.4.6", "bench_c_to_python.TimeScalarExtraction.time_item",
                ("1000", "'int64'"), 1.0, "unchanged")
    timing = crosscheck.time_case(case, sys.executable, sys.executable, number=20, draws=2,
                                  env=crosscheck.draw_environment())
    assert timing.draws == 2
    assert 0 < timing.ratio < float("inf") and 0 < timing.min_ratio < float("inf"), timing
    row = crosscheck.table_row(case, timing, 1.2)
    assert row[:5] == ["numpy", "2.4.6 -> 2.4.6",
                       "`bench_c_to_python.TimeScalarExtraction.time_item(1000, 'int64')`",
                       "unchanged", "1.000"]
    assert row[5] == f"{timing.ratio:.3f} ({crosscheck.verdict(timing.ratio, 1.2)})"
    assert row[-1] == ("yes" if crosscheck.agrees(1.0, timing.ratio, 1.2) else "NO")


def test_a_case_that_was_not_timed_does_not_agree():
    case = Case("numpy", "2.0.2", "2.1.3", "bench_loops.TimeLoopSum.time_sum", ("1000",), 1.5,
                "slower")
    row = crosscheck.table_row(case, "failed: boom", 1.2)
    assert row[3] == "slower (confirmed)" and row[5] == "failed: boom" and row[-1] == "NO"


def test_a_failing_draw_says_which_case_and_why(tmp_path):
    case = Case("numpy", "a", "b", "bench_c_to_python.TimeScalarExtraction.no_such_method",
                ("1000", "'int64'"), 1.0, "unchanged")
    with pytest.raises(RuntimeError, match=r"TimeScalarExtraction.no_such_method\(1000, 'int64'\) "
                                           r"failed in .*AttributeError"):
        crosscheck.draw(sys.executable, case, 1, crosscheck.draw_environment(),
                        str(tmp_path / "out.json"))


def test_unchanged_candidates_are_compare_alls_clearly_unchanged_cases(monkeypatch):
    from compare import Compared, Comparison

    name = "bench_loops.TimeLoopSum.time_sum"
    cases = [Comparison("numpy", "2.0.2", "2.1.3", name, ("1000",), 0, "unchanged", 1.05),
             Comparison("numpy", "2.0.2", "2.1.3", name, ("100000",), 1, "unchanged", 1.3),
             # within 1.2, but beyond half its band (sqrt(1.2) = 1.095): a coin toss
             Comparison("numpy", "2.0.2", "2.1.3", name, ("10",), 1, "unchanged", 0.9),
             Comparison("numpy", "2.0.2", "2.1.3", name, ("1000000",), 2, "slower", 1.5),
             Comparison("numpy", "1.26.4", "2.0.2", name, ("1000",), 0, "missing", None, "why")]
    asked = []
    monkeypatch.setattr(crosscheck.compare, "compare_all",
                        lambda *args: asked.append(args) or Compared("c" * 40, cases))
    assert crosscheck.unchanged_candidates("box", "c" * 40, 1.2) == [
        Case("numpy", "2.0.2", "2.1.3", name, ("1000",), 1.05, "unchanged")]
    assert asked[0][1:] == ("box", "c" * 40)


@pytest.mark.parametrize("independent, status", [(1.6, 0), (1.1, 1)])
def test_the_run_fails_when_a_confirmed_change_is_not_reproduced(tmp_path, monkeypatch,
                                                                 independent, status):
    """main() with its inputs stubbed: the table in report/crosscheck.md names machine,
    cpu and commit, and the exit status says whether the confirmed change held."""
    confirmations = {"version": 1, "machine": "box", "cpu": "Some CPU", "commit": "f" * 40,
                     "min_effect": 1.2, "pairs": 5, "changes": [
                         change("numpy", "2.0.2", "2.1.3", "bench_loops.TimeLoopSum.time_sum",
                                ["1000"], 1.5)]}
    steady = Case("numpy", "2.0.2", "2.1.3", "bench_c_to_python.TimeToList.time_tolist",
                  ("1000",), 1.0, "unchanged")
    timed = []
    monkeypatch.setattr(crosscheck, "load_confirmations", lambda machine: confirmations)
    monkeypatch.setattr(crosscheck, "sweep_results", lambda *args: {("numpy", "2.0.2"): "A"})
    monkeypatch.setattr(crosscheck, "recorded", lambda result, name, params: (1e-6, 7))
    monkeypatch.setattr(crosscheck, "unchanged_candidates", lambda *args: [steady])
    monkeypatch.setattr(crosscheck, "ensure_venv", lambda path, pins: f"python-{pins['numpy']}")
    monkeypatch.setattr(crosscheck, "time_case", lambda case, a, b, number, draws, env: (
        timed.append((case.benchmark, a, b, number, draws)) or crosscheck.Timing(
            independent if case.claim == "slower" else 1.0, 1.0, draws)))
    monkeypatch.setattr(crosscheck, "REPORT", str(tmp_path / "crosscheck.md"))
    monkeypatch.setattr(sys, "argv", ["crosscheck.py", "--machine", "box"])
    assert crosscheck.main() == status
    assert timed == [("bench_loops.TimeLoopSum.time_sum", "python-2.0.2", "python-2.1.3", 7, 9),
                     ("bench_c_to_python.TimeToList.time_tolist", "python-2.0.2",
                      "python-2.1.3", 7, 9)]
    report = (tmp_path / "crosscheck.md").read_text()
    assert "Machine box, CPU Some CPU; results of commit " + "f" * 40 in report
    assert f"| {independent:.3f} (" in report and report.count("| yes ") == 2 - status


def test_the_cross_check_refuses_another_cpus_results_in_one_line(tmp_path, monkeypatch):
    """Its table sets asv's ratios beside ratios timed here: both must be one CPU's."""
    (tmp_path / "box").mkdir()
    (tmp_path / "box" / "machine.json").write_text(json.dumps({"cpu": "Some CPU"}))
    monkeypatch.setattr(crosscheck, "RESULTS", str(tmp_path))
    monkeypatch.setattr(crosscheck.asv_identity, "cpu_identity", lambda: "Other CPU")
    monkeypatch.setattr(crosscheck, "load_confirmations", lambda m: pytest.fail("went on"))
    monkeypatch.setattr(sys, "argv", ["crosscheck.py", "--machine", "box"])
    with pytest.raises(SystemExit) as refused:
        crosscheck.main()
    message = str(refused.value.code)
    assert message.startswith("crosscheck: machine 'box' was measured on \"Some CPU\"")
    assert "\n" not in message and "re-measured on that CPU" in message


def test_sweep_results_are_found_by_release_and_the_reference_stands_for_every_axis(monkeypatch):
    from types import SimpleNamespace

    reference = {"numpy": "2.4.6", "pandas": "3.1.1", "pyspark": "4.3.0", "pyarrow": "26.0.1"}

    def result(commit="c" * 40, **pins):
        return SimpleNamespace(commit_hash=commit, params={**reference, "python": "3.11", **pins})
    older, newest, mixed, other_commit, not_an_axis = (
        result(numpy="2.3.5"), result(), result(numpy="2.3.5", pandas="3.0.6"),
        result("d" * 40, pandas="3.0.6"), result(python="3.12", pyarrow="17.0.0"))
    monkeypatch.setattr(crosscheck, "iter_results_for_machine",
                        lambda folder, machine: [older, newest, mixed, other_commit, not_an_axis])
    assert crosscheck.sweep_results("box", "c" * 40, reference) == {
        ("numpy", "2.3.5"): older, ("numpy", "2.4.6"): newest, ("pandas", "3.1.1"): newest,
        ("pyspark", "4.3.0"): newest}
