"""Each benchmark times what its name says: operands, sizes and sampling that match the
claim in its docstring, and an explicit asv version that the docs account for."""

import ast
import contextlib
import importlib
import io
import itertools
import json
import os
import re
import sys

import numpy as np
import pytest
from asv_runner.discovery import disc_benchmarks

from benchmarks import bench_c_to_python, bench_no_crossing, bench_spark_conversion, common
from conftest import ROOT

BENCHMARKS = list(disc_benchmarks(str(ROOT / "benchmarks")))


@pytest.mark.parametrize("dtype", common.DTYPES)
def test_arithmetic_operands_are_two_distinct_contiguous_arrays(dtype):
    bench = bench_no_crossing.TimeArithmetic()
    bench.setup(10**6, dtype)
    for operand in (bench.a, bench.b):
        assert operand.flags.c_contiguous and operand.strides == (operand.itemsize,)
    assert not np.shares_memory(bench.a, bench.b)
    assert not np.array_equal(bench.a, bench.b)
    assert bench.b.dtype == bench.a.dtype and len(bench.b) == len(bench.a)


def test_summarised_repr_is_summarised_at_every_size_it_runs():
    """Checked at the real sizes (not the test cap): NumPy prints arrays of up to
    `threshold` elements in full."""
    sizes = bench_c_to_python.TimeReprSummarised.params[0]
    assert all(n > np.get_printoptions()["threshold"] for n in sizes)
    for n in sizes:
        text = repr(np.zeros(n))
        assert "..." in text and len(text) < 200


def test_scalar_repr_has_no_array_size_parameter():
    assert bench_c_to_python.TimeScalarRepr.param_names == ["dtype"]
    bench = bench_c_to_python.TimeScalarRepr()
    bench.setup("float64")
    assert len(bench.scalars) == common.BATCH
    assert all(type(x) is np.float64 for x in bench.scalars)


@pytest.mark.parametrize("cls, params", [
    (bench_spark_conversion.TimePandasToNumpy, [(False,), (True,)]),
    (bench_spark_conversion.TimeArrowToNumpy, [()]),
])
def test_no_jvm_spark_steps_are_timed_like_the_numpy_micro_operations(cls, params):
    """Their timed call has no JVM in it: 3 rounds, asv's own warm-up, and many calls per
    sample, as the NumPy suite does; not one call per sample with no warm-up."""
    assert issubclass(cls, common.Benchmark)
    assert cls.rounds == common.Benchmark.rounds and getattr(cls, "warmup_time", -1) != 0
    for bench in BENCHMARKS:
        if bench.name.split(".")[1] != cls.__name__:
            continue
        for idx in range(len(params)):
            if bench.params:
                bench.set_param_idx(idx)
            if bench.do_setup():
                pytest.skip("needs Java and pyspark>=4.0")
            assert bench.number >= 10, (bench.name, idx)


def test_every_benchmark_has_an_explicit_version():
    """asv versions a benchmark by its source unless told: a changed class attribute or
    module constant (rounds, warm-up count, driver heap) would then draw old and new
    points as one series."""
    hashed = [b.name for b in BENCHMARKS if re.fullmatch(r"[0-9a-f]{64}", b.version)]
    assert not hashed


def test_docs_list_every_benchmark_whose_version_was_bumped():
    text = (ROOT / "docs" / "measurement.md").read_text()
    section = text.split("## Benchmark versions", 1)[1].split("\n## ", 1)[0]
    for bench in BENCHMARKS:
        if bench.version != "1":
            cls = bench.name.split(".")[1]
            assert re.search(rf"\b{cls}\b", section), f"{cls} (version {bench.version})"


def test_tests_switch_the_suite_into_test_mode_only_by_its_settings():
    """No test assigns an attribute of a benchmark module (that reaches neither asv's
    subprocesses nor anyone reading the test)."""
    pattern = re.compile(r"(setattr\((bc|bu|sd|ss|common|bench_\w+),|"
                         r"^\s*(bc|bu|sd|common|bench_\w+|spark_\w+)\.[A-Za-z_]+\s*=[^=])", re.M)
    offenders = [p.name for p in (ROOT / "tests").glob("*.py")
                 if p.name != "test_benchmark_design.py" and pattern.search(p.read_text())]
    assert not offenders


