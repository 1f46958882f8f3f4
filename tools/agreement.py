"""`make agreement`: do asv's figures agree with an independent timer?

For each benchmark case in CASES, asv runs it (in this environment, in ROUNDS
processes, into a scratch results directory, .asv/agreement/, with --record-samples)
and pyperf times the same method independently (tools/pyperf_case.py): its own fresh
worker processes, warm-up values and clock reads, at the number of calls per sample
asv used, with the benchmark's setup before every call as asv_runner does. Both sides
are the minimum per call over their samples (asv's recorded median is printed
alongside); the ratio asv / pyperf must be within 1 +- TOLERANCE.

Fresh processes on both sides on purpose: in one long-lived process, `tolist()` of 10**6
floats gets memory that earlier calls freed and takes half the time of the same call in
a fresh process, which pays page faults for new memory (see README, "Agreement").

Usage: python tools/agreement.py --machine NAME
"""

import argparse
import itertools
import os
import re
import shutil
import subprocess
import sys

import pyperf
from asv.results import iter_results_for_machine

from scratch_asv import ROOT, commit, run_asv, scratch_config  # first: makes `benchmarks` importable

from benchmarks import common, spark_data
from formatting import human_time, markdown_table

SCRATCH = os.path.join(ROOT, ".asv", "agreement")
TOLERANCE = 0.15

M = 10**6
# (benchmark, params): one representative case per kind of crossing.
CASES = [
    ("bench_c_to_python.TimeScalarExtraction.time_index", (M, "float64")),
    ("bench_c_to_python.TimeScalarExtraction.time_item", (10**3, "int64")),
    ("bench_c_to_python.TimeScalarArithmetic.time_add", ("numpy",)),
    ("bench_c_to_python.TimeToList.time_tolist", (M, "float64")),
    ("bench_c_to_python.TimeReprSummarised.time_repr", (M, "float64")),
    ("bench_c_to_python.TimePickle.time_dumps", (M, "float64", "5")),
    ("bench_loops.TimeLoopSum.time_sum", (M, "float64", "iter_loop")),
    ("bench_loops.TimeLoopSum.time_sum", (M, "float64", "vectorized")),
    ("bench_loops.TimeGather.time_gather", (M, "float64", "fancy")),
    ("bench_spark_conversion.TimeSparkToPandas.time_to_pandas", (M, "on", "seed")),
]
# pyperf options: its defaults (20 processes x (1 warm-up + 3 values), loops calibrated
# to >= 0.1 s per value) for NumPy cases, with this environment (thread counts, size
# cap, Spark settings) passed on to its workers; a Spark worker starts a JVM, so ROUNDS
# processes, each after setup's counted warm-up (spark_data.warm_up), taking what asv
# takes: one call (asv's number selection), then its most samples. asv processes per
# case here: the NumPy benchmarks' own rounds (common.Benchmark), and as many for Spark,
# which records 1 to save JVM starts: one JVM process is one draw, so like is compared
# with like (docs/measurement.md).
ROUNDS = common.Benchmark.rounds
PYPERF_OPTIONS = ["--copy-env"]
SPARK_PYPERF_OPTIONS = ["--processes", str(ROUNDS), "--warmups", "1",
                        "--values", str(spark_data.SparkBenchmark.repeat[1])]


def case_id(name, params):
    return f"{name}({', '.join(map(repr, params))})"


def asv_figures(machine):
    """{case_id: seconds per call} as asv records them, from one `asv run`."""
    shutil.rmtree(SCRATCH, ignore_errors=True)
    config = scratch_config(SCRATCH)
    command = ["run", "--environment", f"existing:{sys.executable}", "--record-samples",
               "--set-commit-hash", commit(), "--machine", machine, "--show-stderr",
               "--attribute", f"rounds={ROUNDS}"]
    for name, params in CASES:
        # asv selects one parameter combination by its full name, as a regex
        command += ["--bench", "^" + re.escape(case_id(name, params)) + "$"]
    run_asv(config, *command, check=True)

    [result] = iter_results_for_machine(os.path.join(SCRATCH, "results"), machine)
    figures = {}
    for name in result.get_all_result_keys():
        params = result.get_result_params(name)
        for combo, median, samples, stats in zip(
                itertools.product(*params), result.get_result_value(name, params),
                result.get_result_samples(name, params), result.get_result_stats(name, params)):
            figures[f"{name}({', '.join(combo)})"] = (
                median, min(samples) if samples else None,
                int(stats["number"]) if samples else None)
    return figures


def pyperf_figure(name, params, number):
    """Minimum seconds per call of the benchmark method over pyperf's values, each of
    `number` calls (asv's)."""
    output = os.path.join(SCRATCH, f"pyperf-{case_id(name, params)}.json")
    spark = name.startswith("bench_spark")
    options = PYPERF_OPTIONS + (SPARK_PYPERF_OPTIONS if spark else [])
    run = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "pyperf_case.py"),
                          name, repr(tuple(params)), str(number), "--output", output, *options],
                         cwd=ROOT, capture_output=True, text=True)
    if run.returncode:
        sys.exit(f"agreement: pyperf failed on {case_id(name, params)}:\n{run.stdout}{run.stderr}")
    return min(pyperf.Benchmark.load(output).get_values())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--machine", required=True)
    args = parser.parse_args()

    recorded = asv_figures(args.machine)
    rows, outside = [], 0
    for name, params in CASES:
        key = case_id(name, params)
        median, asv_min, number = recorded.get(key, (None, None, None))
        if asv_min is None:
            rows.append([f"`{key}`", "no asv result", "", "", "", "", "no"])
            outside += 1
            continue
        mine = pyperf_figure(name, params, number)
        ratio = asv_min / mine
        ok = abs(ratio - 1) <= TOLERANCE
        outside += not ok
        rows.append([f"`{key}`", str(number), human_time(median), human_time(asv_min),
                     human_time(mine), f"{ratio:.3f}", "yes" if ok else "NO"])
    print("\n".join(markdown_table(
        ["benchmark (per call)", "calls/sample", "asv median", "asv min", "pyperf min",
         "asv/pyperf (min)", f"within {TOLERANCE:.0%}"], rows)))
    print(f"agreement: {len(CASES) - outside} of {len(CASES)} within {TOLERANCE:.0%}")
    return 1 if outside else 0


if __name__ == "__main__":
    sys.exit(main())
