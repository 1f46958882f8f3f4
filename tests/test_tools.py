"""The tools' own logic (measurement quality, sweep, report), on fixed inputs."""

import itertools
import json
import re
import shutil
import subprocess
import sys
import timeit
from importlib import metadata
from types import SimpleNamespace

import pyperf
import pytest
from asv import environment, util
from asv.config import Config
from asv.results import Results, iter_results_for_machine
from asv.runner import BenchmarkResult
from asv_runner.discovery import disc_benchmarks

import agreement
import repeatability
import report
import sweep
import wall_times
from benchmarks import common
from conftest import REPORTED_MACHINE, ROOT
import scratch_asv
from scratch_asv import asv_command, scratch_config

MACHINE = "fake-machine"
BEFORE, AFTER = "1" * 40, "2" * 40
REPR = "bench_c_to_python.TimeReprSummarised.time_repr(100000, 'float64')"
SUM = "bench_no_crossing.TimeAggregations.time_sum(1000, 'int64')"
ARROW = "bench_spark_conversion.TimeSparkToArrow.time_to_arrow(1000000)"
COLLECT = "bench_spark_conversion.TimeCollect.time_collect(10000)"
COLLECT_BIG = "bench_spark_conversion.TimeCollect.time_collect(100000)"


def samples(median, width):
    """Ten samples spread evenly over median * (1 +- width/2): asv's 99% confidence
    interval of them is about that wide, so width sets whether two runs overlap."""
    return [median * (1 + width * (i / 9 - 0.5)) for i in range(10)]


# Two runs as `make repeat` files them: {benchmark: (params, one entry per parameter
# combination: (median before, median after, spread of the samples) or None (failed
# both times) or nan (skipped both times))}. A significant NumPy change (2.44x), a NumPy
# change beyond FACTOR whose runs overlap (~1.85x), a significant Spark halving, Spark
# changes with overlapping runs inside (1.13x) and beyond (1.4x) SPARK_BAND.
RUNS = {
    "bench_c_to_python.TimeReprSummarised.time_repr":
        ([["100000"], ["'float64'"]], [(46.7e-6, 114e-6, 0.05)]),
    "bench_no_crossing.TimeAggregations.time_sum":
        ([["1000"], ["'int64'"]], [(1.36e-6, 2.52e-6, 1.5)]),
    "bench_spark_conversion.TimeSparkToArrow.time_to_arrow":
        ([["1000000"]], [(0.495, 0.277, 0.05)]),
    "bench_spark_conversion.TimeCollect.time_collect":
        ([["10000", "100000"]], [(0.0934, 0.106, 1.5), (1.0, 1.4, 1.5)]),
    "bench_spark_udf.TimeColumnTransform.time_transform":
        ([["10000"], ["'builtin'", "'python_udf'"]], [None, float("nan")]),
}


def fake_run(results_dir, commit_hash, run):
    """Run `run` (0: before, 1: after) of RUNS as a results file, written through asv's
    Results API as `asv run` writes it (statistics from the samples, samples not kept)."""
    result = Results({"machine": MACHINE}, {}, commit_hash, 0, "3.11", "existing-py", {})
    for name, (params, combos) in RUNS.items():
        measured = [isinstance(combo, tuple) for combo in combos]
        result.add_result(
            {"name": name, "version": "1", "params": params},
            BenchmarkResult(
                result=[combo[run] if ok else combo for combo, ok in zip(combos, measured)],
                samples=[samples(combo[run], combo[2]) if ok else None
                         for combo, ok in zip(combos, measured)],
                number=[1 if ok else None for ok in measured],
                errcode=0, stderr="", profile=None))
    result.save(str(results_dir))


@pytest.fixture
def results_dir(tmp_path):
    results = tmp_path / "results"
    util.write_json(str(results / MACHINE / "machine.json"), {"machine": MACHINE}, 1)
    shutil.copy(ROOT / "results" / "benchmarks.json", results)  # for asv compare
    fake_run(results, BEFORE, 0)
    fake_run(results, AFTER, 1)
    return results


@pytest.fixture
def two_runs(results_dir):
    return repeatability.compared(str(results_dir), MACHINE, BEFORE, AFTER)


def test_repeatability_reads_both_runs_through_asvs_results_api(two_runs):
    """Named as asv compare names them; failed and skipped cases are not compared;
    flagged = beyond FACTOR and significant."""
    found = {case.name: (round(case.ratio, 2), case.flagged) for case in two_runs}
    assert found == {REPR: (2.44, True), SUM: (1.85, False), ARROW: (0.56, True),
                     COLLECT: (1.13, False), COLLECT_BIG: (1.4, False)}


