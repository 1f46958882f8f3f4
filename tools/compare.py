"""Which release made a crossing faster or slower: every recorded case compared between
releases, and every candidate change re-measured before it is believed.

compare_all: for each axis of the version matrix (numpy, pyspark, pandas: one library
varied, everything else at the reference pins, the last value of every list), each
step between consecutive releases and the oldest -> newest step, every case (benchmark,
parameter combination) of that axis's part of the suite is "faster", "slower",
"unchanged" or "missing" (with the reason). The test is asv compare's own: the ratio
beyond MIN_EFFECT and the two runs told apart by asv's statistics on the samples that
`asv run --record-samples` kept (track_ benchmarks, which have no samples: the ratio
alone).

confirm: every candidate (faster or slower) is re-measured with both releases
interleaved in fresh processes: up to `pairs` rounds, each visiting the axis's releases
in turn (forward, then backward the next round); a pair is B over A in one round. One
process per release and round runs its NumPy time_ candidates; every other candidate
(Spark, peakmem_, track_) gets a process of its own, as in asv, with asv_runner's own machinery
(tools/confirm_worker.py, in the asv environment's own python and environment
variables). The rule:

    a change is CONFIRMED when the median pair ratio is beyond MIN_EFFECT in the
    candidate's direction (> MIN_EFFECT slower, < 1/MIN_EFFECT faster) AND every pair
    ratio is on that side of 1.

A candidate stops being drawn once the rule can no longer confirm it (cannot_confirm),
so its verdict is the one all pairs would give.

Results go to results/confirmations/<machine>.json, written atomically after each round
and merged: an entry ("changes") replaces the one for the same case and release step,
all others are kept; each entry also names the commit whose results it re-measured.
ratio > 1 means the newer release is costlier. The pairs of a candidate not yet decided
are kept there too ("open"), so an interruption loses at most the round being drawn.
Candidates left when --max-minutes is spent are printed as "not re-measured (budget)"
and never written as confirmed. Run again, it resumes: a candidate whose entry
re-measured the same recorded results (commit and ratio) is not re-measured, and an
open candidate goes on from the pairs it has (--again starts every candidate afresh).

Usage:
    python tools/compare.py confirm --machine NAME [--commit HASH] [--axis AXIS] [--pairs N]
        [--max-minutes M] [--at-least RATIO] [--bench REGEX] [--again]
    python tools/compare.py upgrade numpy==2.0.2 numpy==2.4.6 --machine NAME [--python 3.12]
        [--bench REGEX]
    python tools/compare.py noise --machine NAME --bench REGEX [--pairs N]
"""

import argparse
import itertools
import json
import os
import re
import statistics
import sys
import tempfile
import time
from typing import NamedTuple

from asv import environment, util
from asv.commands.compare import _is_result_better, _isna, unroll_result
from asv.config import Config
from asv.results import iter_results_for_machine
from packaging.version import InvalidVersion, Version

import asv_identity
import sweep
import wall_times
from asv_checkpoint import replace_file
from formatting import markdown_table
from scratch_asv import ROOT, build_environments, commit as git_commit, run_asv, write_config

CONFIG = os.path.join(ROOT, "asv.conf.json")
AXES = sweep.AXES  # numpy, pyspark, pandas
# A change smaller than this ratio is not reported, whatever the statistics say: it
# stands above what the confirmation sees when nothing changed (`noise`, A/A; the
# figures are in docs/measurement.md, "Version claims").
MIN_EFFECT = 1.2
PAIRS = 5  # A B pairs per candidate; fewer cannot show "every pair agrees" meaningfully
MIN_PAIRS = 5
# Records the installed versions themselves, so it differs between releases by design.
NOT_COMPARED = ("bench_versions.TrackInstalledVersion.",)
WORKER = os.path.join(ROOT, "tools", "confirm_worker.py")
WORKER_TIMEOUT = 3600  # seconds without output before a draw is killed (Spark is slow)
SCRATCH = os.path.join(ROOT, ".asv", "compare")


class Comparison(NamedTuple):
    """One case between two releases of one axis's library (a older than b)."""
    axis: str
    a: str
    b: str
    benchmark: str
    params: tuple        # asv's parameter strings, e.g. ("1000", "'float64'")
    index: int           # the parameter combination's index (asv's "<benchmark>-<index>")
    status: str          # "faster", "slower", "unchanged" or "missing"
    ratio: float | None  # b / a of the recorded values; None when missing
    reason: str = ""     # why it is missing


