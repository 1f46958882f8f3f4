"""`make sweep`: run every environment of asv.conf.json's matrix, releases interleaved,
recording results (with their samples) for the current commit under one machine name.

The matrix holds one library's releases at a time against fixed reference pins (the
last value of every list in asv.conf.json, see docs/matrix.md): each environment is on one axis --
numpy, pyspark or pandas -- and the reference environment is on every axis. A benchmark
runs on the axes whose library is on its path (PARTS), in the environments of those axes;
one that would only repeat another case's call on every axis runs in the reference
environment alone.

Interleaving: releases that are compared with each other are measured in alternation,
so each release's samples span the same stretch of the shared machine's time.
- The NumPy part runs as one `asv run --interleave-rounds` over the NumPy axis: asv runs
  round 3 of every benchmark in every environment, then round 2, then round 1.
- Spark benchmarks have one round (a JVM start per process is their main cost), so the
  sweep runs one `asv run` per Spark benchmark class over the environments of its axes,
  in forward order for one class and reverse order for the next: no release is ever more
  than one class away from the others. A class whose cases not every axis needs (the
  UDFs: pandas only for those that cross as pandas) is split by environment, each
  environment in one run of the class (see groups).
Candidate changes are then confirmed by tools/compare.py, A B A B in fresh processes.

The sweep refuses to start when the machine name's results folder records another CPU
than this one (tools/asv_identity.py): a series never mixes hardware.

Resumable: the checkpoint plugin (tools/asv_checkpoint.py) saves results after every
benchmark, and every `asv run` has `--skip-existing`: run the sweep again after an
interruption and it resumes at the class that was in flight (a case interrupted between
its rounds keeps the rounds already recorded). Results of other commits and machines are
never opened for writing.

Checked at the end: every case each environment should have (its axis's part; the
reference environment every part) is recorded at the commit, or skipped for a reason
the benchmark declares; any other is named, and the exit status is 1 (unrecorded).
Each run's wall time goes to results/timings/ (tools/wall_times.py).

Re-recording: `--only REGEX --again` re-runs just the runs whose label matches (e.g. one
class measured while the machine was busy) without --skip-existing, interleaved as in
the sweep; asv replaces those benchmarks' results and keeps the rest of each file.

Usage: python tools/sweep.py --machine NAME [--commit HASH] [--dry-run] [--only REGEX] [--again]
"""

import argparse
import ast
import importlib
import itertools
import json
import math
import os
import re
import subprocess
import sys
import time

from asv import environment
from asv.config import Config
from asv.results import iter_results_for_machine_and_hash
from asv_runner.discovery import disc_benchmarks

import asv_identity
import wall_times
from scratch_asv import ROOT, build_environments, commit, run_asv, write_config  # ROOT first: makes `benchmarks` importable
from benchmarks import common

CONFIG = os.path.join(ROOT, "asv.conf.json")
SWEEP_DIR = os.path.join(ROOT, ".asv", "sweep")
AXES = asv_identity.AXES

# Which benchmarks each axis runs (asv's -b: a regular expression searched in each
# benchmark's full name): those with that library on their path.
PARTS = {
    "numpy": r"^(bench_(?!spark)|bench_spark_conversion\.Time(Pandas|Arrow)ToNumpy\.)",
    # Not here: Spark Connect runs in `make bench` only (a Connect server per case as well
    # as a JVM would cost a quarter of the axis); pandas -> NumPy and Arrow -> NumPy run
    # no Spark in the timed call, so a PySpark release can't change them; the pipeline
    # and the overhead factor repeat toPandas() (see "reference").
    "pyspark": r"^bench_(spark(?!_conversion\.(TimeSparkConnect|TimePandasToNumpy|"
               r"TimeArrowToNumpy|TimeSparkToNumpy|TrackSparkOverhead)\.)|versions)",
    # toPandas in its modes and column mixes (and its peak memory), createDataFrame from
    # pandas, the UDFs whose rows cross as pandas Series (the Arrow-optimised Python UDF
    # goes through pandas too: pyspark's worker applies it row by row to a Series),
    # pandas -> NumPy. Not the Spark -> NumPy pipeline: it is toPandas followed by pandas
    # -> NumPy, both on this axis already; nor the built-in expression and the pickled
    # row-at-a-time UDF, which no pandas code touches. Searched, as `asv run -b` does,
    # in "benchmark(params)".
    "pandas": r"^(bench_spark_conversion\.(TimeSparkToPandas|PeakmemSparkToPandas|"
              r"TimePandasToNumpy|TimeCreateDataFrame)\.|bench_spark_udf\.TimeColumnTransform"
              r"\.time_transform\(.*'(pandas_udf|arrow_python_udf)'\)|bench_versions\.)",
    # Run in the reference environment and on no axis: on every axis they would time a
    # call another case times (the Spark -> NumPy pipeline is toPandas(rows, 'on',
    # 'seed') plus pandas -> NumPy views, which take microseconds; the overhead factor
    # divides that pipeline by tolist()), so a release step can't move them apart from
    # that case. They stay for the reference's cost tables.
    "reference": r"^bench_spark_conversion\.(TimeSparkToNumpy|TrackSparkOverhead)\.",
}