def test_repeatability_flags_what_asv_compare_marks(results_dir, two_runs):
    """The same two runs through `asv compare --factor FACTOR` itself: the rows it marks
    + or - are the flagged cases."""
    config = scratch_config(str(results_dir.parent))
    compare = subprocess.run(
        asv_command(config, "compare", BEFORE, AFTER, "--factor", str(repeatability.FACTOR),
                    "--machine", MACHINE), cwd=ROOT, check=True, capture_output=True, text=True)
    marked = {line.split("|")[-2].strip() for line in compare.stdout.splitlines()
              if line.startswith(("| +", "| -"))}
    assert marked == {case.name for case in two_runs if case.flagged} == {REPR, ARROW}


def test_repeatability_summary_counts_flags_and_worst_ratio_per_family(two_runs):
    summary = repeatability.summarize(two_runs)
    flagged, worst, name, measured = summary["NumPy"]
    assert ([n for n, _ in flagged], name, measured) == ([REPR], REPR, 2)  # ~1.85: not flagged
    assert abs(worst - 114 / 46.7) < 1e-9
    flagged, worst, name, measured = summary["Spark"]
    assert ([n for n, _ in flagged], name, measured) == ([ARROW], ARROW, 3)
    assert abs(worst - 0.495 / 0.277) < 1e-9  # a halving counts as much as a doubling


def test_repeatability_misses_are_flagged_numpy_and_spark_beyond_its_band(two_runs):
    # NumPy ~1.85 (not significant) and Spark ~1.13 (inside 1.25) are not misses; Spark
    # 1.4 is, significant or not
    assert {name: round(ratio, 2) for name, ratio in repeatability.misses(two_runs).items()} \
        == {REPR: 2.44, ARROW: 0.56, COLLECT_BIG: 1.4}


def test_sweep_axes_cover_the_matrix_one_library_at_a_time():
    raw = json.loads((ROOT / "asv.conf.json").read_text())
    conf = Config.load(str(ROOT / "asv.conf.json"))
    reference = sweep.reference_pins(raw)
    envs = list(environment.get_environments(conf, None))
    axes = [sweep.axis_of(env.requirements, reference) for env in envs]
    req = raw["matrix"]["req"]
    # every release of each axis against the reference pins, the reference once
    assert sorted(axes) == sorted(["reference"] + [axis for axis in sweep.AXES
                                                   for _ in req[axis][:-1]])
    for axis in sweep.AXES:
        releases = {env.requirements[axis] for env, a in zip(envs, axes) if a in (axis, "reference")}
        assert releases == set(req[axis]), axis
    for one, other in itertools.combinations(sweep.AXES, 2):
        with pytest.raises(SystemExit, match=rf"differs from the reference pins in "
                                             rf"\['{min(one, other)}', '{max(one, other)}'\]"):
            sweep.axis_of(dict(reference, **{one: req[one][0], other: req[other][0]}), reference)


def test_sweep_runs_each_benchmark_on_the_axes_with_its_library_on_the_path():
    classes = sweep.benchmark_classes(str(ROOT / "benchmarks"))
    assert classes["bench_c_to_python.TimeScalarExtraction"] == ("numpy",)
    assert classes["bench_spark_conversion.TimeSparkToPandas"] == ("pyspark", "pandas")
    assert classes["bench_spark_conversion.TimeSparkToArrow"] == ("pyspark",)
    assert classes["bench_spark_conversion.TimePandasToNumpy"] == ("numpy", "pandas")
    assert classes["bench_spark_conversion.TimeArrowToNumpy"] == ("numpy",)
    # the same call as a case of every axis: the reference environment alone
    assert classes["bench_spark_conversion.TimeSparkToNumpy"] == ("reference",)
    assert classes["bench_spark_conversion.TrackSparkOverhead"] == ("reference",)
    assert classes["bench_spark_udf.TimeColumnTransform"] == ("pyspark", "pandas")
    assert classes["bench_versions.TrackInstalledVersion"] == ("numpy", "pyspark", "pandas")
    discovered = {b.name.rsplit(".", 1)[0] for b in disc_benchmarks(str(ROOT / "benchmarks"))}
    # the one class the sweep leaves to make bench (a Connect server per case)
    assert discovered - set(classes) == {"bench_spark_conversion.TimeSparkConnect"}
    plan = sweep.groups(sweep.benchmark_cases(str(ROOT / "benchmarks")))
    assert plan[0] == ("NumPy part", ("reference", "numpy"), sweep.PARTS["numpy"])
    udf = "bench_spark_udf.TimeColumnTransform"
    assert [label for label, _, _ in plan[1:]] == [
        label for cls, axes in classes.items() if set(axes) - {"numpy"}
        for label in ([f"{udf} (reference and pyspark)", f"{udf} (pandas)"] if cls == udf
                      else [cls])]


