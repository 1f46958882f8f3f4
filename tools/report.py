"""`make report`: the boundary report, from results/ alone (nothing is re-run).

Writes report/REPORT.md, its chart report/confirmed-changes.png and the headline table
in README.md between the `report:start` / `report:end` markers:
- the machine (name and CPU identity), the commit and the matrix environments covered;
- the release changes that tools/compare.py CONFIRMED (results/confirmations/<machine>.json:
  re-measured in interleaved pairs of fresh processes), ranked per axis (numpy, pyspark,
  pandas) and per release step, over every benchmark case; apart from them, the
  candidates that did not confirm or were not re-measured. Whether a change is real is
  decided there, in one place, never here;
- the cost per element (NumPy) or per row (Spark) of the headline crossings in the
  reference environment, and per axis those crossings release by release;
- the wall time of the commit's sweep runs and confirmations (tools/wall_times.py).

Which results: the newest commit with results on the machine (the one compare.py
compares), one results file per environment of asv.conf.json's matrix; confirmations
entries of other commits are not this report's. A missing figure says why -- "no
results" (the environment has no results at that commit), "not run" (the case is absent
from its file), "failed", or "skipped: <the reason the benchmark declares>" -- never a number.

Usage: python tools/report.py --machine NAME [--results DIR] [--out DIR] [--readme PATH]
"""

import argparse
import importlib
import io
import itertools
import json
import math
import os
from typing import NamedTuple

from asv import environment
from asv.config import Config
from asv.results import iter_results_for_machine

from scratch_asv import ROOT  # first: makes `benchmarks` importable

import asv_identity
import compare
import sweep
import wall_times
from asv_checkpoint import replace_file
from benchmarks import common
from benchmarks.common import BATCH  # batched benchmarks: BATCH operations per call
from formatting import human_time, markdown_table

# How the report names the library of each axis (sweep.AXES).
LIBRARY = {"numpy": "NumPy", "pyspark": "PySpark", "pandas": "pandas"}


class Crossing(NamedTuple):
    """A row of a cost table: `benchmark` at `params` (parameter name: value, as the
    benchmark class declares them), whose recorded time per call is divided by `divisor`
    to give the cost of one element, row or batched operation. Headline rows also go to
    README's table."""
    label: str
    benchmark: str
    params: dict
    divisor: int
    headline: bool = False

    def case(self):
        """asv's parameter strings of this case, in the benchmark class's order."""
        names = getattr(benchmark_class(self.benchmark), "param_names", [])
        return tuple(repr(self.params[name]) for name in names)


M = 10**6
C2P, LOOPS, P2C = "bench_c_to_python", "bench_loops", "bench_python_to_c"
SPARK, UDF = "bench_spark_conversion", "bench_spark_udf"
FLOAT = dict(n=M, dtype="float64")