def reference_pins(raw_config):
    return asv_identity.reference_pins(raw_config["matrix"])


def axis_of(requirements, reference):
    """'reference', or the library ('numpy', 'pyspark', 'pandas') whose release this
    environment varies."""
    axis = asv_identity.axis_of(requirements, reference)
    if axis is not None:
        return axis
    differs = sorted(k for k, v in reference.items() if requirements.get(k) != v)
    raise SystemExit(f"asv.conf.json matrix: environment with {requirements} differs from "
                     f"the reference pins in {differs}; each environment may vary one of "
                     f"{', '.join(AXES)} (see docs/matrix.md)")


def axes_of(name):
    """The axes a benchmark, or a case "benchmark(params)", runs on; ("reference",) for
    one only the reference environment runs (PARTS["reference"])."""
    axes = tuple(axis for axis in AXES if re.search(PARTS[axis], name))
    return axes or (("reference",) if re.search(PARTS["reference"], name) else ())


def benchmark_cases(benchmark_dir):
    """{'module.Class': {case name: axes}} of every discovered benchmark case that runs
    on an axis, in discovery order (asv's own discovery, in this interpreter; a case is
    named as `asv run -b` names it: "benchmark(p1, p2)")."""
    classes = {}
    for bench in disc_benchmarks(benchmark_dir):
        names = ([f"{bench.name}({', '.join(combo)})" for combo in itertools.product(*bench.params)]
                 if bench.params else [bench.name])
        for name in names:
            axes = axes_of(name)
            if axes:
                classes.setdefault(bench.name.rsplit(".", 1)[0], {})[name] = axes
    return classes


def benchmark_classes(benchmark_dir):
    """{'module.Class': axes}: the axes any case of the class runs on ("reference" when
    it runs in the reference environment alone)."""
    return {cls: tuple(a for a in (*AXES, "reference") if any(a in axes for axes in cases.values()))
            for cls, cases in benchmark_cases(benchmark_dir).items()}


# The kinds of environment: the reference one, then one per axis (its other releases).
KINDS = ("reference",) + AXES


def needs(kind, axes):
    """Whether an environment of `kind` runs a case that runs on `axes`: the reference
    environment every case any axis runs, an axis's other releases that axis's cases."""
    return bool(axes) if kind == "reference" else kind in axes


def groups(cases):
    """[(label, kinds, regex)]: the NumPy part as one interleaved run over the reference
    and the NumPy axis, then one run per class that runs on the pyspark or pandas axis,
    over the environments of the kinds that need it (`cases` as benchmark_cases gives
    them).

    A class whose cases different kinds need (the pandas axis runs only the UDFs that
    cross as pandas) gets one run per set of cases, and each environment is in exactly
    one of them: asv's --skip-existing skips a benchmark an environment has any result
    for, so a second run of the same class in that environment would record nothing."""
    plan = [("NumPy part", ("reference", "numpy"), PARTS["numpy"])]
    for cls, by_case in cases.items():
        runs = {}  # the cases, in discovery order -> the kinds that need exactly them
        for kind in KINDS:
            names = tuple(name for name, axes in by_case.items()
                          if needs(kind, [a for a in axes if a != "numpy"]))
            if names:
                runs.setdefault(names, []).append(kind)
        for names, kinds in runs.items():
            label = cls if len(runs) == 1 else f"{cls} ({' and '.join(kinds)})"
            regex = (rf"^{re.escape(cls)}\." if len(names) == len(by_case)
                     else "^(" + "|".join(re.escape(n) for n in names) + ")$")
            plan.append((label, tuple(kinds), regex))
    return plan