class Compared(NamedTuple):
    commit: str          # full hash of the results compared
    cases: list          # [Comparison]


def case_name(benchmark, params):
    """As asv compare and `asv run -b` name a case: "benchmark(p1, p2)"."""
    return f"{benchmark}({', '.join(params)})" if params else benchmark


def load_matrix():
    with open(CONFIG) as f:
        return json.load(f)["matrix"]["req"]


# --- compare_all: every case, from the recorded results ----------------------------------

def release_steps(releases):
    """Consecutive pairs of the releases (oldest first), then oldest -> newest if that is
    not already one of them."""
    ordered = sorted(releases, key=Version)
    steps = list(zip(ordered, ordered[1:]))
    if len(ordered) > 2:
        steps.append((ordered[0], ordered[-1]))
    return steps


def recorded_cases(result):
    """{(benchmark, params): (index, value, (stats, samples), version)} of one results
    file, unrolled per parameter combination as asv compare unrolls them."""
    cases = {}
    for key in result.get_all_result_keys():
        params = result.get_result_params(key)
        combos = list(itertools.product(*params))
        for _, (index, combo), value, stats, samples in unroll_result(
                key, params, list(enumerate(combos)), result.get_result_value(key, params),
                result.get_result_stats(key, params), result.get_result_samples(key, params)):
            cases[(key, combo)] = (index, value, (stats, samples),
                                   result.benchmark_version.get(key))
    return cases


def discovered_cases(results_dir):
    """{(benchmark, params): index} of results_dir/benchmarks.json (asv's last discovery),
    so a case no environment recorded is still listed; {} when there is none."""
    try:
        with open(os.path.join(results_dir, "benchmarks.json")) as f:
            found = json.load(f)
    except (OSError, ValueError):
        return {}
    return {(name, combo): index
            for name, spec in found.items() if name != "version"
            for index, combo in enumerate(itertools.product(*spec["params"]))}


def verdict(old, new, old_ss, new_ss, factor, use_stats=True):
    """asv compare's decision between two recorded values: "faster" (new better),
    "slower" or "unchanged"."""
    if _is_result_better(new, old, new_ss, old_ss, factor, use_stats=use_stats):
        return "faster"
    if _is_result_better(old, new, old_ss, new_ss, factor, use_stats=use_stats):
        return "slower"
    return "unchanged"


def missing_reason(label, recorded, key):
    """Why one side has no value for the case, or "" if it has one."""
    if recorded is None:
        return f"no results file for {label}"
    if key not in recorded:
        return f"not run in {label}"
    value = recorded[key][1]
    if value is None:
        return f"failed in {label}"
    if _isna(value):
        return f"skipped in {label}"
    return ""


def compare_step(axis, a, b, result_a, result_b, keys, min_effect):
    """[Comparison] of the cases `keys` ({(benchmark, params): index}) between the
    results of release a and release b (None: no results file)."""
    recorded_a = recorded_cases(result_a) if result_a else None
    recorded_b = recorded_cases(result_b) if result_b else None
    out = []
    for (benchmark, params), index in sorted(keys.items()):
        key = (benchmark, params)
        reasons = [r for r in (missing_reason(f"{axis} {a}", recorded_a, key),
                               missing_reason(f"{axis} {b}", recorded_b, key)) if r]
        if not reasons:
            (_, old, old_ss, old_version), (_, new, new_ss, new_version) = \
                recorded_a[key], recorded_b[key]
            if None not in (old_version, new_version) and old_version != new_version:
                reasons = [f"benchmark versions differ ({old_version} vs {new_version})"]
            elif old == 0:
                reasons = [f"recorded value 0 in {axis} {a}: no ratio"]
        if reasons:
            out.append(Comparison(axis, a, b, benchmark, params, index, "missing", None,
                                  "; ".join(reasons)))
            continue
        is_track = benchmark.rsplit(".", 1)[-1].startswith("track_")
        status = verdict(old, new, old_ss, new_ss, min_effect, use_stats=not is_track)
        out.append(Comparison(axis, a, b, benchmark, params, index, status, new / old))
    return out