# Each axis shows the rows whose benchmark runs on it (sweep.axes_of); the reference
# environment runs them all.
CROSSINGS = [
    Crossing("`a[i]` -> NumPy scalar", f"{C2P}.TimeScalarExtraction.time_index", FLOAT,
             BATCH, headline=True),
    Crossing("`a.item(i)` -> Python float", f"{C2P}.TimeScalarExtraction.time_item", FLOAT,
             BATCH),
    Crossing("`float(a[i])`", f"{C2P}.TimeScalarExtraction.time_float_of_index", FLOAT, BATCH),
    Crossing("NumPy scalar `x + y`", f"{C2P}.TimeScalarArithmetic.time_add",
             dict(scalar="numpy"), BATCH),
    Crossing("`a.tolist()`", f"{C2P}.TimeToList.time_tolist", FLOAT, M, headline=True),
    Crossing("`list(a)`", f"{C2P}.TimeToList.time_list", FLOAT, M),
    Crossing("full `repr(a)`", f"{C2P}.TimeReprFull.time_repr_full",
             dict(n=10**5, dtype="float64"), 10**5, headline=True),
    Crossing("`pickle.dumps` (protocol 5)", f"{C2P}.TimePickle.time_dumps",
             dict(FLOAT, protocol="5"), M, headline=True),
    Crossing("Python-loop sum", f"{LOOPS}.TimeLoopSum.time_sum",
             dict(FLOAT, method="iter_loop"), M, headline=True),
    Crossing("vectorized `a.sum()`", f"{LOOPS}.TimeLoopSum.time_sum",
             dict(FLOAT, method="vectorized"), M, headline=True),
    Crossing("Python-loop gather", f"{LOOPS}.TimeGather.time_gather",
             dict(FLOAT, method="loop"), M),
    Crossing("fancy-index gather `a[idx]`", f"{LOOPS}.TimeGather.time_gather",
             dict(FLOAT, method="fancy"), M),
    Crossing("`np.array(list)`", f"{P2C}.TimeFromPython.time_array", FLOAT, M),
    Crossing("`a[i] = x` in a loop", f"{P2C}.TimeElementAssignment.time_assign",
             dict(FLOAT, method="loop"), M),
    Crossing("`toPandas()`, Arrow on", f"{SPARK}.TimeSparkToPandas.time_to_pandas",
             dict(rows=M, arrow="on", scenario="seed"), M, headline=True),
    Crossing("`toPandas()`, Arrow off", f"{SPARK}.TimeSparkToPandas.time_to_pandas",
             dict(rows=M, arrow="off", scenario="seed"), M, headline=True),
    Crossing("`toPandas()` mixed types, Arrow on", f"{SPARK}.TimeSparkToPandas.time_to_pandas",
             dict(rows=M, arrow="on", scenario="mixed"), M),
    Crossing("pandas -> NumPy views (7 columns)", f"{SPARK}.TimePandasToNumpy.time_to_numpy",
             dict(copy=False), 1),
    Crossing("`toArrow()`", f"{SPARK}.TimeSparkToArrow.time_to_arrow", dict(rows=M), M),
    Crossing("`collect()` Rows", f"{SPARK}.TimeCollect.time_collect", dict(rows=10**5),
             10**5, headline=True),
    Crossing("`createDataFrame(pandas)`, Arrow",
             f"{SPARK}.TimeCreateDataFrame.time_create_dataframe",
             dict(rows=M, source="pandas-arrow"), M),
    Crossing("`createDataFrame(numpy)`", f"{SPARK}.TimeCreateDataFrame.time_create_dataframe",
             dict(rows=M, source="numpy"), M),
    Crossing("row-at-a-time Python UDF", f"{UDF}.TimeColumnTransform.time_transform",
             dict(rows=M, udf="python_udf"), M, headline=True),
    Crossing("pandas UDF", f"{UDF}.TimeColumnTransform.time_transform",
             dict(rows=M, udf="pandas_udf"), M),
    Crossing("Arrow-optimised Python UDF", f"{UDF}.TimeColumnTransform.time_transform",
             dict(rows=M, udf="arrow_python_udf"), M),
]


def per(crossing):
    """What the cost is of: one batched operation, one call, one row or one element."""
    if crossing.divisor in (BATCH, 1):
        return "operation" if crossing.divisor == BATCH else "call"
    return "row" if crossing.benchmark.startswith("bench_spark") else "element"


# ------------------------------------------------------------------------- reading

def benchmark_class(benchmark):
    """The class of 'module.Class.method' in the current suite."""
    module, cls = benchmark.split(".")[:2]
    return getattr(importlib.import_module(f"benchmarks.{module}"), cls)


class Environment(NamedTuple):
    """One environment of the matrix: the axis it is on ("reference" for the reference
    environment, which is on every axis), its pins, and its results at the report's
    commit (None if it has none)."""
    name: str
    axis: str
    requirements: dict
    result: object


def results_at(results_dir, machine):
    """(commit, {env_name: Results}) of the newest commit with results on the machine,
    the one tools/compare.py compares by default ((None, {}) when there are none)."""
    if not os.path.isdir(os.path.join(results_dir, machine)):
        return None, {}
    found = list(iter_results_for_machine(results_dir, machine))
    if not found:
        return None, {}
    commit = max(found, key=lambda r: (r.date or 0, r.commit_hash)).commit_hash
    return commit, {r.env_name: r for r in found if r.commit_hash == commit}


def matrix_environments(config_path, results):
    """[Environment] of asv.conf.json's matrix, with their results from `results`."""
    conf = Config.load(config_path)
    with open(config_path) as f:
        reference = asv_identity.reference_pins(json.load(f)["matrix"])
    return [Environment(env.name, sweep.axis_of(env.requirements, reference),
                        env.requirements, results.get(env.name))
            for env in environment.get_environments(conf, None)]


def releases(environments, axis):
    """{release of the axis's library: Environment}, oldest first (sorted by version: a
    matrix list ends with its reference pin, which need not be the newest)."""
    found = {env.requirements[axis]: env for env in environments
             if env.axis in (axis, "reference")}
    return dict(sorted(found.items(), key=lambda item: common.release(item[0])))


