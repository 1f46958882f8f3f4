"""`make crosscheck`: do the version claims hold when timed outside asv?

For N confirmed changes of results/confirmations/MACHINE.json (written by
tools/compare.py: the largest of each axis, then the largest of the rest) and UNCHANGED cases the comparison called unchanged, the same
benchmark method is timed again without asv:
- in a virtual environment of its own per release, .asv/crosscheck/<lib>-<version>/
  (.asv/crosscheck/reference for the reference pins): asv.conf.json's reference pins with
  the axis library at that release, plus requirements.txt's pyperf; an existing one is
  reused only when importlib.metadata inside it reports exactly those versions;
- by tools/pyperf_case.py as a pyperf worker: one fresh process per draw, the
  benchmark's setup before every call and outside the clock, one method call per timed
  call, asv's calls per sample (its recorded `number`), WARMUPS untimed values then
  VALUES timed ones; with asv.conf.json's env_nobuild variables (one BLAS/OpenMP thread),
  no size cap and the default Spark warm-up, as the sweep ran;
- the two releases interleaved, A B A B ..., DRAWS processes each (SPARK_DRAWS for the
  Spark modules: one JVM per draw). A draw's figure is the median of its values; the
  independent ratio is median(draws of B) / median(draws of A); the min-based ratio
  (fastest value of B over fastest of A) is printed beside it.

Agreement: asv's ratio (the confirmation's, or the sweep's for an unchanged case) and
the independent ratio get the same verdict at the comparison's min_effect: both slower,
both faster, or both unchanged. The table goes to stdout and report/crosscheck.md; the
exit status is 1 when a confirmed change is not reproduced.

Usage: python tools/crosscheck.py --machine NAME [--changes N]
"""

import argparse
import itertools
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from typing import NamedTuple

import pyperf
from asv.results import iter_results_for_machine

from scratch_asv import ROOT  # first: makes `benchmarks` importable

import asv_identity
import compare
from asv_checkpoint import replace_file
from benchmarks import common, spark_data
from formatting import markdown_table

CONFIG = os.path.join(ROOT, "asv.conf.json")
REQUIREMENTS = os.path.join(ROOT, "requirements.txt")
RESULTS = os.path.join(ROOT, "results")
CONFIRMATIONS = os.path.join(RESULTS, "confirmations")
VENVS = os.path.join(ROOT, ".asv", "crosscheck")
REPORT = os.path.join(ROOT, "report", "crosscheck.md")
PYPERF_CASE = os.path.join(ROOT, "tools", "pyperf_case.py")

CHANGES = 5
UNCHANGED = 5
# Draws per release: NumPy processes are cheap; a Spark one starts a JVM and makes its
# counted warm-up, so the minimum of 5.
DRAWS = 9
SPARK_DRAWS = 5
WARMUPS = 1
VALUES = 5
DRAW_TIMEOUT = 600  # seconds; a Spark draw is JVM start + data + warm-up + values
# Settings of the suite that would make the draws unlike the sweep's.
TEST_SETTINGS = (common.SIZE_CAP_SETTING, spark_data.WARMUP_CALLS_SETTING)


class Case(NamedTuple):
    """One benchmark case between two releases of one library (the axis)."""
    axis: str
    a: str  # the older release
    b: str
    benchmark: str  # module.Class.method
    params: tuple  # asv's parameter strings, e.g. ("1000", "'float64'")
    asv_ratio: float  # b / a as asv measured it
    claim: str  # "slower", "faster" or "unchanged"

    def label(self):
        return f"{self.benchmark}({', '.join(self.params)})"


# ------------------------------------------------------------------ what is checked

def verdict(ratio, min_effect):
    """'slower' / 'faster' / 'unchanged' for a ratio b/a by asv compare's test with
    factor min_effect (beyond it either way: > min_effect or < 1 / min_effect), as
    tools/compare.py decides it without statistics."""
    return compare.verdict(1.0, ratio, None, None, min_effect, use_stats=False)


def agrees(asv_ratio, independent_ratio, min_effect):
    return verdict(asv_ratio, min_effect) == verdict(independent_ratio, min_effect)


def load_confirmations(machine):
    path = os.path.join(CONFIRMATIONS, f"{machine}.json")
    try:
        with open(path) as f:
            return json.load(f)
    except OSError:
        sys.exit(f"crosscheck: no {os.path.relpath(path, ROOT)}; the comparison writes it "
                 f"(make confirm MACHINE={machine})")


