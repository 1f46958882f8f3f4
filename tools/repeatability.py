"""`make repeat`: run the suite twice back to back in the current environment and
compare the two runs with `asv compare --factor 1.10`.

Both runs go to a scratch results directory (.asv/repeatability/), never to results/.
`asv compare` compares commits, so the first run is filed under HEAD~1's hash and the
second under HEAD's: the labels only, both runs use this working tree.

Prints asv's table, then per family (NumPy, Spark) how many benchmarks asv flagged
(changed by more than the factor and statistically significant) and the worst ratio
(max of after/before and before/after over every benchmark measured twice). The
counts are read from the two runs' results files through asv's Results API and judged
by asv compare's own test, not parsed from its printed table.
Targets (issue #5): no NumPy benchmark flagged; Spark within a factor of 1.25.

--recheck then runs every case outside its target twice more, on its own (into
.asv/repeatability/recheck/), and prints per case both ratios and whether it missed
again the same way: a miss that repeats in the same direction points at the
benchmark, one that doesn't at the machine.

Usage: python tools/repeatability.py --machine NAME [--bench REGEX] [--recheck]
"""

import argparse
import os
import re
import shutil
import sys
import time
from typing import NamedTuple

from asv.commands.compare import _isna, unroll_result
from asv.results import iter_results_for_machine_and_hash

from compare import verdict
from formatting import markdown_table
from scratch_asv import ROOT, commit, run_asv, scratch_config

SCRATCH = os.path.join(ROOT, ".asv", "repeatability")
FACTOR = 1.10
SPARK_BAND = 1.25  # issue #5's target for Spark cases; NumPy cases: not flagged at all


class Case(NamedTuple):
    """One benchmark parameter combination measured in both runs."""
    name: str       # "benchmark(param, ...)", as asv compare and --bench name it
    ratio: float    # after / before
    flagged: bool   # asv compare marks it changed: beyond FACTOR and significant


class Family(NamedTuple):
    """summarize's figures for one family of benchmarks (NumPy or Spark)."""
    flagged: list     # [(name, ratio)] of the cases asv flagged
    worst: float      # the largest spread over its cases
    worst_name: str
    measured: int     # cases measured in both runs


def figures(results_dir, machine, commit_hash):
    """{name: (value, (stats, samples), benchmark version)} of one run, read through asv's
    Results API and named by asv compare's unroll_result (one environment per run)."""
    found = {}
    for result in iter_results_for_machine_and_hash(results_dir, machine, commit_hash):
        for key in result.get_all_result_keys():
            params = result.get_result_params(key)
            for name, value, stats, samples in unroll_result(
                    key, params, result.get_result_value(key, params),
                    result.get_result_stats(key, params), result.get_result_samples(key, params)):
                found[name] = (value, (stats, samples), result.benchmark_version.get(key))
    return found


def compared(results_dir, machine, before, after, factor=FACTOR):
    """[Case] of every benchmark that neither run failed or skipped, flagged as `asv compare
    --factor` flags it (asv's own test: the ratio beyond `factor` and the two runs'
    confidence intervals or samples telling them apart)."""
    first, second = figures(results_dir, machine, before), figures(results_dir, machine, after)
    cases = []
    for name in sorted(first.keys() & second.keys()):
        (old, old_ss, old_version), (new, new_ss, new_version) = first[name], second[name]
        if _isna(old) or _isna(new) or old == 0:
            continue  # asv compare's "n/a"
        comparable = None in (old_version, new_version) or old_version == new_version
        flagged = comparable and verdict(old, new, old_ss, new_ss, factor) != "unchanged"
        cases.append(Case(name, new / old, flagged))
    return cases


def family(name):
    return "Spark" if name.startswith("bench_spark") else "NumPy"


def spread(ratio):
    """How far a ratio is from 1, either way: a halving counts as much as a doubling."""
    return max(ratio, 1 / ratio) if ratio > 0 else float("inf")


