"""`make agreement`: do asv's figures agree with an independent timer?

For each benchmark case in CASES, asv runs it (in this environment, in as many fresh
processes as pyperf uses, into a scratch results directory, .asv/agreement/, with
--record-samples) and pyperf times the same method independently (tools/pyperf_case.py): its own fresh
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
# The minimum over fresh processes is compared, and one process is one draw: on a shared
# VM the same loop's per-process minimum varies widely (docs/figures.md), so the
# minimum of 3 draws sits above the minimum of 20. Both timers therefore take the same
# number of processes: pyperf's default 20 for the NumPy cases (asv's rounds raised to
# it), and for the Spark case, a JVM start per process, the benchmark's own ROUNDS.
# pyperf runs 1 warm-up + 3 values per process (loops calibrated to >= 0.1 s per value)
# with this environment (thread counts, size cap, Spark settings) passed on to its
# workers; a Spark worker takes what asv takes after setup's counted warm-up
# (spark_data.warm_up): one call (asv's number selection), then its most samples.
ROUNDS = common.Benchmark.rounds
PROCESSES = 20
PYPERF_OPTIONS = ["--copy-env", "--processes", str(PROCESSES)]
SPARK_PYPERF_OPTIONS = ["--copy-env", "--processes", str(ROUNDS), "--warmups", "1",
                        "--values", str(spark_data.SparkBenchmark.repeat[1])]


def processes(name):
    """Fresh processes per case on each side."""
    return ROUNDS if name.startswith("bench_spark") else PROCESSES


def case_id(name, params):
    return f"{name}({', '.join(map(repr, params))})"


def asv_figures(machine):
    """{case_id: (median, minimum, calls per sample)} as asv records them, from one
    `asv run` per process count."""
    shutil.rmtree(SCRATCH, ignore_errors=True)
    config = scratch_config(SCRATCH)
    for rounds in sorted({processes(name) for name, _ in CASES}):
        command = ["run", "--environment", f"existing:{sys.executable}", "--record-samples",
                   "--set-commit-hash", commit(), "--machine", machine, "--show-stderr",
                   "--attribute", f"rounds={rounds}"]
        for name, params in CASES:
            if processes(name) == rounds:
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
    options = SPARK_PYPERF_OPTIONS if name.startswith("bench_spark") else PYPERF_OPTIONS
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