def test_cases_that_repeat_another_call_run_in_the_reference_environment_only():
    """The Spark -> NumPy pipeline and the overhead factor time toPandas() with Arrow of
    the seed table, which the PySpark axis times itself: no axis pays for them twice."""
    cases = sweep.benchmark_cases(str(ROOT / "benchmarks"))
    for cls in ("bench_spark_conversion.TimeSparkToNumpy", "bench_spark_conversion.TrackSparkOverhead"):
        assert cases[cls] and set(cases[cls].values()) == {("reference",)}, cls
        assert [kinds for label, kinds, _ in sweep.groups(cases) if label == cls] == [("reference",)]
    assert sweep.axes_of("bench_spark_conversion.TimeSparkToPandas.time_to_pandas(1000000, 'on', 'seed')") \
        == ("pyspark", "pandas")


def test_every_environment_records_every_case_it_needs_when_runs_skip_existing():
    """The plan played as asv plays it: with --skip-existing a run skips, in an
    environment, every benchmark that has any result there (a case another run left out
    is recorded as NaN, which counts), so two runs of one benchmark in one environment
    would leave the second run's cases unrecorded. Every kind of environment must end
    with every case it needs: the reference every case of every axis."""
    cases = sweep.benchmark_cases(str(ROOT / "benchmarks"))
    benchmark = lambda case: case.split("(")[0]
    recorded = {kind: {} for kind in sweep.KINDS}  # kind -> benchmark -> cases recorded
    for _, kinds, regex in sweep.groups(cases):
        chosen = [name for by_case in cases.values() for name in by_case
                  if re.search(regex, name)]
        for kind in kinds:
            fresh = {}
            for name in chosen:
                if benchmark(name) not in recorded[kind]:
                    fresh.setdefault(benchmark(name), set()).add(name)
            recorded[kind].update(fresh)
    for kind in sweep.KINDS:
        have = set().union(*recorded[kind].values())
        want = {name for by_case in cases.values() for name, axes in by_case.items()
                if (kind == "reference" and axes) or kind in axes}
        assert want <= have, (kind, sorted(want - have)[:3])
        if kind != "reference":  # and an axis's other releases nothing it doesn't need
            assert have <= want, (kind, sorted(have - want)[:3])


def test_the_pandas_axis_runs_only_the_udfs_that_cross_as_pandas():
    """No pandas code runs in the built-in expression or the pickled row-at-a-time UDF:
    they run on the PySpark axis only, each case once per environment."""
    cases = sweep.benchmark_cases(str(ROOT / "benchmarks"))["bench_spark_udf.TimeColumnTransform"]
    on_pandas = {name for name, axes in cases.items() if "pandas" in axes}
    assert len(cases) == 8 and all("pyspark" in axes for axes in cases.values())
    assert {name.split(", ")[1].rstrip(")") for name in on_pandas} == {
        "'pandas_udf'", "'arrow_python_udf'"}
    runs = {kinds: regex for _, kinds, regex in
            sweep.groups({"bench_spark_udf.TimeColumnTransform": cases})[1:]}
    assert set(runs) == {("reference", "pyspark"), ("pandas",)}
    assert {name for name in cases if re.search(runs["pandas",], name)} == on_pandas
    assert {name for name in cases if re.search(runs["reference", "pyspark"], name)} == set(cases)
    # what compare_all compares on each axis (it searches PARTS in the case's name too)
    transform = "bench_spark_udf.TimeColumnTransform.time_transform"
    assert sweep.axes_of(f"{transform}(10000, 'builtin')") == ("pyspark",)
    assert sweep.axes_of(f"{transform}(1000000, 'pandas_udf')") == ("pyspark", "pandas")


def test_sweep_builds_the_missing_environments_in_parallel(monkeypatch):
    calls = []
    def record(config, *args, **kwargs):
        calls.append(args)

    monkeypatch.setattr(sweep, "run_asv", record)
    monkeypatch.setattr(scratch_asv, "run_asv", record)  # scratch_asv.build_environments

    def stop(conf):
        raise SystemExit("stopped after the build")

    monkeypatch.setattr(sweep, "check_installed", stop)
    monkeypatch.setattr(sys, "argv", ["sweep.py", "--machine", "test-parallel-build"])
    with pytest.raises(SystemExit, match="stopped after the build"):
        sweep.main()
    assert calls == [("setup", "--parallel")]


