"""`make sweep`: build every environment of asv.conf.json's matrix and run its part of
the suite there, recording results for the current commit under one machine name.

The matrix holds one library's releases at a time against fixed reference pins (the
last, newest value of every list in asv.conf.json). Which part of the suite runs where:
- the reference environment: everything;
- an environment that differs from it only by NumPy: the NumPy suite;
- one that differs only by PySpark: the Spark suite;
and the installed-versions track everywhere. Any other environment is a matrix error.

Every environment is recorded under the name asv gives it (for the reference one, the
name `make bench` records under too: tools/asv_identity.py), and a sweep, fresh or
resumed, refuses to start when the machine name's results folder records another CPU
than this one: a series never mixes hardware.

Resumable: the checkpoint plugin (tools/asv_checkpoint.py) saves results after every
benchmark, and each environment runs with `--skip-existing`. An environment whose
results file already holds every benchmark of its part is reported done and not
started; an interrupted one resumes at the benchmark that was in flight. Results of
other environments and of other commits are never opened for writing.

Usage: python tools/sweep.py --machine NAME [--dry-run]
"""

import argparse
import json
import os
import re
import sys
import time

from asv import environment
from asv.config import Config
from asv.results import Results, get_filename

import asv_identity
from scratch_asv import ROOT, commit, run_asv, write_config

CONFIG = os.path.join(ROOT, "asv.conf.json")
SWEEP_DIR = os.path.join(ROOT, ".asv", "sweep")

# asv's -b: a regular expression searched in each benchmark's full name.
PARTS = {
    "numpy": r"^bench_(?!spark)",             # every NumPy module, and bench_versions
    "pyspark": r"^bench_(spark|versions)",
    "reference": None,                         # the whole suite
}


def reference_pins(raw_config):
    return asv_identity.reference_pins(raw_config["matrix"])


def part_of(requirements, reference):
    """'reference', 'numpy' or 'pyspark': which suite an environment runs."""
    differs = sorted(k for k, v in reference.items() if requirements.get(k) != v)
    if not differs:
        return "reference"
    if differs in (["numpy"], ["pyspark"]):
        return differs[0]
    raise SystemExit(f"asv.conf.json matrix: environment with {requirements} differs from "
                     f"the reference pins in {differs}; each environment may vary one of "
                     f"numpy or pyspark (see README, 'The version matrix')")


def single_env_config(raw_config, requirements, index):
    """A copy of asv.conf.json whose matrix is exactly one environment (asv can't select
    a matrix entry from the command line); same env name, env_dir and results_dir."""
    matrix = dict(raw_config["matrix"], req={k: [v] for k, v in requirements.items()})
    return write_config(os.path.join(SWEEP_DIR, f"env-{index}.json"), matrix=matrix,
                        exclude=[], include=[])


def selected_benchmarks(conf, pattern):
    """Names of the benchmarks a part runs, from the last discovery (None if unknown)."""
    path = os.path.join(conf.results_dir, "benchmarks.json")
    try:
        with open(path) as f:
            names = [name for name in json.load(f) if name != "version"]
    except (OSError, ValueError):
        return None
    return {n for n in names if pattern is None or re.search(pattern, n)}


def missing_benchmarks(conf, env, machine, commit, pattern):
    """Benchmarks of this part without a result for (machine, env, commit); None when
    the last discovery is unknown (the run itself will tell)."""
    wanted = selected_benchmarks(conf, pattern)
    if wanted is None:
        return None
    path = os.path.join(conf.results_dir, get_filename(machine, commit, env.name))
    if not os.path.isfile(path):
        return wanted
    return wanted - set(Results.load(path).get_all_result_keys())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--machine", required=True)
    parser.add_argument("--dry-run", action="store_true",
                        help="list the environments and what each would run")
    args = parser.parse_args()

    with open(CONFIG) as f:
        raw_config = json.load(f)
    conf = Config.load(CONFIG)
    conflict = asv_identity.machine_conflict(conf.results_dir, args.machine,
                                             asv_identity.cpu_identity())
    if conflict:
        sys.exit(f"sweep: {conflict}")
    envs = list(environment.get_environments(conf, None))
    reference = reference_pins(raw_config)
    head = commit()
    plan = [(env, part_of(env.requirements, reference)) for env in envs]

    print(f"sweep: {len(plan)} environments, commit {head[:8]}, machine {args.machine}",
          flush=True)
    started = time.monotonic()
    failed = []
    for i, (env, part) in enumerate(plan, 1):
        label = f"[{i}/{len(plan)}] numpy {env.requirements['numpy']}, " \
                f"pyspark {env.requirements['pyspark']} ({part} suite)"
        missing = missing_benchmarks(conf, env, args.machine, head, PARTS[part])
        if missing is not None and not missing:
            print(f"{label}: done earlier, skipped", flush=True)
            continue
        if args.dry_run:
            print(f"{label}: would run {'all' if missing is None else len(missing)} "
                  f"benchmarks", flush=True)
            continue
        print(f"{label}: running", flush=True)
        t0 = time.monotonic()
        command = ["run", f"{head}^!", "--machine", args.machine, "--skip-existing",
                   "--show-stderr"]
        if PARTS[part]:
            command += ["--bench", PARTS[part]]
        code = run_asv(single_env_config(raw_config, env.requirements, i), *command).returncode
        minutes = (time.monotonic() - t0) / 60
        # asv exits 2 when a benchmark failed: recorded, the sweep goes on.
        status = "finished" if code == 0 else f"asv exited {code}"
        print(f"{label}: {status} in {minutes:.1f} min "
              f"(sweep so far {(time.monotonic() - started) / 60:.1f} min)", flush=True)
        if code != 0:
            failed.append(label)
    print(f"sweep: {(time.monotonic() - started) / 60:.1f} min; "
          f"{len(failed)} environment(s) with failures{': ' if failed else ''}"
          f"{'; '.join(failed)}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
