"""`make report`: the boundary report, from results/ alone (nothing is re-run).

Writes report/REPORT.md (the machine the results were measured on; per crossing, the
cost per element or per row for each NumPy or PySpark release side by side; the
boundary-tax ratios; version-to-version changes beyond the noise threshold),
report/cost-per-element.png, and the headline table in README.md between the
`report:start` / `report:end` markers.

Which results: the newest commit's results file of each environment of asv.conf.json's
matrix on the machine (default reference-2core). NumPy releases are compared in the
environments that hold PySpark at its reference pin, PySpark releases in those that
hold NumPy at its reference pin (the matrix's design, see tools/sweep.py). A missing
figure is shown as what it is -- "no results" (the environment never ran), "not run"
(the benchmark is absent from its file), "failed" or "skipped" -- never as a number.

Usage: python tools/report.py [--machine NAME] [--results DIR] [--out DIR] [--readme PATH]
"""

import argparse
import itertools
import json
import math
import os
import re
from typing import NamedTuple

from asv.results import iter_results_for_machine

from scratch_asv import ROOT  # first: makes `benchmarks` importable

from benchmarks.common import BATCH  # batched benchmarks: BATCH operations per call
from formatting import human_time, markdown_table

# Changes between consecutive releases smaller than this factor are not called out: it
# is the 95th percentile of the run-to-run ratios that `make repeat` measures on the
# reference machine (two back-to-back runs of the same code), so a smaller change can't
# be told from the machine's noise (see docs/measurement.md).
NOISE = 1.5


class Crossing(NamedTuple):
    """A row of a cost table: `benchmark` at `params`, whose recorded time per call is
    divided by `divisor` to give the cost of one element, row or batched operation.
    Headline rows also go to README's table and to the chart."""
    label: str
    benchmark: str
    params: dict
    divisor: int
    headline: bool = False


class Ratio(NamedTuple):
    """A row of a boundary-tax table: a `track_` benchmark that records a ratio."""
    label: str
    benchmark: str
    params: dict


M = 10**6
C2P, LOOPS, P2C = "bench_c_to_python", "bench_loops", "bench_python_to_c"
SPARK, UDF = "bench_spark_conversion", "bench_spark_udf"
FLOAT = dict(n=M, dtype="float64")

NUMPY_ROWS = [
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
]
NUMPY_RATIOS = [
    Ratio("Python-loop sum / `a.sum()`",
          f"{LOOPS}.TrackBoundaryTax.track_loop_over_vectorized_sum", dict(n=M)),
    Ratio("loop gather / fancy gather",
          f"{LOOPS}.TrackBoundaryTax.track_loop_over_fancy_gather", dict(n=M)),
    Ratio("`tolist()` / `sum()` per element",
          f"{LOOPS}.TrackBoundaryTax.track_tolist_over_sum_per_element", dict(n=M)),
]
SPARK_ROWS = [
    Crossing("`toPandas()`, Arrow on", f"{SPARK}.TimeSparkToPandas.time_to_pandas",
             dict(rows=M, arrow="on", scenario="seed"), M, headline=True),
    Crossing("`toPandas()`, Arrow off", f"{SPARK}.TimeSparkToPandas.time_to_pandas",
             dict(rows=M, arrow="off", scenario="seed"), M, headline=True),
    Crossing("`toPandas()`, release default", f"{SPARK}.TimeSparkToPandas.time_to_pandas",
             dict(rows=M, arrow="default", scenario="seed"), M, headline=True),
    Crossing("`toPandas()` mixed types, Arrow on", f"{SPARK}.TimeSparkToPandas.time_to_pandas",
             dict(rows=M, arrow="on", scenario="mixed"), M),
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
    Crossing("Spark Connect `toPandas()`", f"{SPARK}.TimeSparkConnect.time_to_pandas",
             dict(rows=M, session="connect"), M),
]
SPARK_RATIOS = [
    Ratio("Spark row -> NumPy, in `tolist()` elements",
          f"{SPARK}.TrackSparkOverhead.track_spark_row_cost_in_tolist_elements", {}),
]


# ------------------------------------------------------------------------- reading

def load_matrix(config_path):
    with open(config_path) as f:
        req = json.load(f)["matrix"]["req"]
    return req["numpy"], req["pyspark"]