def top_changes(confirmations, count):
    """`count` confirmed changes, as Cases: the largest of each axis that has one first
    (so a Spark-side claim is checked even when NumPy's changes are all larger), then
    the rest by effect; of the file's own commit only (compare.current_changes)."""
    confirmed = [c for c in compare.current_changes(confirmations) if c["confirmed"]]
    confirmed.sort(key=lambda c: (-compare.effect(c["ratio"]), c["benchmark"], c["params"], c["axis"]))
    leaders = [next(c for c in confirmed if c["axis"] == axis)
               for axis in dict.fromkeys(c["axis"] for c in confirmed)]
    chosen = (leaders + [c for c in confirmed if c not in leaders])[:count]
    chosen.sort(key=confirmed.index)
    return [Case(c["axis"], c["a"], c["b"], c["benchmark"], tuple(c["params"]), c["ratio"],
                 c["direction"]) for c in chosen]


def unchanged_candidates(machine, commit, min_effect):
    """The cases tools/compare.py's comparison of `commit` called unchanged, as Cases:
    only those clearly so, their ratio within half of min_effect's band on a log scale
    (asv's statistics can call a ratio beyond min_effect unchanged, and one just inside
    it is a coin toss for any second measurement)."""
    compared = compare.compare_all(RESULTS, machine, commit)
    return [Case(c.axis, c.a, c.b, c.benchmark, tuple(c.params), c.ratio, "unchanged")
            for c in compared.cases
            if c.status == "unchanged" and compare.effect(c.ratio) <= math.sqrt(min_effect)]


def unchanged_cases(candidates, cost, count=UNCHANGED):
    """`count` of the unchanged Cases `candidates`, chosen deterministically: the
    cheapest Spark one (a JVM per draw), then NumPy ones, each time from the benchmark
    module and axis chosen least so far, the cheapest by `cost(case)` (seconds per
    value)."""
    chosen = []
    spark = sorted((c for c in candidates if compare.is_spark(c.benchmark)),
                   key=lambda c: (cost(c), c))
    chosen += spark[:1]
    rest = [c for c in candidates if not compare.is_spark(c.benchmark)]
    while len(chosen) < count and rest:
        families = [c.benchmark.split(".")[0] for c in chosen]
        axes = [c.axis for c in chosen]
        pick = min(rest, key=lambda c: (families.count(c.benchmark.split(".")[0]),
                                        axes.count(c.axis), cost(c), c))
        chosen.append(pick)
        rest.remove(pick)
    return chosen


# ------------------------------------------------------------------ asv's side

def reference_pins():
    with open(CONFIG) as f:
        return asv_identity.reference_pins(json.load(f)["matrix"])


def release_pins(axis, release, reference):
    """Every library pin of the environment that has `axis` at `release`."""
    if axis not in asv_identity.AXES:
        raise ValueError(f"axis must be one of {list(asv_identity.AXES)} (got {axis!r})")
    return dict(reference, **{axis: release})


def sweep_results(machine, commit, reference):
    """{(axis, release): asv Results} of `commit`, for every release the sweep ran; the
    reference environment's results stand for each axis's newest release."""
    found = {}
    for result in iter_results_for_machine(RESULTS, machine):
        axis = asv_identity.axis_of(result.params, reference)
        if result.commit_hash != commit or axis is None:
            continue
        for axis in asv_identity.AXES if axis == "reference" else [axis]:
            found[(axis, result.params[axis])] = result
    return found


def recorded(result, benchmark, params):
    """(seconds per call, calls per sample) asv recorded for the case, or None."""
    if result is None or benchmark not in result.get_all_result_keys():
        return None
    names = result.get_result_params(benchmark)
    combos = list(itertools.product(*names))
    if tuple(params) not in combos:
        return None
    i = combos.index(tuple(params))
    value = result.get_result_value(benchmark, names)[i]
    stats = result.get_result_stats(benchmark, names)[i]
    if value is None or not stats:
        return None
    return value, int(stats["number"])


# ------------------------------------------------------------------ environments

def requirement_pin(name):
    """The exact version requirements.txt pins for `name`."""
    with open(REQUIREMENTS) as f:
        for line in f:
            package, sep, version = line.split("#")[0].strip().partition("==")
            if sep and package.lower() == name:
                return version
    raise ValueError(f"requirements.txt must pin {name} (name==version)")


def venv_path(axis, release, reference):
    name = "reference" if reference.get(axis) == release else f"{axis}-{release}"
    return os.path.join(VENVS, name)


def venv_python(path):
    return os.path.join(path, "bin", "python")