def compare_all(results_dir, machine, commit=None, matrix=None, min_effect=MIN_EFFECT,
                bench=None):
    """Compared(commit, [Comparison]) for every axis, release step and case of the
    newest commit with results for `machine` (or `commit`, a full hash or a prefix).
    `matrix` is asv.conf.json's {library: [versions]} (the default); `bench`, a regex
    searched in "benchmark(params)" as `asv run -b` does, narrows the cases."""
    matrix = matrix or load_matrix()
    results = list(iter_results_for_machine(results_dir, machine))
    if commit:
        results = [r for r in results if r.commit_hash.startswith(commit)]
    if not results:
        raise util.UserError(f"--machine {machine}{' --commit ' + commit if commit else ''}: "
                             f"no results in {results_dir}")
    newest = max(results, key=lambda r: (r.date or 0, r.commit_hash)).commit_hash
    pins = {lib: versions[-1] for lib, versions in matrix.items()}
    by_requirements = {}
    for result in results:
        if result.commit_hash == newest:
            requirements = tuple(sorted((lib, result.params.get(lib)) for lib in pins))
            by_requirements[requirements] = result
    discovered = discovered_cases(results_dir)

    cases = []
    for axis in AXES:
        part = sweep.PARTS[axis]  # the benchmarks the sweep runs on this axis
        for a, b in release_steps(matrix.get(axis, [])):
            result_a, result_b = (by_requirements.get(tuple(sorted({**pins, axis: v}.items())))
                                  for v in (a, b))
            keys = dict(discovered)
            for recorded in (result_a, result_b):
                if recorded:
                    keys.update({k: v[0] for k, v in recorded_cases(recorded).items()})
            keys = {k: i for k, i in keys.items()
                    if re.search(part, case_name(*k))
                    and (not bench or re.search(bench, case_name(*k)))
                    and not k[0].startswith(NOT_COMPARED)}
            cases += compare_step(axis, a, b, result_a, result_b, keys, min_effect)
    return Compared(newest, cases)


# --- confirm: candidates re-measured in fresh, interleaved processes ----------------------

def is_confirmed(pair_ratios, direction, min_effect=MIN_EFFECT):
    """The confirmation rule (module docstring)."""
    if not pair_ratios:
        return False
    median = statistics.median(pair_ratios)
    if direction == "slower":
        return median > min_effect and all(r > 1 for r in pair_ratios)
    return median < 1 / min_effect and all(r < 1 for r in pair_ratios)


def cannot_confirm(pair_ratios, direction, pairs, min_effect=MIN_EFFECT):
    """True once the rule can no longer confirm the candidate whatever its remaining
    pairs give: a pair on the wrong side of 1, or more than half of `pairs` not beyond
    `min_effect` (the median then can't be). Its verdict is then the one all `pairs`
    would give, so confirm stops re-measuring it."""
    if direction == "slower":
        wrong = [r <= 1 for r in pair_ratios]
        short = [r <= min_effect for r in pair_ratios]
    else:
        wrong = [r >= 1 for r in pair_ratios]
        short = [r >= 1 / min_effect for r in pair_ratios]
    return any(wrong) or sum(short) > pairs // 2


def entry_key(entry):
    return (entry["axis"], entry["a"], entry["b"], entry["benchmark"], list(entry["params"]))


def load_confirmations(path):
    """The confirmations file as a dict, or None when there is none."""
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def current_changes(document):
    """The decided entries of a confirmations file for its own commit (the file keeps
    older commits' entries; their results may no longer be the ones recorded).
    tools/by_version.py, an asv plugin that can't import this module, has the same."""
    commit = (document or {}).get("commit")
    return [e for e in (document or {}).get("changes", []) if e.get("commit", commit) == commit]


def merge_confirmations(path, header, entries, open_entries=()):
    """Add `entries` (decided) and `open_entries` (candidates still being drawn: their
    pairs so far) to the confirmations file at `path`: an entry replaces the one for the
    same axis, releases and case in its list, and a decided one also ends the open one;
    every other entry is kept, and open ones only for header's commit (their pairs
    re-measure that commit's results). `header` holds machine, cpu, commit, min_effect
    and pairs. Returns the merged document."""
    old = load_confirmations(path) or {}
    decided_keys = {json.dumps(entry_key(e)) for e in entries}
    open_keys = {json.dumps(entry_key(e)) for e in open_entries}
    kept = [e for e in old.get("changes", []) if json.dumps(entry_key(e)) not in decided_keys]
    still_open = [e for e in old.get("open", [])
                  if e.get("commit") == header["commit"]
                  and json.dumps(entry_key(e)) not in decided_keys | open_keys]
    document = {"version": 1, **header, "changes": kept + list(entries),
                "open": still_open + list(open_entries)}
    replace_file(path, json.dumps(document, indent=1) + "\n")
    return document


