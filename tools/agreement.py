"""`make agreement`: do asv's figures agree with an independent timer?

For each benchmark case in CASES, asv runs it (in this environment, into a scratch
results directory, .asv/agreement/) and `timeit` times the same method on the same
benchmark object, outside asv: setup once, then `repeat` x `number` calls, the minimum
per call. The ratio asv / timeit must be within 1 +- TOLERANCE. asv records a median,
timeit's figure is a minimum, so asv reads a little higher when the machine is busy.

Usage: python tools/agreement.py --machine NAME
"""

import argparse
import importlib
import itertools
import json
import os
import shutil
import subprocess
import sys
import timeit

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
TIMEIT_SECONDS = 0.2  # aim per repeat; slower calls get number=1


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
    command = ["run", "--environment", f"existing:{sys.executable}",
               "--set-commit-hash", head, "--machine", machine, "--show-stderr"]
    for name, params in CASES:
        # asv selects one parameter combination by its full name, as a regex
        command += ["--bench", "^" + case_id(name, params).replace("(", r"\(")
                    .replace(")", r"\)") + "$"]
    run_asv(config, *command, check=True)

    [path] = [os.path.join(dp, f) for dp, _, fs in os.walk(os.path.join(SCRATCH, "results"))
              for f in fs if f.endswith(".json") and f not in ("machine.json",
                                                                  "benchmarks.json")]
    with open(path) as f:
        data = json.load(f)
    figures = {}
    for name, row in data["results"].items():
        values, param_lists = row[0], row[1]
        for combo, value in zip(itertools.product(*param_lists), values):
            figures[f"{name}({', '.join(combo)})"] = value
    return figures


def timeit_figure(name, params):
    """Minimum seconds per call of the benchmark method, timed by timeit."""
    module_name, class_name, method_name = name.split(".")
    cls = getattr(importlib.import_module(f"benchmarks.{module_name}"), class_name)
    bench = cls()
    bench.setup(*params)
    method = getattr(bench, method_name)
    timer = timeit.Timer(lambda: method(*params))
    number, _ = timer.autorange()
    per_call = timer.timeit(number) / number
    number = max(1, int(TIMEIT_SECONDS / per_call))
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
        asv_value = recorded.get(key)
        if asv_value is None:
            rows.append(f"| `{key}` | no asv result | | | no |")
            outside += 1
            continue
        mine = timeit_figure(name, params)
        ratio = asv_value / mine
        ok = abs(ratio - 1) <= TOLERANCE
        outside += not ok
        rows.append(f"| `{key}` | {human(asv_value)} | {human(mine)} | {ratio:.3f} | "
                    f"{'yes' if ok else 'NO'} |")
    print("| benchmark (per call) | asv (median) | timeit (min) | asv/timeit | "
          f"within {TOLERANCE:.0%} |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))
    print(f"agreement: {len(CASES) - outside} of {len(CASES)} within {TOLERANCE:.0%}")
    return 1 if outside else 0


if __name__ == "__main__":
    sys.exit(main())