def pin_differences(python, pins):
    """One 'name found (pinned version)' entry per package of `pins` that `python`
    has at another version or not at all; [] when it has exactly the pins."""
    run = subprocess.run([python, "-c", asv_identity._INSTALLED, json.dumps(sorted(pins))],
                         capture_output=True, text=True)
    if run.returncode:
        return [f"{python} does not run ({run.stderr.strip().splitlines()[-1:]})"]
    found = json.loads(run.stdout)["versions"]
    return [f"{name} {found[name] or 'not installed'} (pinned {pin})"
            for name, pin in sorted(pins.items()) if found[name] != pin]


def ensure_venv(path, pins):
    """The python of a virtual environment at `path` with exactly `pins` installed:
    reused when it has them, else created or brought to them with pip. RuntimeError
    (one line) when pip cannot install them or they don't hold after it did."""
    python = venv_python(path)
    if os.path.exists(python) and not pin_differences(python, pins):
        return python
    where = os.path.relpath(path, ROOT)
    print(f"crosscheck: installing {where}", flush=True)
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", path], check=True)
    pip = subprocess.run([python, "-m", "pip", "install", "--quiet",
                          "--disable-pip-version-check",
                          *(f"{name}=={version}" for name, version in sorted(pins.items()))],
                         capture_output=True, text=True)
    if pip.returncode:
        errors = [line for line in pip.stderr.splitlines() if line.startswith("ERROR")]
        raise RuntimeError(f"pip cannot install the pins of {where}: "
                           f"{(errors or pip.stderr.strip().splitlines() or ['?'])[0]}")
    differ = pin_differences(python, pins)
    if differ:
        raise RuntimeError(f"{where} does not have the pinned versions after pip install: "
                           f"{', '.join(differ)}")
    return python


# ------------------------------------------------------------------ timing

def draw_environment():
    """This environment with asv.conf.json's env_nobuild variables, as asv runs a
    benchmark, and without the test settings (the sweep's runs had none)."""
    with open(CONFIG) as f:
        fixed = {name: values[0] for name, values in json.load(f)["matrix"]["env_nobuild"].items()}
    env = {k: v for k, v in os.environ.items() if k not in TEST_SETTINGS}
    return dict(env, **fixed)


def draw(python, case, number, env, output):
    """One fresh process: pyperf_case.py as a pyperf worker; its values in seconds per
    call."""
    params = "(" + "".join(f"{p}, " for p in case.params) + ")"
    if os.path.exists(output):
        os.remove(output)
    run = subprocess.run([python, PYPERF_CASE, case.benchmark, params, str(number),
                          "--worker", "--loops", "1", "--warmups", str(WARMUPS),
                          "--values", str(VALUES), "--output", output],
                         cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=DRAW_TIMEOUT)
    if run.returncode:
        last = (run.stderr.strip() or run.stdout.strip() or "no output").splitlines()[-1]
        raise RuntimeError(f"{case.label()} failed in {python}: {last}")
    return list(pyperf.Benchmark.load(output).get_values())


class Timing(NamedTuple):
    ratio: float  # median(draws of b) / median(draws of a), a draw being its median value
    min_ratio: float  # fastest value of b / fastest value of a
    draws: int  # per release


def time_case(case, python_a, python_b, number, draws, env):
    """Time the case in both releases' pythons, interleaved A B A B ..."""
    values = {"a": [], "b": []}
    with tempfile.TemporaryDirectory(prefix="crosscheck-") as tmp:
        output = os.path.join(tmp, "draw.json")
        for _ in range(draws):
            for side, python in (("a", python_a), ("b", python_b)):
                values[side].append(draw(python, case, number, env, output))
    medians = {side: statistics.median(statistics.median(v) for v in vs)
               for side, vs in values.items()}
    fastest = {side: min(min(v) for v in vs) for side, vs in values.items()}
    return Timing(medians["b"] / medians["a"], fastest["b"] / fastest["a"], draws)


# ------------------------------------------------------------------ the table

HEADERS = ["axis", "release step", "benchmark (params)", "asv claim", "asv ratio",
           "independent ratio (median)", "(min)", "agree"]


def table_row(case, timing, min_effect):
    """A row of the table; `timing` None or an error string when the case wasn't timed."""
    step = f"{case.a} -> {case.b}"
    claim = f"{case.claim}" if case.claim == "unchanged" else f"{case.claim} (confirmed)"
    if not isinstance(timing, Timing):
        return [case.axis, step, f"`{case.label()}`", claim, f"{case.asv_ratio:.3f}",
                timing or "not timed", "", "NO"]
    ok = agrees(case.asv_ratio, timing.ratio, min_effect)
    return [case.axis, step, f"`{case.label()}`", claim, f"{case.asv_ratio:.3f}",
            f"{timing.ratio:.3f} ({verdict(timing.ratio, min_effect)})",
            f"{timing.min_ratio:.3f}", "yes" if ok else "NO"]