def figure(env, crossing):
    """(cost per element/row/operation, None) or (None, why) in one environment."""
    result = env.result
    if result is None:
        return None, "no results"
    if crossing.benchmark not in result.get_all_result_keys():
        return None, "not run"
    recorded = result.get_result_params(crossing.benchmark)
    combos = list(itertools.product(*recorded))  # asv's order
    case = crossing.case()
    if case not in combos:
        return None, "not run"
    value = result.get_result_value(crossing.benchmark, recorded)[combos.index(case)]
    if value is None:
        return None, "failed"
    if isinstance(value, float) and math.isnan(value):
        versions = {lib: common.release(v) for lib, v in env.requirements.items()
                    if lib in common.LIBRARIES}
        reason = common.declared_skip(benchmark_class(crossing.benchmark), crossing.params,
                                      versions)
        return None, f"skipped: {reason}" if reason else "skipped (no declared reason)"
    return value / crossing.divisor, None


def machine_facts(results_dir, machine):
    """One line naming what the results were measured on: the CPU, then every other
    fact results/<machine>/machine.json holds (asv's, and any a tool added)."""
    path = os.path.join(results_dir, machine, "machine.json")
    if not os.path.exists(path):
        return f"Measured on machine {machine}: CPU not recorded (no {machine}/machine.json)."
    with open(path) as f:
        facts = json.load(f)
    cpu = facts.pop("cpu", "") or "not recorded"
    others = ", ".join(f"{key}: {_fact(value)}" for key, value in facts.items()
                       if key not in ("machine", "version"))
    return f"Measured on machine {machine}: CPU {cpu}" + (f" ({others})." if others else ".")


def _fact(value):
    if isinstance(value, list):
        return " ".join(map(_fact, value))
    return value if isinstance(value, str) else json.dumps(value)


# ------------------------------------------------------------------ release changes

class Changes(NamedTuple):
    """The release changes of the report's commit: the confirmations file's entries
    (None: there is no file) and the sweep's candidates ([compare.Comparison], faster or
    slower) that have no entry there, i.e. were not re-measured."""
    entries: list
    not_remeasured: list
    header: dict


def release_changes(results_dir, machine, commit, config_path):
    with open(config_path) as f:
        matrix = json.load(f)["matrix"]["req"]
    document = compare.load_confirmations(compare.confirmations_path(results_dir, machine))
    compared = [] if commit is None else compare.compare_all(results_dir, machine, commit,
                                                               matrix).cases
    candidates = [c for c in compared if c.status in ("faster", "slower")]
    # An entry stands for the recording it re-measured (its sweep ratio): one left from
    # before its case was recorded again is not this report's.
    def key(case_or_entry):  # a Comparison as a dict, or a confirmations entry
        return json.dumps(compare.entry_key(case_or_entry))

    recorded = {key(c._asdict()): c.ratio for c in compared if c.ratio is not None}
    entries = [e for e in (document or {}).get("changes", [])
               if e.get("commit", document.get("commit")) == commit
               and recorded.get(key(e), e["sweep_ratio"]) == e["sweep_ratio"]]
    measured = {key(e) for e in entries}
    left = [c for c in candidates if key(c._asdict()) not in measured]
    return Changes(entries if document else None, left, document or {})


def change_words(entry):
    """'NumPy 2.0.2 -> 2.1.3: 2.3x slower (pairs 2.1-2.5)' -- ratios are new/old."""
    ratio = entry["ratio"]
    words = f"{ratio:.2g}x slower" if ratio > 1 else f"{1 / ratio:.2g}x faster"
    return (f"{LIBRARY[entry['axis']]} {entry['a']} -> {entry['b']}: {words} "
            f"(pairs {entry['low']:.3g}-{entry['high']:.3g})")