def load_param_names(results_dir):
    """{benchmark: [parameter names]} from results/benchmarks.json (asv's results files
    hold parameter values only)."""
    with open(os.path.join(results_dir, "benchmarks.json")) as f:
        benchmarks = json.load(f)
    return {name: b["param_names"] for name, b in benchmarks.items() if name != "version"}


def latest_results(results_dir, machine):
    """{(numpy, pyspark): Results} -- the newest commit of each matrix environment."""
    chosen = {}
    if not os.path.isdir(os.path.join(results_dir, machine)):
        return chosen
    for result in iter_results_for_machine(results_dir, machine):
        key = (result.params.get("numpy"), result.params.get("pyspark"))
        if None in key:
            continue  # `-E existing` runs record no requirements: not a matrix point
        if key not in chosen or (result.date or 0) > (chosen[key].date or 0):
            chosen[key] = result
    return chosen


def lookup(result, benchmark, params, param_names):
    """(value, None) or (None, why) for one parameter combination."""
    if result is None:
        return None, "no results"
    if benchmark not in result.get_all_result_keys():
        return None, "not run"
    if benchmark not in param_names:
        raise KeyError(f"{benchmark}: unknown to results/benchmarks.json")
    wanted = tuple(repr(params[name]) for name in param_names[benchmark])
    recorded = result.get_result_params(benchmark)
    combos = list(itertools.product(*recorded))
    if wanted not in combos:
        return None, "not run"
    value = result.get_result_value(benchmark, recorded)[combos.index(wanted)]
    if value is None:
        return None, "failed"
    if isinstance(value, float) and math.isnan(value):
        return None, "skipped"
    return value, None


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


class Section(NamedTuple):
    """One library's releases side by side, the others held at their reference pins."""
    library: str          # "NumPy" or "PySpark"
    versions: list        # its releases in the matrix, oldest first
    results: dict         # {release: Results} of the environments that have results
    param_names: dict     # load_param_names
    rows: list            # [Crossing]
    ratios: list          # [Ratio]
    per: str              # "element" or "row"

    def figure(self, version, row):
        """(value, None) or (None, why) of a Crossing or Ratio in one release."""
        return lookup(self.results.get(version), row.benchmark, row.params, self.param_names)


# ------------------------------------------------------------------------ formatting

def cost_table(section):
    """Markdown table of cost per element/row, and the changes beyond NOISE."""
    table, changes = [], []
    for row in section.rows:
        cells, previous = [], None
        for version in section.versions:
            value, why = section.figure(version, row)
            if why:
                cells.append(why)
                previous = None
                continue
            cost = value / row.divisor
            cells.append(human_time(cost))
            if previous is not None:
                ratio = cost / previous[1]
                if ratio > NOISE or ratio < 1 / NOISE:
                    word = "slower" if ratio > 1 else "faster"
                    factor = ratio if ratio > 1 else 1 / ratio
                    changes.append(f"- {row.label}: {previous[0]} -> {version} {factor:.2f}x "
                                   f"{word} ({human_time(previous[1])} -> "
                                   f"{human_time(cost)} per {section.per})")
            previous = (version, cost)
        table.append([row.label, *cells])
    headers = [f"crossing (per {section.per})", *section.versions]
    return markdown_table(headers, table), changes


def ratio_table(section):
    table = [[row.label] + [why or f"{value:.3g}" for value, why in
                            (section.figure(version, row) for version in section.versions)]
             for row in section.ratios]
    return markdown_table(["ratio", *section.versions], table)


def section_text(title, section, fixed):
    library, per = section.library, section.per
    lines = [f"## {title}", "",
             f"{library} releases side by side, {fixed}. Cost per {per}.", ""]
    table, changes = cost_table(section)
    lines += table + [""]
    lines += [f"Boundary tax (ratios, {library} releases side by side):", ""]
    lines += ratio_table(section) + [""]
    lines += [f"Changes beyond the noise threshold ({NOISE:.2f}x, the 95th percentile of "
              f"run-to-run differences here; confirm one by re-running both environments) "
              f"between consecutive {library} releases:", ""]
    lines += changes or ["- none"]
    return lines + [""]


def headline(sections):
    """README's table: the headline crossings, oldest vs newest release."""
    table = []
    for section in sections:
        for row in section.rows:
            if not row.headline:
                continue
            cells = []
            for version in (section.versions[0], section.versions[-1]):
                value, why = section.figure(version, row)
                cells.append(f"{section.library} {version}: "
                             f"{why or human_time(value / row.divisor)}")
            table.append([row.label, " -> ".join(cells)])
    return markdown_table(["crossing", "cost per element/row, oldest -> newest release"], table)