def report_text(confirmations, rows, elapsed):
    date = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Independent cross-check of the version claims",
        "",
        "Generated by `make crosscheck` (tools/crosscheck.py; the method: "
        "docs/measurement.md, \"Independent cross-check\"). Do not edit.",
        "",
        f"Machine {confirmations['machine']}, CPU {confirmations['cpu']}; results of commit "
        f"{confirmations['commit']}; {date}; {elapsed / 60:.1f} min. Verdicts at "
        f"min_effect {confirmations['min_effect']:g} (tools/compare.py): a ratio b/a above "
        f"it is slower, below its inverse faster, else unchanged. The independent ratio is "
        f"median(B draws) / median(A draws); (min) is fastest B / fastest A.",
        "",
        *markdown_table(HEADERS, rows),
        "",
    ]
    return "\n".join(lines)


# ------------------------------------------------------------------ the run

def positive_int(text):
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"--changes (N=) must be a positive integer (got {text!r})")
    return int(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--machine", required=True)
    parser.add_argument("--changes", type=positive_int, default=CHANGES,
                        help=f"how many confirmed changes, largest first (default {CHANGES})")
    args = parser.parse_args()

    conflict = asv_identity.remeasure_conflict(RESULTS, args.machine)
    if conflict:
        sys.exit(f"crosscheck: {conflict}")
    confirmations = load_confirmations(args.machine)
    min_effect = confirmations["min_effect"]
    reference = reference_pins()
    results = sweep_results(args.machine, confirmations["commit"], reference)

    def asv_figure(case):  # what the sweep recorded for the older release
        return recorded(results.get((case.axis, case.a)), case.benchmark, case.params)

    candidates = [c for c in unchanged_candidates(args.machine, confirmations["commit"], min_effect) if asv_figure(c)]
    cases = top_changes(confirmations, args.changes) + unchanged_cases(
        candidates, cost=lambda c: asv_figure(c)[0] * asv_figure(c)[1])

    pyperf_pin = requirement_pin("pyperf")
    pythons = {}  # (axis, release) -> python, or the RuntimeError of its environment

    def python_of(axis, release):
        if (axis, release) not in pythons:
            pins = dict(release_pins(axis, release, reference), pyperf=pyperf_pin)
            try:
                pythons[(axis, release)] = ensure_venv(venv_path(axis, release, reference), pins)
            except RuntimeError as exc:
                pythons[(axis, release)] = exc
        found = pythons[(axis, release)]
        if isinstance(found, RuntimeError):
            raise found
        return found

    env = draw_environment()
    started = time.monotonic()
    rows, failures = [], 0
    for i, case in enumerate(cases, 1):
        draws = SPARK_DRAWS if compare.is_spark(case.benchmark) else DRAWS
        print(f"[{i}/{len(cases)}] {case.axis} {case.a} -> {case.b} {case.label()}: asv "
              f"{case.asv_ratio:.3f} ({case.claim}); {draws} draws per release", flush=True)
        t0 = time.monotonic()
        figure = asv_figure(case)
        if figure is None:
            timing = f"no sweep result for {case.axis} {case.a}"
        else:
            try:
                timing = time_case(case, python_of(case.axis, case.a),
                                   python_of(case.axis, case.b), figure[1], draws, env)
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                timing = f"failed: {exc}"
        row = table_row(case, timing, min_effect)
        failures += case.claim != "unchanged" and row[-1] != "yes"
        rows.append(row)
        print(f"[{i}/{len(cases)}] independent {row[5]}, min-based {row[6] or '-'}; agree: "
              f"{row[-1]} ({time.monotonic() - t0:.0f} s)", flush=True)

    elapsed = time.monotonic() - started
    print("\n".join(markdown_table(HEADERS, rows)))
    replace_file(REPORT, report_text(confirmations, rows, elapsed))
    changes = sum(case.claim != "unchanged" for case in cases)
    print(f"crosscheck: {changes - failures} of {changes} confirmed changes reproduced; "
          f"{sum(r[-1] == 'yes' for r, c in zip(rows, cases) if c.claim == 'unchanged')} of "
          f"{len(cases) - changes} unchanged cases agree ({elapsed / 60:.1f} min); "
          f"wrote {os.path.relpath(REPORT, ROOT)}", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
