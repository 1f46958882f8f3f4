"""The JVM warm-up curve of the Spark `time_` cases, and what a shorter counted warm-up
would change: `make warmup-curve` (BENCH= regex of asv names, default every Spark case).

Each case runs in a fresh process, as asv runs it (asv_runner's discovery and setup),
with `spark_data.warm_up` turned off, and then times up to CALLS calls one by one, each
after `redo_setup`, as asv_runner 0.3 does: call 1 is the first call the process makes.
From that curve, per case:
- the calls the benchmark's own warm-up makes (30, or fewer when they pass its 10-s
  budget) and their seconds;
- for a warm-up of K calls, where the samples would then sit: median of the calls after
  K over median of the calls after the benchmark's own warm-up, as many as asv's most
  samples of a Spark case
  (1.00 = the same estimate), and the seconds K calls cost.
Budget: a process stops after CALLS calls or BUDGET seconds of calls. One process is
one draw of the JIT's curve; PROCESSES draws are pooled call by call (median), shortest
curve first.

Usage: python tools/warmup_curve.py [--bench REGEX] [--calls N] [--budget S] [--processes P]
                                    [--json OUT]
       python tools/warmup_curve.py --worker CASE_ID CALLS BUDGET   (one case, JSON out)
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

from formatting import markdown_table

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)  # the package `benchmarks`
BENCHMARK_DIR = os.path.join(ROOT, "benchmarks")
SHORTER = (3, 5, 10, 15, 20)
# Not warmed up by spark_data.warm_up (no JVM in the timed call) or not swept.
DEFAULT_EXCLUDE = r"TimePandasToNumpy|TimeArrowToNumpy|TimeSparkConnect"
WORKER_TIMEOUT = 600


def worker(case_id, calls, budget):
    """Time the case's calls from the first; print {"calls": [seconds, ...]}."""
    from asv_runner.discovery import get_benchmark_from_name

    benchmark = get_benchmark_from_name(BENCHMARK_DIR, case_id)
    spark_data = sys.modules["benchmarks.spark_data"]
    spark_data.warm_up = lambda key, func, clock=None: None  # the curve starts at call 1
    if benchmark.do_setup():
        print(json.dumps({"skipped": True}))
        return
    times = []
    spent = 0.0
    while len(times) < calls and spent < budget:
        benchmark.redo_setup()
        start = time.perf_counter()
        benchmark.func(*benchmark._current_params)
        times.append(time.perf_counter() - start)
        spent += times[-1]
    benchmark.do_teardown()
    print(json.dumps({"calls": times}))


def own_warmup_calls(times):
    """How many of these calls `spark_data.warm_up` itself makes (its configured count,
    or fewer once its budget has passed): the curve replayed through it, on a clock
    that advances by each recorded call."""
    from benchmarks import spark_data

    now, made = [0.0], [0]

    def replay():
        if made[0] == len(times):
            raise StopIteration  # the curve is shorter than the warm-up
        now[0] += times[made[0]]
        made[0] += 1

    try:
        spark_data.warm_up(object(), replay, clock=lambda: now[0])
    except StopIteration:
        pass
    return made[0]


def summarize(times, samples=None, shorter=SHORTER):
    """{"own": calls, "own_s": seconds, "shift": {K: ratio}, "cost_s": {K: seconds}}: a
    K is left out when the curve is too short to place its samples. `samples`: asv's
    most samples of a Spark case (`repeat[1]` of spark_data.SparkBenchmark)."""
    from benchmarks import spark_data

    samples = samples or spark_data.SparkBenchmark.repeat[1]
    own = own_warmup_calls(times)
    reference = times[own:own + samples]
    out = {"own": own, "own_s": sum(times[:own]), "shift": {}, "cost_s": {}}
    if len(reference) < samples:
        return out
    ref = statistics.median(reference)
    for k in shorter:
        if k < own and len(times) >= k + samples:
            out["shift"][k] = statistics.median(times[k:k + samples]) / ref
            out["cost_s"][k] = sum(times[:k])
    return out


def pooled(curves):
    """Call by call, the median over processes' curves, as long as the shortest."""
    return [statistics.median(c[i] for c in curves) for i in range(min(map(len, curves)))]


def spark_cases(pattern):
    """Case ids ("benchmark-index") and names of the Spark time_ cases matching `pattern`
    (default: those spark_data.warm_up warms, DEFAULT_EXCLUDE left out)."""
    import itertools
    from asv_runner.discovery import disc_benchmarks

    found = []
    for bench in disc_benchmarks(BENCHMARK_DIR):
        if not bench.name.startswith("bench_spark") or not bench.name.split(".")[-1].startswith("time_"):
            continue
        combos = list(itertools.product(*bench.params)) if bench.params else [()]
        for index, combo in enumerate(combos):
            name = f"{bench.name}({', '.join(combo)})"
            if re.search(pattern, name) if pattern else not re.search(DEFAULT_EXCLUDE, name):
                found.append((f"{bench.name}-{index}" if bench.params else bench.name, name))
    return found


def run_case(case_id, calls, budget):
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    run = subprocess.run([sys.executable, __file__, "--worker", case_id, str(calls), str(budget)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=WORKER_TIMEOUT)
    if run.returncode:
        last = (run.stderr.strip() or "no output").splitlines()[-1]
        return {"error": last}
    return json.loads(run.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bench", default="", help="regex of asv case names (default: every Spark time_ case)")
    parser.add_argument("--calls", type=int, default=60, help="calls timed per case (default 60)")
    parser.add_argument("--budget", type=float, default=45.0, help="seconds of calls per case (default 45)")
    parser.add_argument("--processes", type=int, default=2, help="fresh processes per case (default 2)")
    parser.add_argument("--json", help="also write every curve here")
    parser.add_argument("--worker", nargs=3, metavar=("CASE_ID", "CALLS", "BUDGET"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        case_id, calls, budget = args.worker
        return worker(case_id, int(calls), float(budget))
    if args.calls < 1 or args.processes < 1 or args.budget <= 0:
        raise SystemExit(f"--calls and --processes must be positive integers and --budget "
                         f"positive seconds (got {args.calls}, {args.processes}, {args.budget})")
    cases = spark_cases(args.bench)
    if not cases:
        raise SystemExit(f"--bench {args.bench!r} matches no Spark time_ case")
    header = ["case", "call 1 s", "own warm-up (calls, s)"] + [f"K={k}: shift, s" for k in SHORTER]
    rows, curves = [], {}
    for case_id, name in cases:
        results = [run_case(case_id, args.calls, args.budget) for _ in range(args.processes)]
        failed = [r for r in results if "calls" not in r]
        print(f"{len(rows) + 1}/{len(cases)} {name}", file=sys.stderr, flush=True)
        if failed:
            reason = "skipped" if failed[0].get("skipped") else failed[0]["error"]
            rows.append([f"`{name}`", reason] + [""] * (len(header) - 2))
            continue
        curves[name] = [r["calls"] for r in results]
        times = pooled(curves[name])
        s = summarize(times)
        cells = [f"`{name}`", f"{times[0]:.3f}", f"{s['own']}, {s['own_s']:.1f}"]
        cells += [f"{s['shift'][k]:.2f}, {s['cost_s'][k]:.1f}" if k in s["shift"] else "-" for k in SHORTER]
        rows.append(cells)
    print("\n".join(markdown_table(header, rows)))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(curves, f, indent=1)


if __name__ == "__main__":
    main()