def confirmations_path(results_dir, machine):
    return os.path.join(results_dir, "confirmations", f"{machine}.json")


def environment_of(conf, requirements):
    """The built asv environment with exactly these requirements (one-line error if none)."""
    for env in environment.get_environments(conf, None, verbose=False):
        if env.requirements == requirements:
            if not env.check_presence():
                break
            return env
    differs = ", ".join(f"{k} {v}" for k, v in sorted(requirements.items())
                        if v != conf.matrix["req"].get(k, [v])[-1])
    raise util.UserError(f"no built asv environment in {conf.env_dir} for "
                         f"{differs or 'the reference pins'}: build it (make sweep) first")


def worker_batches(case_ids):
    """The worker processes of one draw: the NumPy time_ cases share one, every other
    case gets its own, as asv runs every case. A Spark case's figure depends on what
    the JVM ran before it (its JIT state), and the cases of a draw differ from release
    to release, so sharing would skew the pair (docs/figures.md, "Release changes"). A
    peakmem_ figure is the process's high-water mark and a track_ figure such as
    tracemalloc's can depend on what ran before it (NumPy caches small allocations)."""
    shared = [i for i in case_ids if benchmark_kind(i) == "time" and not is_spark(i)]
    return ([shared] if shared else []) + [[i] for i in case_ids if i not in shared]


def is_spark(name):
    """Whether a benchmark name or case id is of the Spark modules."""
    return name.startswith("bench_spark")


def benchmark_kind(case_id):
    """'time', 'peakmem', 'track', ... from a case id "<module>.<Class>.<method>-<index>"."""
    return case_id.split("-")[0].rsplit(".", 1)[-1].split("_")[0]


def draw(conf, requirements, case_ids):
    """One draw in the environment with these requirements: every case timed in fresh
    processes (worker_batches), in its own python with its matrix environment variables
    as asv runs it: ({case id: value}, {case id: why no value})."""
    env = environment_of(conf, requirements)
    values, errors = {}, {}
    for batch in worker_batches(case_ids):
        found_values, found_errors = run_worker(conf, env, batch)
        values.update(found_values)
        errors.update(found_errors)
    return values, errors


def run_worker(conf, env, case_ids):
    """One fresh process of `env` running tools/confirm_worker.py on `case_ids`."""
    with tempfile.TemporaryDirectory(prefix="asv-confirm-") as cwd:
        output = os.path.join(cwd, "draw.json")
        out, _, code = env.run([WORKER, os.path.abspath(conf.benchmark_dir), output, *case_ids],
                               env=dict(os.environ, **env.env_vars), cwd=cwd,
                               timeout=WORKER_TIMEOUT, valid_return_codes=None,
                               return_stderr=True, redirect_stderr=True, dots=False,
                               display_error=False)
        if code != 0 or not os.path.exists(output):
            last = (out.strip().splitlines() or ["no output"])[-1]
            return {}, {case_id: f"process exited {code}: {last}" for case_id in case_ids}
        with open(output) as f:
            found = json.load(f)
    return found["values"], found["errors"]


def round_order(candidates, pins):
    """The draws of a round, as (requirements tuple, axis, side) keys: each axis's
    releases in version order, every other axis backwards, so consecutive releases are
    neighbours. The reference is drawn once per axis: a pair
    never waits for another axis's releases. `side` tells A from B only when both are
    one environment (noise's A/A)."""
    keys = []
    axes = sorted({c.axis for c in candidates}, key=AXES.index)
    for number, axis in enumerate(axes):
        releases = sorted({v for c in candidates if c.axis == axis for v in (c.a, c.b)},
                          key=Version, reverse=number % 2 == 1)
        for release in releases:
            requirements = tuple(sorted({**pins, axis: release}.items()))
            keys += [(requirements, axis, ""), (requirements, axis, "B")]
    used = {key for c in candidates for key in sides_of(c, pins)}
    return [key for key in keys if key in used]


def sides_of(case, pins):
    """The round_order keys of a candidate's A and B."""
    a, b = (tuple(sorted({**pins, case.axis: v}.items())) for v in (case.a, case.b))
    return (a, case.axis, ""), (b, case.axis, "B" if a == b else "")


