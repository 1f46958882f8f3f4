"""The measurement-quality and sweep tools' own logic, on fixed inputs."""

import json
import subprocess
import sys
import timeit

import pyperf
import pytest
from asv import environment
from asv.config import Config

from benchmarks import common
from conftest import ROOT
import repeatability  # noqa: E402  (tools/ is on sys.path: conftest)
import sweep  # noqa: E402

# Rows as asv 0.6.6's `asv compare` prints them.
COMPARE = """\
| Change   | Before [ebe3f216] <main~1>   | After [68030bae] <main>   | Ratio   | Benchmark (Parameter)                     |
|----------|------------------------------|---------------------------|---------|-------------------------------------------|
| +        | 46.7±0.5μs                   | 114±9μs                   | 2.44    | bench_c_to_python.TimeRepr.time_repr_summarised(100000, 'float64') |
|          | 1.36±0.02μs                  | 2.52±0.5μs                | ~1.85   | bench_no_crossing.TimeAggregations.time_sum(1000, 'int64') |
| -        | 495±30ms                     | 277±10ms                  | 0.56    | bench_spark_conversion.TimeSparkToArrow.time_to_arrow(1000000) |
|          | 93.4±2ms                     | 106±10ms                  | ~1.13   | bench_spark_conversion.TimeCollect.time_collect(10000) |
|          | failed                       | failed                    | n/a     | bench_spark_udf.TimeColumnTransform.time_transform(10000, 'builtin') |
"""


def test_repeatability_summary_counts_flags_and_worst_ratio_per_family():
    summary = repeatability.summarize(COMPARE)
    repr_case = "bench_c_to_python.TimeRepr.time_repr_summarised(100000, 'float64')"
    assert summary["NumPy"] == ([(repr_case, 2.44)], 2.44, repr_case, 2)  # ~1.85: not flagged
    flagged, worst, name, measured = summary["Spark"]
    arrow_case = "bench_spark_conversion.TimeSparkToArrow.time_to_arrow(1000000)"
    assert (flagged, measured, name) == ([(arrow_case, 0.56)], 2, arrow_case)
    assert abs(worst - 1 / 0.56) < 1e-9  # a halving counts as much as a doubling


def test_repeatability_misses_are_flagged_numpy_and_spark_beyond_its_band():
    # NumPy ~1.85 (not significant) and Spark ~1.13 (inside 1.25) are not misses
    assert repeatability.misses(COMPARE) == {
        "bench_c_to_python.TimeRepr.time_repr_summarised(100000, 'float64')": 2.44,
        "bench_spark_conversion.TimeSparkToArrow.time_to_arrow(1000000)": 0.56,
    }


def test_sweep_plan_and_resume_detection():
    conf = Config.load(str(ROOT / "asv.conf.json"))
    envs = list(environment.get_environments(conf, None))
    reference = sweep.reference_pins(json.loads((ROOT / "asv.conf.json").read_text()))
    parts = sorted(sweep.part_of(env.requirements, reference) for env in envs)
    assert parts == ["numpy"] * 3 + ["pyspark"] * 4 + ["reference"]
    recorded = "ecd076cfe2afb636d5c7451c7664ce703b0f475e"  # the committed sweep's commit
    for env in envs:
        pattern = sweep.PARTS[sweep.part_of(env.requirements, reference)]
        assert sweep.missing_benchmarks(conf, env, "reference-2core", recorded, pattern) == set()
        todo = sweep.missing_benchmarks(conf, env, "reference-2core", "0" * 40, pattern)
        assert todo and all(pattern is None or name.startswith("bench_") for name in todo)
    with pytest.raises(SystemExit, match=r"differs from the reference pins in \['numpy', 'pyspark'\]"):
        sweep.part_of(dict(reference, numpy="1.26.4", pyspark="3.5.9"), reference)


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