# ----------------------------------------------------------------------------- chart

def chart(path, sections):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(sections), figsize=(7 * len(sections), 5.5))
    for ax, section in zip(axes, sections):
        versions, library, per = section.versions, section.library, section.per
        for row in section.rows:
            if not row.headline:
                continue
            xs, ys = [], []
            for i, version in enumerate(versions):
                value, why = section.figure(version, row)
                if not why:
                    xs.append(i)
                    ys.append(value / row.divisor * 1e9)
            if xs:
                ax.plot(xs, ys, marker="o", label=row.label.replace("`", ""))
        ax.set_xticks(range(len(versions)), versions)
        ax.set_yscale("log")
        ax.set_xlabel(f"{library} release")
        ax.set_ylabel(f"ns per {per} (log scale)")
        ax.set_title(f"Cost per {per} by {library} release")
        ax.grid(True, which="both", alpha=0.3)
        if ax.lines:  # no results at all for this library: no legend to draw
            ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90, metadata={"Software": None})
    plt.close(fig)


# ------------------------------------------------------------------------------ main

START, END = "<!-- report:start -->", "<!-- report:end -->"


def build(results_dir, machine, config_path):
    """(REPORT.md's text, README's headline table lines, [Section] for the chart)."""
    numpy_versions, spark_versions = load_matrix(config_path)
    param_names = load_param_names(results_dir)
    results = latest_results(results_dir, machine)
    ref_numpy, ref_spark = numpy_versions[-1], spark_versions[-1]
    numpy = Section("NumPy", numpy_versions,
                    {v: results[v, ref_spark] for v in numpy_versions if (v, ref_spark) in results},
                    param_names, NUMPY_ROWS, NUMPY_RATIOS, "element")
    spark = Section("PySpark", spark_versions,
                    {v: results[ref_numpy, v] for v in spark_versions if (ref_numpy, v) in results},
                    param_names, SPARK_ROWS, SPARK_RATIOS, "row")

    lines = ["# Boundary report", "",
             f"Generated by `make report` from results/{machine}/ (no benchmark re-run): "
             f"{len(results)} of {len(numpy_versions) + len(spark_versions) - 1} matrix "
             f"environments have results. Times are asv's recorded median per call "
             f"divided by the elements (or rows, or batched operations) it covers; "
             f"NumPy crossings at n = 10**6 float64 unless named, Spark at 10**6 rows "
             f"(collect: 10**5).", "",
             machine_facts(results_dir, machine), "",
             "![cost per element by release](cost-per-element.png)", ""]
    lines += section_text("NumPy crossings by NumPy release", numpy,
                          f"pandas/pyarrow/PySpark fixed at the reference pins (PySpark "
                          f"{ref_spark}); the four scalar rows are per operation")
    lines += section_text("Spark crossings by PySpark release", spark,
                          f"NumPy/pandas/pyarrow fixed at the reference pins (NumPy {ref_numpy})")
    return "\n".join(lines), headline([numpy, spark]), [numpy, spark]


def update_readme(path, table_lines):
    with open(path) as f:
        text = f.read()
    if START not in text or END not in text:
        raise SystemExit(f"{path}: markers {START} / {END} not found")
    block = f"{START}\n" + "\n".join(table_lines) + f"\n{END}"
    text = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: block, text,
                  flags=re.S)
    with open(path, "w") as f:
        f.write(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--machine", default="reference-2core")
    parser.add_argument("--results", default=os.path.join(ROOT, "results"))
    parser.add_argument("--config", default=os.path.join(ROOT, "asv.conf.json"))
    parser.add_argument("--out", default=os.path.join(ROOT, "report"))
    parser.add_argument("--readme", default=os.path.join(ROOT, "README.md"),
                        help="README to update ('' to leave it alone)")
    args = parser.parse_args()

    text, table, sections = build(args.results, args.machine, args.config)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "REPORT.md"), "w") as f:
        f.write(text + "\n")
    chart(os.path.join(args.out, "cost-per-element.png"), sections)
    if args.readme:
        update_readme(args.readme, table)
    print(f"report: wrote {os.path.relpath(args.out)}/REPORT.md and cost-per-element.png")


if __name__ == "__main__":
    main()