def confirm(candidates, conf, machine, commit, path, pairs=PAIRS, min_effect=MIN_EFFECT,
            max_minutes=None, measure=draw, stop_early=True, drawn_before=None):
    """Re-measure `candidates` ([Comparison] faster/slower) in rounds: each round is one
    draw (fresh processes) per environment, in round_order, forward then backward, of
    every candidate on that release still drawn; a candidate's pair is B over A in the
    same round. A release shared by several release steps of an axis pays one draw per
    round for all of them. A candidate's entry is merged into the
    confirmations file at `path` as soon as it is decided (`pairs` pairs, or
    cannot_confirm), so an interruption loses only the candidates still being drawn.
    Returns (entries written, [(Comparison, why not re-measured)]). `stop_early` False
    draws every candidate `pairs` times (noise needs every pair). `drawn_before` maps a
    candidate to the pair ratios an interrupted confirm drew for it (open_pairs): it
    goes on from them. After each round the undecided candidates' pairs are written as
    the file's "open" entries."""
    if pairs < MIN_PAIRS:
        raise util.UserError(f"--pairs {pairs}: must be an integer >= {MIN_PAIRS}")
    header = {"machine": machine, "cpu": asv_identity.recorded_cpu(conf.results_dir, machine)
              or "", "commit": commit, "min_effect": min_effect, "pairs": pairs}
    pins = {lib: versions[-1] for lib, versions in conf.matrix["req"].items()}
    if not candidates:  # still record that this commit was compared, with nothing to confirm
        merge_confirmations(path, header, [])
        return [], []
    ids = {case: f"{case.benchmark}-{case.index}" if case.params else case.benchmark
           for case in candidates}
    sides = {case: sides_of(case, pins) for case in candidates}
    order = round_order(candidates, pins)
    ratios = {case: list((drawn_before or {}).get(case, []))[:pairs] for case in candidates}
    errors = {}

    def decided(case):
        return (len(ratios[case]) == pairs
                or (stop_early and cannot_confirm(ratios[case], case.status, pairs, min_effect)))

    started = time.monotonic()
    # Pairs from an interrupted run under a larger --pairs may already decide a candidate.
    written = [entry_of(case, ratios[case], commit, min_effect)
               for case in candidates if ratios[case] and decided(case)]
    if written:
        merge_confirmations(path, header, written)
    for round_number in range(1, pairs + 1):
        active = [c for c in candidates if c not in errors and not decided(c)]
        if not active:
            break
        if max_minutes is not None and time.monotonic() - started > max_minutes * 60:
            print(f"confirm: budget of {max_minutes} min spent before round {round_number}",
                  flush=True)
            break
        drawn = {}
        for key in (order if round_number % 2 else order[::-1]):
            wanted = list(dict.fromkeys(ids[c] for c in active if key in sides[c]))
            if wanted:
                began = time.monotonic()
                drawn[key] = measure(conf, dict(key[0]), wanted)
                print(f"confirm: round {round_number}, {key[1]} {dict(key[0])[key[1]]}"
                      f"{' (B)' if key[2] else ''}: {len(wanted)} cases in "
                      f"{time.monotonic() - began:.0f} s", flush=True)
        for case in active:
            (values_a, errors_a), (values_b, errors_b) = (drawn[key] for key in sides[case])
            case_id = ids[case]
            if case_id in values_a and case_id in values_b and values_a[case_id] > 0:
                ratios[case].append(values_b[case_id] / values_a[case_id])
            else:
                errors[case] = (errors_a.get(case_id) or errors_b.get(case_id)
                                or "value 0 in the older release")
        entries = [entry_of(case, ratios[case], commit, min_effect)
                   for case in active if case not in errors and decided(case)]
        still_open = [open_entry(case, ratios[case], commit)
                      for case in active if case not in errors and not decided(case)]
        merge_confirmations(path, header, entries, still_open)
        written += entries
        print(f"confirm: round {round_number}/{pairs}: {len(active)} candidates in "
              f"{len(drawn)} environments, {sum(e['confirmed'] for e in entries)} of "
              f"{len(entries)} decided confirmed "
              f"({(time.monotonic() - started) / 60:.1f} min)", flush=True)
    left = [(case, f"re-measure {errors[case]}") for case in candidates if case in errors]
    left += [(case, f"not re-measured (budget; {len(ratios[case])} pairs kept)")
             for case in candidates if case not in errors and not decided(case)]
    return written, left