def group_config(raw_config, kinds, index, reverse):
    """A copy of asv.conf.json whose matrix holds the environments of `kinds` (an axis:
    its library's releases, the other libraries at their reference pins; "reference":
    the reference environment), in reverse release order when `reverse`."""
    reference = reference_pins(raw_config)
    axes = [kind for kind in kinds if kind != "reference"]
    req = {}
    for lib, values in raw_config["matrix"]["req"].items():
        values = values if lib in axes else [reference[lib]]
        req[lib] = values[::-1] if reverse else values
    matrix = dict(raw_config["matrix"], req=req)
    exclude = list(raw_config.get("exclude", []))
    if "reference" not in kinds:
        exclude.append({"req": {lib: re.escape(reference[lib]) + "$" for lib in AXES}})
    return write_config(os.path.join(SWEEP_DIR, f"group-{index}.json"), matrix=matrix,
                        exclude=exclude, include=[])


def unrecorded(conf, raw_config, machine, head):
    """["case in environment: why"] for every case the sweep should have recorded at
    `head` and has not (see needs): not run, failed, or skipped without a reason the
    benchmark declares."""
    reference = reference_pins(raw_config)
    found = {r.env_name: r for r in iter_results_for_machine_and_hash(conf.results_dir, machine, head)}
    benchmarks = list(disc_benchmarks(os.path.join(ROOT, conf.benchmark_dir)))
    missing = []
    for env in environment.get_environments(conf, None):
        kind, result = axis_of(env.requirements, reference), found.get(env.name)
        versions = {lib: common.release(v) for lib, v in env.requirements.items()
                    if lib in common.LIBRARIES}
        where = ", ".join(f"{lib} {env.requirements[lib]}" for lib in AXES)
        for bench in benchmarks:
            combos = list(itertools.product(*bench.params)) if bench.params else [None]
            recorded = result is not None and bench.name in result.get_all_result_keys()
            values = (result.get_result_value(bench.name, bench.params) if recorded else None)
            values = values if bench.params or not recorded else [values]
            cls = None
            for i, combo in enumerate(combos):
                name = f"{bench.name}({', '.join(combo)})" if combo else bench.name
                if not needs(kind, axes_of(name)):
                    continue
                value = values[i] if recorded else None
                if not recorded:
                    why = "not run"
                elif value is None:
                    why = "failed"
                elif isinstance(value, float) and math.isnan(value):
                    cls = cls or getattr(importlib.import_module(f"benchmarks.{bench.name.split('.')[0]}"),
                                         bench.name.split(".")[1])
                    params = dict(zip(bench.param_names, map(ast.literal_eval, combo or ())))
                    if common.declared_skip(cls, params, versions):
                        continue
                    why = "skipped, no reason declared"
                else:
                    continue
                missing.append(f"{name} in {where}: {why}")
    return missing


def check_matrix(conf, raw_config):
    """Every environment of the matrix is the reference or on one axis."""
    reference = reference_pins(raw_config)
    return {env.name: axis_of(env.requirements, reference)
            for env in environment.get_environments(conf, None)}


