"""`make agreement`: do asv's figures agree with an independent timer?

For each benchmark case in CASES, asv runs it (in this environment, into a scratch
results directory, .asv/agreement/, with --record-samples) and `timeit` times the same
method on the same benchmark object, outside asv: setup once, then TIMEIT_REPEAT
repeats of the same number of calls per sample that asv used. Both sides are the
minimum per call over their samples (asv's recorded median is printed alongside); the
ratio asv / timeit must be within 1 +- TOLERANCE. Same batch size matters: back-to-back
calls of `tolist()` reuse the memory the previous result freed, so 10 calls per sample
read half the time of one.

Usage: python tools/agreement.py --machine NAME
"""

import argparse
import importlib
import itertools
import os
import re
import shutil
import subprocess
import sys
import timeit

from asv.results import iter_results_for_machine

from scratch_asv import ROOT, run_asv, write_config

SCRATCH = os.path.join(ROOT, ".asv", "agreement")
TOLERANCE = 0.15

M = 10**6
# (benchmark, params): one representative case per kind of crossing.
CASES = [
    ("bench_c_to_python.TimeScalarExtraction.time_index", (M, "float64")),
    ("bench_c_to_python.TimeScalarExtraction.time_item", (10**3, "int64")),
    ("bench_c_to_python.TimeScalarArithmetic.time_add", ("numpy",)),
    ("bench_c_to_python.TimeToList.time_tolist", (M, "float64")),
    ("bench_c_to_python.TimeRepr.time_repr_summarised", (M, "float64")),
    ("bench_c_to_python.TimePickle.time_dumps", (M, "float64", "5")),
    ("bench_loops.TimeLoopSum.time_sum", (M, "float64", "iter_loop")),
    ("bench_loops.TimeLoopSum.time_sum", (M, "float64", "vectorized")),
    ("bench_loops.TimeGather.time_gather", (M, "float64", "fancy")),
    ("bench_spark_conversion.TimeSparkToPandas.time_to_pandas", (M, "on", "seed")),
]
TIMEIT_REPEAT = 30


def case_id(name, params):
    return f"{name}({', '.join(map(repr, params))})"


def asv_figures(machine):
    """{case_id: seconds per call} as asv records them, from one `asv run`."""
    shutil.rmtree(SCRATCH, ignore_errors=True)
    config = write_config(os.path.join(SCRATCH, "asv.conf.json"),
                          results_dir=os.path.join(SCRATCH, "results"),
                          html_dir=os.path.join(SCRATCH, "html"))
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout.strip()
    command = ["run", "--environment", f"existing:{sys.executable}", "--record-samples",
               "--set-commit-hash", head, "--machine", machine, "--show-stderr"]
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


def timeit_figure(name, params, number):
    """Minimum seconds per call of the benchmark method, timed by timeit in samples of
    `number` calls (asv's)."""
    module_name, class_name, method_name = name.split(".")
    cls = getattr(importlib.import_module(f"benchmarks.{module_name}"), class_name)
    bench = cls()
    bench.setup(*params)
    method = getattr(bench, method_name)
    timer = timeit.Timer(lambda: method(*params))
    timer.timeit(number)  # one warm-up sample, as asv's warm-up
    return min(timer.repeat(repeat=TIMEIT_REPEAT, number=number)) / number


def human(seconds):
    for unit, scale in (("s", 1), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--machine", required=True)
    args = parser.parse_args()

    recorded = asv_figures(args.machine)
    sys.path.insert(0, ROOT)
    rows, outside = [], 0
    for name, params in CASES:
        key = case_id(name, params)
        median, asv_min, number = recorded.get(key, (None, None, None))
        if asv_min is None:
            rows.append(f"| `{key}` | no asv result | | | | | no |")
            outside += 1
            continue
        mine = timeit_figure(name, params, number)
        ratio = asv_min / mine
        ok = abs(ratio - 1) <= TOLERANCE
        outside += not ok
        rows.append(f"| `{key}` | {number} | {human(median)} | {human(asv_min)} | "
                    f"{human(mine)} | {ratio:.3f} | {'yes' if ok else 'NO'} |")
    print("| benchmark (per call) | calls/sample | asv median | asv min | timeit min | "
          f"asv/timeit (min) | within {TOLERANCE:.0%} |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print(f"agreement: {len(CASES) - outside} of {len(CASES)} within {TOLERANCE:.0%}")
    return 1 if outside else 0


if __name__ == "__main__":
    sys.exit(main())