def test_sweep_alternates_the_release_order_between_runs(tmp_path, monkeypatch):
    monkeypatch.setattr(sweep, "SWEEP_DIR", str(tmp_path))
    raw = json.loads((ROOT / "asv.conf.json").read_text())
    orders = []
    for index, reverse in ((1, False), (2, True)):
        conf = Config.load(sweep.group_config(raw, ("reference", "pyspark", "pandas"), index,
                                              reverse))
        envs = list(environment.get_environments(conf, None))
        assert {sweep.axis_of(e.requirements, sweep.reference_pins(raw)) for e in envs} \
            == {"reference", "pyspark", "pandas"}
        assert len(envs) == len(raw["matrix"]["req"]["pyspark"]) + len(raw["matrix"]["req"]["pandas"]) - 1
        orders.append([e.name for e in envs])
    assert orders[0] == orders[1][::-1]


def test_a_run_without_the_reference_holds_only_the_axis_other_releases(tmp_path, monkeypatch):
    monkeypatch.setattr(sweep, "SWEEP_DIR", str(tmp_path))
    raw = json.loads((ROOT / "asv.conf.json").read_text())
    reference = sweep.reference_pins(raw)
    conf = Config.load(sweep.group_config(raw, ("pandas",), 1, False))
    envs = list(environment.get_environments(conf, None))
    assert sorted(e.requirements["pandas"] for e in envs) == sorted(
        v for v in raw["matrix"]["req"]["pandas"] if v != reference["pandas"])
    assert {sweep.axis_of(e.requirements, reference) for e in envs} == {"pandas"}


def test_agreement_gives_both_timers_the_same_number_of_fresh_processes(monkeypatch, tmp_path):
    """A minimum over 3 processes sits above a minimum over 20 when processes differ
    (they do on a shared VM), so each case runs in as many asv rounds as pyperf workers."""
    runs = []
    monkeypatch.setattr(agreement, "SCRATCH", str(tmp_path))
    monkeypatch.setattr(agreement, "run_asv", lambda config, *command, check: runs.append(command))
    monkeypatch.setattr(agreement, "iter_results_for_machine",
                        lambda *a: [SimpleNamespace(get_all_result_keys=lambda: [])])
    agreement.asv_figures("box")
    rounds_of = {}
    for command in runs:
        rounds = int(command[command.index("--attribute") + 1].removeprefix("rounds="))
        for i, word in enumerate(command):
            if word == "--bench":
                rounds_of[command[i + 1]] = rounds
    assert len(rounds_of) == len(agreement.CASES)
    pyperf_runs = []
    monkeypatch.setattr(agreement.subprocess, "run",
                        lambda argv, **k: (pyperf_runs.append(argv), SimpleNamespace(returncode=0))[1])
    monkeypatch.setattr(agreement.pyperf.Benchmark, "load",
                        lambda path: SimpleNamespace(get_values=lambda: [1.0]))
    for name, params in agreement.CASES:
        agreement.pyperf_figure(name, params, 1)
        argv = pyperf_runs.pop()
        pyperf_processes = int(argv[argv.index("--processes") + 1])
        assert rounds_of["^" + re.escape(agreement.case_id(name, params)) + "$"] == pyperf_processes
    assert {agreement.processes(n) for n, _ in agreement.CASES} == {3, 20}


@pytest.mark.parametrize("number", [1, 10])
def test_pyperf_case_reports_seconds_per_call(tmp_path, number):
    """make agreement's independent side divides by asv's calls per sample: tolist of
    the benchmark's array (10**4 floats, or the size cap) costs the same per call whether
    a sample holds 1 or 10 calls, and about what it costs per call timed here."""
    output = tmp_path / "case.json"
    subprocess.run([sys.executable, str(ROOT / "tools" / "pyperf_case.py"),
                    "bench_c_to_python.TimeToList.time_tolist", "(10000, 'float64')", str(number),
                    "--processes", "2", "--values", "3", "--warmups", "1", "--copy-env",
                    "--quiet", "--output", str(output)],
                   cwd=ROOT, check=True, capture_output=True)
    figure = min(pyperf.Benchmark.load(str(output)).get_values())
    a = common.array(10**4)
    direct = min(timeit.repeat(a.tolist, number=100, repeat=5)) / 100
    assert 0.5 < figure / direct < 2, (figure, direct)


