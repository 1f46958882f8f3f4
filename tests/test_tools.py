"""The measurement-quality and sweep tools' own logic, on fixed inputs."""

import json

import pytest
from asv import environment
from asv.config import Config

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
    assert summary["NumPy"] == (1, 2.44, "bench_c_to_python.TimeRepr.time_repr_summarised(100000, 'float64')", 2)
    flagged, worst, name, measured = summary["Spark"]
    assert (flagged, measured, name) == (1, 2, "bench_spark_conversion.TimeSparkToArrow.time_to_arrow(1000000)")
    assert abs(worst - 1 / 0.56) < 1e-9  # a halving counts as much as a doubling


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