def entry_of(case, pair_ratios, commit, min_effect):
    """A candidate's entry in the confirmations file."""
    return {"axis": case.axis, "a": case.a, "b": case.b, "benchmark": case.benchmark,
            "params": list(case.params), "sweep_ratio": case.ratio,
            "pair_ratios": pair_ratios, "ratio": statistics.median(pair_ratios),
            "low": min(pair_ratios), "high": max(pair_ratios),
            "confirmed": is_confirmed(pair_ratios, case.status, min_effect),
            "direction": case.status, "commit": commit}


def open_entry(case, pair_ratios, commit):
    """An undecided candidate's pairs so far, as the confirmations file keeps them."""
    return {"axis": case.axis, "a": case.a, "b": case.b, "benchmark": case.benchmark,
            "params": list(case.params), "sweep_ratio": case.ratio,
            "pair_ratios": pair_ratios, "direction": case.status, "commit": commit}


def open_pairs(document, commit, candidates):
    """{candidate: pair ratios} of the "open" entries of `document` that re-measured
    `commit`'s results with the same recorded ratio (confirmation_key)."""
    found = {json.dumps([*entry_key(e), e["sweep_ratio"]]): e["pair_ratios"]
             for e in (document or {}).get("open", []) if e.get("commit") == commit}
    return {c: found[confirmation_key(c)] for c in candidates
            if confirmation_key(c) in found}


# --- tables ------------------------------------------------------------------------------

def effect(ratio):
    """How big a ratio is either way: a halving counts as much as a doubling."""
    return max(ratio, 1 / ratio)


def ranked_table(changes, confirmed=True):
    """Markdown table lines of the confirmations file's `changes` whose "confirmed" is
    `confirmed`, largest effect first."""
    chosen = sorted((c for c in changes if c["confirmed"] == confirmed),
                    key=lambda c: -effect(c["ratio"]))
    rows = [[f"{c['axis']} {c['a']} -> {c['b']}", f"`{case_name(c['benchmark'], c['params'])}`",
             c["direction"], f"{c['ratio']:.2f}", f"{c['low']:.2f}-{c['high']:.2f}",
             f"{c['sweep_ratio']:.2f}"] for c in chosen]
    return markdown_table(["release step", "case", "direction", "ratio (new/old)",
                           "pair range", "sweep ratio"], rows)


def print_outcome(changes, left):
    print("\nConfirmed changes, largest first:")
    print("\n".join(ranked_table(changes)) if any(c["confirmed"] for c in changes)
          else "(none)")
    if any(not c["confirmed"] for c in changes):
        print("\nCandidates that did not confirm:")
        print("\n".join(ranked_table(changes, confirmed=False)))
    for case, why in left:
        print(f"not confirmed, {why}: {case.axis} {case.a} -> {case.b} "
              f"{case_name(case.benchmark, case.params)}")


def summary(cases):
    counts = {status: sum(c.status == status for c in cases)
              for status in ("slower", "faster", "unchanged", "missing")}
    return ", ".join(f"{n} {status}" for status, n in counts.items())


def confirmation_key(case):
    """A candidate as its confirmation entry names it, with the recorded ratio it came
    from: results recorded again (make compare re-runs under the same commit) make a new
    ratio, so an entry only stands for the results it re-measured."""
    return json.dumps([case.axis, case.a, case.b, case.benchmark, list(case.params),
                       case.ratio])


def already_confirmed(document, commit):
    """Keys (confirmation_key) of the entries of `document` that re-measured `commit`'s
    results: a confirm interrupted or cut by its budget resumes after them."""
    return {json.dumps([*entry_key(e), e["sweep_ratio"]])
            for e in (document or {}).get("changes", []) if e.get("commit") == commit}