def test_report_names_the_cpu_and_whatever_else_machine_json_holds(tmp_path):
    """asv's facts, any a tool added (say a NumPy SIMD level), none required."""
    machine = tmp_path / "box"
    machine.mkdir()
    (machine / "machine.json").write_text(json.dumps(
        {"arch": "x86_64", "cpu": "AMD EPYC", "machine": "box", "num_cpu": "2",
         "numpy_simd": ["AVX2", "AVX512F"], "version": 1}))
    assert report.machine_facts(str(tmp_path), "box") == \
        "Measured on machine box: CPU AMD EPYC (arch: x86_64, num_cpu: 2, numpy_simd: AVX2 AVX512F)."
    (machine / "machine.json").write_text(json.dumps({"machine": "box", "version": 1}))
    assert report.machine_facts(str(tmp_path), "box") == "Measured on machine box: CPU not recorded."
    assert "CPU not recorded" in report.machine_facts(str(tmp_path), "elsewhere")


def test_sweep_refuses_an_environment_that_does_not_hold_its_pins(tmp_path, monkeypatch):
    """pip silently replaces a pin that another can't live with (pandas 3.1 lifts NumPy
    1.26 to 2.x): the sweep checks every environment before it runs anything."""
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "python").symlink_to(sys.executable)
    numpy = metadata.version("numpy")
    env = SimpleNamespace(name="env-x", _path=str(tmp_path), requirements={"numpy": "1.26.4"})
    monkeypatch.setattr(sweep.environment, "get_environments", lambda conf, names: [env])
    with pytest.raises(SystemExit, match=rf"^sweep: environment env-x does not hold its pins: "
                                         rf"numpy {re.escape(numpy)} \(pinned 1\.26\.4\);"):
        sweep.check_installed(None)
    env.requirements = {"numpy": numpy}
    sweep.check_installed(None)
    env._path = str(tmp_path / "missing")
    with pytest.raises(SystemExit, match="is not built"):
        sweep.check_installed(None)


def test_a_run_recorded_again_replaces_the_earlier_recordings_in_the_sweep_s_cost():
    steps = [{"step": "sweep", "what": w, "again": again, "minutes": m}
             for w, again, m in (("X", False, 1), ("X", False, 2),  # interrupted, resumed
                                 ("Y", False, 4), ("Y", True, 8), ("Y", False, 16))]
    steps.append({"step": "confirm", "what": "numpy", "minutes": 32})
    assert [s["minutes"] for s in wall_times.standing(steps)] == [1, 2, 8, 16, 32]
    # A confirmation made again replaces the earlier ones of the same axes, not others';
    # a budget-cut part of it and its resumption both count.
    steps += [{"step": "confirm", "what": "pandas", "minutes": 64},
              {"step": "confirm", "what": "numpy", "again": True, "minutes": 128},
              {"step": "confirm", "what": "numpy", "minutes": 256}]
    assert [s["minutes"] for s in wall_times.standing(steps)] == [1, 2, 8, 16, 64, 128, 256]


def test_the_sweep_names_every_case_it_should_have_recorded_and_has_not(tmp_path):
    """On the committed results nothing is missing (their declared skips are no hole); a
    case skipped without a declaration and a benchmark never run are each named."""
    raw = json.loads((ROOT / "asv.conf.json").read_text())
    conf = Config.load(str(ROOT / "asv.conf.json"))
    results = [r for r in iter_results_for_machine(conf.results_dir, REPORTED_MACHINE)]
    commit = results[0].commit_hash
    assert sweep.unrecorded(conf, raw, REPORTED_MACHINE, commit) == []
    shutil.copytree(ROOT / "results" / REPORTED_MACHINE, tmp_path / REPORTED_MACHINE)
    conf.results_dir = str(tmp_path)
    reference = sweep.reference_pins(raw)
    path = next(p for p in (tmp_path / REPORTED_MACHINE).glob("*.json")
                if json.loads(p.read_text()).get("params", {}).get("pyspark") == "3.5.9")
    data = json.loads(path.read_text())
    transform = "bench_spark_udf.TimeColumnTransform.time_transform"
    data["results"][transform][0][1] = float("nan")  # (10000, 'pandas_udf'): skipped
    data["results"][transform][0][2] = None  # (10000, 'python_udf'): failed
    del data["results"]["bench_spark_conversion.TimeSparkToArrow.time_to_arrow"]
    path.write_text(json.dumps(data))
    where = f"numpy {reference['numpy']}, pyspark 3.5.9, pandas {reference['pandas']}"
    assert sweep.unrecorded(conf, raw, REPORTED_MACHINE, commit) == [
        f"bench_spark_conversion.TimeSparkToArrow.time_to_arrow({rows}) in {where}: not run"
        for rows in ("10000", "1000000")] + [
        f"{transform}(10000, 'pandas_udf') in {where}: skipped, no reason declared",
        f"{transform}(10000, 'python_udf') in {where}: failed"]
