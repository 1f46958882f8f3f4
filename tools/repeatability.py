"""`make repeat`: run the suite twice back to back in the current environment and
compare the two runs with `asv compare --factor 1.10`.

Both runs go to a scratch results directory (.asv/repeatability/), never to results/.
`asv compare` compares commits, so the first run is filed under HEAD~1's hash and the
second under HEAD's: the labels only, both runs use this working tree.

Prints asv's table, then per family (NumPy, Spark) how many benchmarks asv flagged
(changed by more than the factor and statistically significant) and the worst ratio
(max of after/before and before/after over every benchmark measured twice).
Targets (issue #5): no NumPy benchmark flagged; Spark within a factor of 1.25.

Usage: python tools/repeatability.py --machine NAME [--bench REGEX]
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time

from scratch_asv import ROOT, run_asv, write_config

SCRATCH = os.path.join(ROOT, ".asv", "repeatability")
FACTOR = 1.10
# One row of `asv compare`'s table: | mark | before | after | ratio | benchmark |
ROW = re.compile(r"^\|\s*([+\-x!*]?)\s*\|[^|]*\|[^|]*\|\s*(~?[0-9.]+|n/a)\s*\|\s*(bench_[^|]*?)\s*\|$")


CONFIG = os.path.join(SCRATCH, "asv.conf.json")


def asv(*args):
    return run_asv(CONFIG, *args, capture_output=args[0] == "compare", text=True)


def git(*args):
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True,
                          text=True).stdout.strip()


def summarize(table):
    """{family: (flagged, worst_ratio, worst_name, measured)} from asv compare's output;
    `flagged` lists (name, ratio) of the rows asv marked as changed."""
    summary = {}
    for line in table.splitlines():
        match = ROW.match(line)
        if not match or match.group(2) == "n/a":
            continue
        mark, ratio, name = match.group(1), float(match.group(2).lstrip("~")), match.group(3)
        family = "Spark" if name.startswith("bench_spark") else "NumPy"
        flagged, worst, worst_name, measured = summary.get(family, ([], 1.0, "", 0))
        spread = max(ratio, 1 / ratio) if ratio > 0 else float("inf")
        if spread > worst:
            worst, worst_name = spread, name
        if mark in ("+", "-"):
            flagged = flagged + [(name, ratio)]
        summary[family] = (flagged, worst, worst_name, measured + 1)
    return summary

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--machine", required=True)
    parser.add_argument("--bench", help="asv --bench regex (default: the whole suite)")
    args = parser.parse_args()

    shutil.rmtree(SCRATCH, ignore_errors=True)
    write_config(CONFIG, results_dir=os.path.join(SCRATCH, "results"),
                 html_dir=os.path.join(SCRATCH, "html"))
    labels = [git("rev-parse", "HEAD~1"), git("rev-parse", "HEAD")]
    for run, label in enumerate(labels, 1):
        print(f"repeatability: run {run}/2 (filed as {label[:8]})", flush=True)
        command = ["run", "--environment", f"existing:{sys.executable}",
                   "--set-commit-hash", label, "--machine", args.machine, "--show-stderr"]
        if args.bench:
            command += ["--bench", args.bench]
        start = time.monotonic()
        code = asv(*command).returncode
        if code not in (0, 2):  # 2: some benchmark failed, which compare will show
            sys.exit(f"repeatability: asv run {run} exited {code}")
        minutes, seconds = divmod(round(time.monotonic() - start), 60)
        print(f"repeatability: run {run}/2 took {minutes} min {seconds} s", flush=True)

    compare = asv("compare", labels[0], labels[1], "--factor", str(FACTOR),
                  "--machine", args.machine, "--sort", "ratio")
    print(compare.stdout, compare.stderr, sep="")
    if compare.returncode not in (0, 1):
        sys.exit(f"repeatability: asv compare exited {compare.returncode}")
    summary = summarize(compare.stdout)
    if not summary:
        sys.exit("repeatability: asv compare printed no comparable benchmark")
    for family, (flagged, worst, worst_name, measured) in sorted(summary.items()):
        print(f"repeatability {family}: {len(flagged)} of {measured} benchmarks flagged at "
              f"factor {FACTOR}; worst ratio {worst:.3f} ({worst_name})")
        for name, ratio in flagged:
            print(f"  flagged: {ratio:.2f}  {name}")


if __name__ == "__main__":
    main()