def compare_and_confirm(conf, machine, commit, path, pairs, max_minutes, matrix=None,
                        bench=None, axes=AXES, at_least=1.0, again=False):
    conflict = asv_identity.remeasure_conflict(conf.results_dir, machine)
    if conflict:
        raise util.UserError(conflict)
    compared = compare_all(conf.results_dir, machine, commit, matrix=matrix, bench=bench)
    compared = compared._replace(cases=[c for c in compared.cases if c.axis in axes])
    candidates = [c for c in compared.cases if c.status in ("faster", "slower")
                  and effect(c.ratio) >= at_least]
    document = None if again else load_confirmations(path)
    done = already_confirmed(document, compared.commit)
    todo = [c for c in candidates if confirmation_key(c) not in done]
    drawn_before = open_pairs(document, compared.commit, todo)
    print(f"compare: commit {compared.commit[:8]}, {len(compared.cases)} cases compared: "
          f"{summary(compared.cases)}; re-measuring {len(todo)} candidates, "
          f"{pairs} pairs each ({len(candidates) - len(todo)} re-measured already, "
          f"{len(drawn_before)} going on from the pairs an interrupted run drew)",
          flush=True)
    candidates = todo
    began = time.time()
    _, left = confirm(candidates, conf, machine, compared.commit, path, pairs=pairs,
                      max_minutes=max_minutes, drawn_before=drawn_before)
    wall_times.record(conf.results_dir, machine, compared.commit, "confirm", ", ".join(axes),
                      began, candidates=len(candidates), left=len(left), pairs=pairs,
                      again=again and not bench and at_least <= 1.0)
    document = load_confirmations(path) or {"changes": []}
    print_outcome([c for c in document["changes"] if c.get("commit") == compared.commit],
                  left)


# --- noise: what the confirmation sees when nothing changed ------------------------------

def noise(conf, machine, bench, pairs=PAIRS, measure=draw):
    """A/A: every recorded case matching `bench` re-measured exactly as a candidate is,
    with the reference environment on both sides (A A' A A' ... in fresh processes).
    Nothing changed, so every "confirmed" case is a false positive, and the spread of the
    median pair ratios is the noise MIN_EFFECT has to stand above. Returns the entries."""
    compared = compare_all(conf.results_dir, machine, bench=bench, matrix=conf.matrix["req"])
    reference = {lib: versions[-1] for lib, versions in conf.matrix["req"].items()}
    seen, same = set(), []
    for case in compared.cases:
        if case.status != "missing" and (case.benchmark, case.params) not in seen:
            seen.add((case.benchmark, case.params))
            same.append(case._replace(a=reference[case.axis],
                                      b=reference[case.axis], status="slower"))
    path = os.path.join(SCRATCH, f"noise-{machine}.json")
    if os.path.exists(path):
        os.remove(path)
    entries, _ = confirm(same, conf, machine, compared.commit, path, pairs=pairs,
                         measure=measure, stop_early=False)
    for entry in entries:  # a false positive either way counts
        entry["confirmed"] = (is_confirmed(entry["pair_ratios"], "slower")
                              or is_confirmed(entry["pair_ratios"], "faster"))
    effects = sorted(effect(e["ratio"]) for e in entries)
    if effects:
        print(f"noise: {len(entries)} cases, A/A with {pairs} pairs each: median ratio "
              f"within {effects[-1]:.3f}x (95th percentile {effects[int(0.95 * (len(effects) - 1))]:.3f}x); "
              f"{sum(e['confirmed'] for e in entries)} would be confirmed at "
              f"MIN_EFFECT {MIN_EFFECT}", flush=True)
    return entries


# --- upgrade: two releases of one library, measured now -----------------------------------

def parse_spec(spec, setting):
    """("numpy", "2.0.2") from "numpy==2.0.2", or a one-line error."""
    lib, sep, version = spec.partition("==")
    if not sep or lib not in AXES:
        raise util.UserError(f"{setting}={spec}: expected LIB==VERSION with LIB one of "
                             f"{', '.join(AXES)}, e.g. numpy==2.0.2")
    try:
        Version(version)
    except InvalidVersion:
        raise util.UserError(f"{setting}={spec}: '{version}' is not a version "
                             f"(e.g. numpy==2.0.2)") from None
    return lib, version


def upgrade_matrix(spec_a, spec_b, base=None):
    """asv.conf.json's requirement matrix with the library of both specs at its two
    versions (older first) and every other library at its reference pin."""
    (lib, a), (lib_b, b) = parse_spec(spec_a, "A"), parse_spec(spec_b, "B")
    if lib_b != lib:
        raise util.UserError(f"A={spec_a} B={spec_b}: both must be releases of the same "
                             f"library")
    if Version(a) == Version(b):
        raise util.UserError(f"A={spec_a} B={spec_b}: the two versions must differ")
    base = base or load_matrix()
    matrix = {name: [versions[-1]] for name, versions in base.items()}
    matrix[lib] = sorted([a, b], key=Version)
    return lib, matrix