def changes_lines(changes, axes):
    """The confirmed changes per axis and release step, then apart the candidates that
    did not confirm and those not re-measured."""
    lines = []
    if changes.entries is None:
        lines += ["No confirmations yet (results/confirmations/ has no file for this "
                  "machine: `tools/compare.py confirm` writes it), so no change is claimed.",
                  ""]
    else:
        header = changes.header
        lines += [f"A candidate is a case whose recorded value moved by more than "
                  f"{header['min_effect']:g}x between two releases (asv compare's test); it is "
                  f"CONFIRMED when, re-measured in {header['pairs']} rounds of fresh "
                  f"processes that visit the releases in turn, its median pair ratio is "
                  f"beyond that and every pair agrees on the direction (tools/compare.py); "
                  f"a candidate is no longer drawn once that can't happen (a pair on the "
                  f"other side of 1, or most pairs within the bar), so one that did not "
                  f"confirm may show fewer pairs. Ratios are new/old: above 1 the newer "
                  f"release is slower.", ""]
        for axis, versions in axes.items():
            mine = [e for e in changes.entries if e["axis"] == axis and e["confirmed"]]
            lines += [f"### {LIBRARY[axis]}: confirmed changes by release step", ""]
            if not mine:
                lines += ["None.", ""]
            for a, b in compare.release_steps(versions):
                step = [e for e in mine if (e["a"], e["b"]) == (a, b)]
                if step:
                    lines += [f"{LIBRARY[axis]} {a} -> {b}:", ""]
                    lines += compare.ranked_table(step) + [""]
        lines += ["### Candidates that did not confirm", ""]
        lines += compare.ranked_table(changes.entries, confirmed=False) \
            if any(not e["confirmed"] for e in changes.entries) else ["None."]
        lines.append("")
    lines += ["### Candidates not re-measured", ""]
    if changes.not_remeasured:
        lines += ["Changes the sweep's recorded values suggest, with no re-measurement yet: "
                  "not claimed.", ""]
        lines += markdown_table(
            ["release step", "case", "direction", "sweep ratio (new/old)"],
            [[f"{c.axis} {c.a} -> {c.b}", f"`{compare.case_name(c.benchmark, c.params)}`",
              c.status, f"{c.ratio:.2f}"]
             for c in sorted(changes.not_remeasured, key=lambda c: -compare.effect(c.ratio))])
    else:
        lines.append("None.")
    return lines + [""]


def confirmed_for(changes, crossing):
    """The confirmed release changes of one crossing's case, as README words them."""
    if changes.entries is None:
        return "not confirmed yet"
    case = list(crossing.case())
    found = sorted((e for e in changes.entries if e["confirmed"] and
                    e["benchmark"] == crossing.benchmark and e["params"] == case),
                   key=lambda e: (sweep.AXES.index(e["axis"]), common.release(e["a"])))
    return "; ".join(map(change_words, found)) or "none"


# ------------------------------------------------------------------------ the report

def cell(value, why):
    return why or human_time(value)


def env_label(env):
    return "reference" if env.axis == "reference" else \
        f"{LIBRARY[env.axis]} {env.requirements[env.axis]}"


def matrix_line(axes, environments):
    """The matrix covered, and which of its environments have results."""
    pins = next(env for env in environments if env.axis == "reference").requirements
    have = [env_label(env) for env in environments if env.result is not None]
    return (f"Matrix: " + "; ".join(f"{LIBRARY[a]} {', '.join(v)}" for a, v in axes.items())
            + " -- one library varied at a time, the others at the reference pins ("
            + ", ".join(f"{LIBRARY[a]} {pins[a]}" for a in axes) + f"). {len(have)} of "
            f"{len(environments)} environments have results at this commit"
            + (f": {', '.join(have)}." if have else "."))


def wall_time_lines(results_dir, machine, commit):
    """What the commit's sweep and confirmations cost, as tools/wall_times.py recorded."""
    steps = wall_times.of_commit(results_dir, machine, commit) if commit else []
    lines = ["## Wall time", ""]
    if not steps:
        return lines + [f"Not recorded for this commit (the sweep and `make confirm` "
                        f"record it in results/timings/{machine}.json).", ""]
    lines += markdown_table(
        ["step", "what", "started (UTC)", "size", "minutes"],
        [[s["step"] + (" (again)" if s.get("again") else ""), s["what"],
          s["started"].replace("T", " ").rstrip("Z"),
          (f"{s['environments']} environment{'' if s['environments'] == 1 else 's'}"
           if "environments" in s
           else f"{s.get('candidates', 0)} candidates"), f"{s['minutes']:.1f}"]
         for s in steps])
    total = {step: sum(s["minutes"] for s in wall_times.standing(steps) if s["step"] == step)
             for step in ("sweep", "confirm")}
    return lines + ["", f"In all {sum(total.values()):.1f} min: the sweep's runs "
                        f"{total['sweep']:.1f}, the confirmations {total['confirm']:.1f} "
                        f"(a run recorded again counts from that recording on).", ""]