def test_benchmark_modules_import_only_public_names_of_support_modules():
    """bench_* modules import from common, spark_session and spark_data (the pattern of
    NumPy's `common` and pandas' `pandas_vb_common`), never from each other, and no
    private name."""
    for path in (ROOT / "benchmarks").glob("bench_*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level:
                modules = [node.module] if node.module else [a.name for a in node.names]
                assert not any(m.startswith("bench_") for m in modules), (path.name, modules)
                assert not any(a.name.startswith("_") for a in node.names), path.name


def declared_skips():
    for bench in BENCHMARKS:
        cls = getattr(importlib.import_module(f"benchmarks.{bench.name.split('.')[0]}"),
                      bench.name.split(".")[1])
        yield from ((cls, skip) for skip in getattr(cls, "skips", ()))


def test_docs_list_every_declared_skip():
    """Skips are declared once, on the class; the docs quote each reason."""
    docs = "".join(p.read_text() for p in (ROOT / "docs").glob("*.md")).replace("\n", " ")
    reasons = {skip.reason for _, skip in declared_skips()}
    assert len(reasons) >= 5
    missing = [r for r in reasons if r not in " ".join(docs.split())]
    assert not missing


def test_declared_skips_are_what_setup_raises():
    """The case a declaration names is skipped by setup with that reason, and its
    neighbours with other parameters are not skipped by it (NumPy side: no Spark)."""
    bench = next(b for b in BENCHMARKS if b.name.endswith("TimeReprFull.time_repr_full"))
    for idx, combo in enumerate(itertools.product(*bench.params)):
        bench.set_param_idx(idx)
        reason = common.declared_skip(bench_c_to_python.TimeReprFull,
                                      dict(zip(bench.param_names, map(ast.literal_eval, combo))),
                                      common.installed_versions())
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            skipped = bench.do_setup()
        assert skipped == (reason is not None) and (reason is None or reason in out.getvalue())


PROBE = '''
import json, os
from benchmarks import common, spark_data

class TimeProbe:
    def setup(self):
        with open(os.environ["PROBE_OUT"], "w") as f:
            json.dump([common.asv_quick_run(), spark_data.warmup_calls()], f)

    def time_probe(self):
        pass
'''


@pytest.mark.parametrize("extra, quick", [
    (dict(common.ASV_QUICK), True),   # what `asv run --quick` passes
    ({}, False),                      # a normal run
    ({"repeat": 1}, False),           # one setting from -a is not quick mode
])
def test_setup_sees_asv_quick_mode_and_warms_up_once(tmp_path, monkeypatch, extra, quick):
    # asv_runner's own loading path: the benchmark's setup runs under its wrapper.
    from asv_runner.discovery import get_benchmark_from_name

    root = tmp_path / "probe_benchmarks"
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "bench_probe.py").write_text(PROBE)
    out = tmp_path / "out.json"
    monkeypatch.setenv("PROBE_OUT", str(out))
    monkeypatch.setenv("BOUNDARY_BENCH_WARMUP_CALLS", "30")
    bench = get_benchmark_from_name(str(root), "bench_probe.TimeProbe.time_probe",
                                    extra_params=extra)
    bench.do_setup()
    assert json.loads(out.read_text()) == [quick, 1 if quick else 30]


def test_a_real_asv_quick_run_warms_up_once(tmp_path):
    """The same through `asv run --quick` itself, with asv.conf.json's launch method (a
    forkserver forks the case from a process that imported the suite), and a normal
    `asv run` of the same case for contrast."""
    from conftest import TEST_MACHINE, asv, temp_asv_config
    from scratch_asv import commit

    root = tmp_path / "probe_benchmarks"
    root.mkdir()
    (root / "__init__.py").write_text("")
    # asv clears PYTHONPATH for benchmarks: the probe puts the project on its path itself
    (root / "bench_probe.py").write_text(f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
                                         + PROBE)
    config = temp_asv_config(tmp_path, benchmark_dir=root)
    out = tmp_path / "out.json"
    env = dict(os.environ, PROBE_OUT=str(out), BOUNDARY_BENCH_WARMUP_CALLS="30")
    for args, expected in ((["--quick"], [True, 1]), (["-a", "rounds=1", "-a", "repeat=1"], [False, 30])):
        done = asv(config, "run", *args, "-E", f"existing:{sys.executable}", "--set-commit-hash",
                   commit(), "--machine", TEST_MACHINE, "--show-stderr", "-b", "TimeProbe",
                   env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        assert json.loads(out.read_text()) == expected