def upgrade(spec_a, spec_b, machine, python, pairs, max_minutes, bench=None):
    """Both releases measured now by asv (interleaved rounds, samples kept) into
    .asv/compare/results, then compared and confirmed there. `bench` (a regex) narrows
    the library's part of the suite."""
    lib, req = upgrade_matrix(spec_a, spec_b)
    with open(CONFIG) as f:
        raw_matrix = json.load(f)["matrix"]
    config = write_config(os.path.join(SCRATCH, "asv.conf.json"),
                          matrix=dict(raw_matrix, req=req), exclude=[], include=[],
                          pythons=[python], results_dir=os.path.join(SCRATCH, "results"),
                          html_dir=os.path.join(SCRATCH, "html"))
    conf = Config.load(config)
    if len(list(environment.get_environments(conf, None, verbose=False))) != 2:
        raise util.UserError(f"--python {python}: asv found no Python {python} interpreter "
                             f"(python{python} on PATH, or conda); allowed: an installed "
                             f"Python version such as 3.11")
    command = ["run", f"{git_commit()}^!", "--machine", machine, "--interleave-rounds",
               "--record-samples", "--show-stderr", "--bench", sweep.PARTS[lib]]
    if bench:  # asv ORs repeated --bench: the part's regex as a lookahead makes an AND
        command[-1] = f"(?={sweep.PARTS[lib]}).*(?:{bench})"
    print(f"compare: asv run of {lib} {' and '.join(req[lib])} (Python {python}) into "
          f"{os.path.relpath(conf.results_dir, ROOT)}", flush=True)
    build_environments(config)  # both at once, as the sweep builds its own
    code = run_asv(config, *command).returncode
    if code not in (0, 2):  # 2: some benchmark failed, which compare_all reports
        raise util.UserError(f"asv run exited {code}")
    compare_and_confirm(conf, machine, None,
                        confirmations_path(conf.results_dir, machine), pairs, max_minutes,
                        matrix=req, bench=bench)


def pairs_setting(text):
    try:
        pairs = int(text)
    except ValueError:
        pairs = 0
    if pairs < MIN_PAIRS:
        raise argparse.ArgumentTypeError(f"must be an integer >= {MIN_PAIRS}, got {text!r}")
    return pairs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("confirm", "upgrade", "noise"):
        sub = commands.add_parser(name)
        sub.add_argument("--machine", required=True)
        sub.add_argument("--pairs", type=pairs_setting, default=PAIRS,
                         help=f"A B pairs per candidate (>= {MIN_PAIRS})")
        sub.add_argument("--max-minutes", type=float,
                         help="stop starting release steps after this many minutes")
        if name == "confirm":
            sub.add_argument("--commit", help="results of this commit (default: newest)")
            sub.add_argument("--axis", choices=AXES, action="append",
                             help="only this axis (repeatable; default: every axis)")
            sub.add_argument("--at-least", type=float, default=1.0, metavar="RATIO",
                             help="only candidates whose sweep ratio is at least this large "
                                  "either way (the largest first when time is short)")
            sub.add_argument("--bench", help="only the cases of benchmarks matching this regex")
            sub.add_argument("--again", action="store_true",
                             help="re-measure candidates already re-measured (default: resume)")
        elif name == "noise":
            sub.add_argument("--bench", required=True,
                             help="the recorded cases to re-measure A/A (asv -b's regex)")
        else:
            sub.add_argument("a", metavar="A", help="older side, e.g. numpy==2.0.2")
            sub.add_argument("b", metavar="B", help="newer side, e.g. numpy==2.4.6")
            sub.add_argument("--python", default="3.11",
                             help="Python version of both environments (NumPy 2.5 needs 3.12)")
            sub.add_argument("--bench", help="only the library's benchmarks matching this regex")
    args = parser.parse_args(argv)
    try:
        if args.command == "confirm":
            conf = Config.load(CONFIG)
            compare_and_confirm(conf, args.machine, args.commit,
                                confirmations_path(conf.results_dir, args.machine),
                                args.pairs, args.max_minutes, bench=args.bench,
                                axes=args.axis or AXES, at_least=args.at_least,
                                again=args.again)
        elif args.command == "noise":
            noise(Config.load(CONFIG), args.machine, args.bench, args.pairs)
        else:
            upgrade(args.a, args.b, args.machine, args.python, args.pairs, args.max_minutes,
                    args.bench)
    except util.UserError as error:
        sys.exit(f"compare: {error}")


if __name__ == "__main__":
    main()