def summarize(cases):
    """{family: Family} over the compared cases."""
    summary = {}
    for case in cases:
        flagged, worst, worst_name, measured = summary.get(family(case.name), ([], 1.0, "", 0))
        if spread(case.ratio) > worst:
            worst, worst_name = spread(case.ratio), case.name
        if case.flagged:
            flagged = flagged + [(case.name, case.ratio)]
        summary[family(case.name)] = Family(flagged, worst, worst_name, measured + 1)
    return summary


def misses(cases):
    """{name: ratio} of the cases outside their target: NumPy cases asv flagged, Spark
    cases beyond SPARK_BAND."""
    return {case.name: case.ratio for case in cases
            if (family(case.name) == "Spark" and spread(case.ratio) > SPARK_BAND)
            or (family(case.name) == "NumPy" and case.flagged)}


def run_twice(scratch, machine, bench):
    """Two asv runs of `bench` into `scratch`; prints their `asv compare` table and
    returns the compared cases, read from the results files."""
    shutil.rmtree(scratch, ignore_errors=True)
    config = scratch_config(scratch)
    labels = [commit("HEAD~1"), commit("HEAD")]
    for run, label in enumerate(labels, 1):
        print(f"repeatability: run {run}/2 (filed as {label[:8]})", flush=True)
        command = ["run", "--environment", f"existing:{sys.executable}",
                   "--set-commit-hash", label, "--machine", machine, "--show-stderr"]
        if bench:
            command += ["--bench", bench]
        start = time.monotonic()
        code = run_asv(config, *command).returncode
        if code not in (0, 2):  # 2: some benchmark failed, which compare will show
            sys.exit(f"repeatability: asv run {run} exited {code}")
        minutes, seconds = divmod(round(time.monotonic() - start), 60)
        print(f"repeatability: run {run}/2 took {minutes} min {seconds} s", flush=True)

    compare = run_asv(config, "compare", labels[0], labels[1], "--factor", str(FACTOR),
                      "--machine", machine, "--sort", "ratio", capture_output=True, text=True)
    print(compare.stdout, compare.stderr, sep="")
    if compare.returncode not in (0, 1):
        sys.exit(f"repeatability: asv compare exited {compare.returncode}")
    return compared(os.path.join(scratch, "results"), machine, labels[0], labels[1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--machine", required=True)
    parser.add_argument("--bench", help="asv --bench regex (default: the whole suite)")
    parser.add_argument("--recheck", action="store_true",
                        help="then run every case outside its target twice more, on its own")
    args = parser.parse_args()

    cases = run_twice(SCRATCH, args.machine, args.bench)
    summary = summarize(cases)
    if not summary:
        sys.exit("repeatability: no benchmark was measured in both runs")
    for name_of_family, (flagged, worst, worst_name, measured) in sorted(summary.items()):
        print(f"repeatability {name_of_family}: {len(flagged)} of {measured} benchmarks flagged "
              f"at factor {FACTOR}; worst ratio {worst:.3f} ({worst_name})")
        for name, ratio in flagged:
            print(f"  flagged: {ratio:.2f}  {name}")

    outside = misses(cases)
    if not (args.recheck and outside):
        return
    print(f"repeatability: re-running the {len(outside)} cases outside their target", flush=True)
    regex = "^(" + "|".join(re.escape(name) for name in outside) + ")$"
    recheck = run_twice(os.path.join(SCRATCH, "recheck"), args.machine, regex)
    again = {case.name: case.ratio for case in recheck}
    still = misses(recheck)
    table = []
    for name, ratio in sorted(outside.items(), key=lambda item: -spread(item[1])):
        rerun = f"{again[name]:.2f}" if name in again else "n/a"
        verdict = "no"
        if name in still:
            verdict = "yes, same way" if (still[name] > 1) == (ratio > 1) else "yes, the other way"
        table.append([f"`{name}`", f"{ratio:.2f}", rerun, verdict])
    print("\n".join(markdown_table(
        ["case", "ratio", "re-run ratio", "outside its target again"], table)))
    repeated = sum((still[name] > 1) == (outside[name] > 1) for name in still if name in outside)
    print(f"repeatability: re-run: {len(still)} of {len(outside)} cases outside their target "
          f"again, {repeated} of them the same way")


if __name__ == "__main__":
    main()