def build(results_dir, machine, config_path):
    """(REPORT.md's text, README's headline table lines, confirmed entries for the chart)."""
    commit, results = results_at(results_dir, machine)
    environments = matrix_environments(config_path, results)
    changes = release_changes(results_dir, machine, commit, config_path)
    axes = {axis: list(releases(environments, axis)) for axis in sweep.AXES}
    reference = next(env for env in environments if env.axis == "reference")

    lines = ["# Boundary report", "",
             f"Generated by `make report` from results/{machine}/ (nothing re-run), "
             f"commit {commit[:8] if commit else 'none (no results)'}.", "",
             machine_facts(results_dir, machine), "",
             matrix_line(axes, environments), "",
             "![confirmed changes, ranked](confirmed-changes.png)", "",
             "## Release changes", ""]
    lines += changes_lines(changes, axes)

    lines += ["## Cost in the reference environment", "",
              "asv's recorded median per call divided by the elements, rows or batched "
              "operations it covers; NumPy at n = 10**6 float64 unless named, Spark at "
              "10**6 rows (collect: 10**5).", ""]
    lines += markdown_table(["crossing", "per", "cost"],
                            [[row.label, per(row), cell(*figure(reference, row))]
                             for row in CROSSINGS])
    lines.append("")
    for axis, versions in axes.items():
        envs = releases(environments, axis)
        rows = [row for row in CROSSINGS
                if axis in sweep.axes_of(compare.case_name(row.benchmark, row.case()))]
        lines += [f"## Cost by {LIBRARY[axis]} release", ""]
        lines += markdown_table(["crossing", "per", *versions],
                                [[row.label, per(row), *(cell(*figure(envs[v], row))
                                                         for v in versions)] for row in rows])
        lines.append("")

    lines += wall_time_lines(results_dir, machine, commit)

    table = markdown_table(
        ["crossing", "cost per element/row, reference pins", "confirmed release changes"],
        [[row.label, cell(*figure(reference, row)), confirmed_for(changes, row)]
         for row in CROSSINGS if row.headline])
    confirmed = [e for e in changes.entries or [] if e["confirmed"]]
    return "\n".join(lines).rstrip() + "\n", table, confirmed


# ----------------------------------------------------------------------------- chart

def chart(confirmed):
    """PNG bytes: the confirmed changes as bars of log2(new/old), biggest at the top,
    one colour per axis, the pairs' range as whiskers."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    shown = sorted(confirmed, key=lambda c: abs(math.log(c["ratio"])))[-40:]
    fig, ax = plt.subplots(figsize=(10, 1.5 + 0.3 * max(len(shown), 3)))
    colours = dict(zip(sweep.AXES, ("tab:blue", "tab:orange", "tab:green")))
    for i, c in enumerate(shown):
        ratio = math.log2(c["ratio"])
        ax.barh(i, ratio, color=colours.get(c["axis"], "grey"),
                xerr=[[ratio - math.log2(c["low"])], [math.log2(c["high"]) - ratio]])
    ax.set_yticks(range(len(shown)),
                  [f"{LIBRARY.get(c['axis'], c['axis'])} {c['a']}->{c['b']}  "
                   f"{compare.case_name(c['benchmark'].split('.', 1)[1], c['params'])}" for c in shown],
                  fontsize=7)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("log2(new release / old release): right = slower, left = faster")
    ax.set_title("Confirmed release changes" if shown else "No confirmed release change")
    ax.legend(handles=[Patch(color=colours[axis], label=LIBRARY[axis]) for axis in sweep.AXES],
              fontsize=8, loc="lower right")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


# ------------------------------------------------------------------------------ main

START, END = "<!-- report:start -->", "<!-- report:end -->"


def readme_with(text, table_lines):
    """README's text with the block between the markers replaced by `table_lines`."""
    if text.count(START) != 1 or text.count(END) != 1 or text.index(START) > text.index(END):
        raise SystemExit(f"README: expected one {START} before one {END}")
    head, rest = text.split(START)
    _, tail = rest.split(END)
    return head + START + "\n" + "\n".join(table_lines) + "\n" + END + tail


def update_readme(path, table_lines):
    with open(path) as f:
        text = f.read()
    replace_file(path, readme_with(text, table_lines).encode())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--machine", required=True)
    parser.add_argument("--results", default=os.path.join(ROOT, "results"))
    parser.add_argument("--config", default=os.path.join(ROOT, "asv.conf.json"))
    parser.add_argument("--out", default=os.path.join(ROOT, "report"))
    parser.add_argument("--readme", default=os.path.join(ROOT, "README.md"),
                        help="README to update ('' to leave it alone)")
    args = parser.parse_args()
    if not os.path.isdir(os.path.join(args.results, args.machine)):
        raise SystemExit(f"--machine: no results folder {args.results}/{args.machine}; "
                         f"allowed: a machine with results in {args.results}")

    text, table, confirmed = build(args.results, args.machine, args.config)
    os.makedirs(args.out, exist_ok=True)
    replace_file(os.path.join(args.out, "REPORT.md"), text.encode())
    replace_file(os.path.join(args.out, "confirmed-changes.png"), chart(confirmed))
    if args.readme:
        update_readme(args.readme, table)
    print(f"report: wrote {os.path.relpath(args.out)}/REPORT.md and confirmed-changes.png")


if __name__ == "__main__":
    main()