def check_installed(conf):
    """Every built environment holds exactly its pins. pip resolves each environment's
    pins together, and a pin another one can't live with is silently replaced (pandas 3.1
    upgrades NumPy 1.26 to 2.x), which would file one release's timings under another."""
    for env in environment.get_environments(conf, None):
        python = os.path.join(env._path, "bin", "python")
        if not os.path.exists(python):
            sys.exit(f"sweep: environment {env.name} is not built ({python} is missing)")
        differ = asv_identity.differences(
            asv_identity.installed(python, env.requirements)["versions"], env.requirements)
        if differ:
            sys.exit(f"sweep: environment {env.name} does not hold its pins: "
                     f"{', '.join(differ)}; make its pins installable together in "
                     f"asv.conf.json's matrix")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--machine", required=True)
    parser.add_argument("--dry-run", action="store_true",
                        help="list the runs, their environments and benchmarks")
    parser.add_argument("--commit", help="record under this commit (default HEAD): resumes a "
                                         "sweep after commits that changed no benchmark")
    parser.add_argument("--only", type=re.compile, metavar="REGEX",
                        help="only the runs whose label (as --dry-run lists them) matches")
    parser.add_argument("--again", action="store_true",
                        help="re-record what is already recorded (no --skip-existing)")
    args = parser.parse_args()

    with open(CONFIG) as f:
        raw_config = json.load(f)
    conf = Config.load(CONFIG)
    conflict = asv_identity.machine_conflict(conf.results_dir, args.machine,
                                             asv_identity.cpu_identity())
    if conflict:
        sys.exit(f"sweep: {conflict}")
    envs = check_matrix(conf, raw_config)
    if not args.dry_run:
        build_environments(CONFIG)
        check_installed(conf)
    try:
        head = commit(args.commit or "HEAD")
    except subprocess.CalledProcessError:
        sys.exit(f"sweep: --commit {args.commit}: not a commit of this repository")
    plan = groups(benchmark_cases(os.path.join(ROOT, conf.benchmark_dir)))
    if args.only:
        plan = [run for run in plan if args.only.search(run[0])]
        if not plan:
            sys.exit(f"sweep: --only {args.only.pattern}: matches no run; --dry-run lists them")

    print(f"sweep: {len(envs)} environments, {len(plan)} runs, commit {head[:8]}, "
          f"machine {args.machine}", flush=True)
    started = time.monotonic()
    failed = []
    for i, (label, kinds, regex) in enumerate(plan, 1):
        config = group_config(raw_config, kinds, i, reverse=i % 2 == 0)
        n_envs = len(list(environment.get_environments(Config.load(config), None)))
        plural = "s" if n_envs != 1 else ""
        title = f"[{i}/{len(plan)}] {label}: {n_envs} environment{plural} ({', '.join(kinds)})"
        if args.dry_run:
            print(f"{title}: --bench {regex}", flush=True)
            continue
        print(f"{title}: running", flush=True)
        t0, began = time.monotonic(), time.time()
        resume = [] if args.again else ["--skip-existing"]
        code = run_asv(config, "run", f"{head}^!", "--machine", args.machine, *resume,
                       "--interleave-rounds", "--record-samples",
                       "--show-stderr", "--bench", regex).returncode
        # asv exits 2 when a benchmark failed: recorded, the sweep goes on.
        status = "finished" if code == 0 else f"asv exited {code}"
        wall_times.record(conf.results_dir, args.machine, head, "sweep", label, began,
                          environments=n_envs, status=status, again=args.again)
        print(f"{title}: {status} in {(time.monotonic() - t0) / 60:.1f} min "
              f"(sweep so far {(time.monotonic() - started) / 60:.1f} min)", flush=True)
        if code != 0:
            failed.append(label)
    print(f"sweep: {(time.monotonic() - started) / 60:.1f} min; "
          f"{len(failed)} run(s) with failures{': ' if failed else ''}"
          f"{'; '.join(failed)}", flush=True)
    holes = [] if args.dry_run else unrecorded(conf, raw_config, args.machine, head)
    if holes:
        classes = sorted({hole.split("(")[0].split(" ")[0].rsplit(".", 1)[0] for hole in holes})
        print(f"sweep: {len(holes)} case(s) not recorded at {head[:8]}:\n  "
              + "\n  ".join(holes[:20])
              + (f"\n  ... and {len(holes) - 20} more" if len(holes) > 20 else "")
              + "\nsweep: a resumed sweep skips every benchmark that has a result in an "
                "environment, even a failed one; re-record with --only '"
              + "|".join(re.escape(c.split(".")[-1]) for c in classes) + "' --again",
              flush=True)
    return 1 if failed or holes else 0


if __name__ == "__main__":
    sys.exit(main())
