"""`make report`: the boundary report, from results/ alone (nothing is re-run).

Writes report/REPORT.md (per crossing, the cost per element or per row for each NumPy
or PySpark release side by side; the boundary-tax ratios; version-to-version changes
beyond the noise threshold), report/cost-per-element.png, and the headline table in
README.md between the `report:start` / `report:end` markers.

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

from asv.results import iter_results_for_machine

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Changes between consecutive releases smaller than this factor are not called out. In
# two back-to-back runs of the same code on the reference machine (`make repeat`), 95%
# of the NumPy cases moved by less than 1.45x (median 1.04x, worst 2.44x; 1.49x in a
# later pair, where Spark's was 1.60x): a smaller change can't be told from the
# machine's noise (README, "Measurement quality").
NOISE = 1.5

M = 10**6
BATCH = 1000  # benchmarks/common.py: batched benchmarks record BATCH operations per call
C2P, LOOPS, P2C = "bench_c_to_python", "bench_loops", "bench_python_to_c"
SPARK, UDF = "bench_spark_conversion", "bench_spark_udf"

# (crossing, benchmark, parameters, divisor to one element/row/op, headline?)
NUMPY_ROWS = [
    ("`a[i]` -> NumPy scalar", f"{C2P}.TimeScalarExtraction.time_index",
     dict(n=M, dtype="float64"), BATCH, True),
    ("`a.item(i)` -> Python float", f"{C2P}.TimeScalarExtraction.time_item",
     dict(n=M, dtype="float64"), BATCH, False),
    ("`float(a[i])`", f"{C2P}.TimeScalarExtraction.time_float_of_index",
     dict(n=M, dtype="float64"), BATCH, False),
    ("NumPy scalar `x + y`", f"{C2P}.TimeScalarArithmetic.time_add",
     dict(scalar="numpy"), BATCH, False),
    ("`a.tolist()`", f"{C2P}.TimeToList.time_tolist", dict(n=M, dtype="float64"), M, True),
    ("`list(a)`", f"{C2P}.TimeToList.time_list", dict(n=M, dtype="float64"), M, False),
    ("full `repr(a)`", f"{C2P}.TimeReprFull.time_repr_full",
     dict(n=10**5, dtype="float64"), 10**5, True),
    ("`pickle.dumps` (protocol 5)", f"{C2P}.TimePickle.time_dumps",
     dict(n=M, dtype="float64", protocol="5"), M, True),
    ("Python-loop sum", f"{LOOPS}.TimeLoopSum.time_sum",
     dict(n=M, dtype="float64", method="iter_loop"), M, True),
    ("vectorized `a.sum()`", f"{LOOPS}.TimeLoopSum.time_sum",
     dict(n=M, dtype="float64", method="vectorized"), M, True),
    ("Python-loop gather", f"{LOOPS}.TimeGather.time_gather",
     dict(n=M, dtype="float64", method="loop"), M, False),
    ("fancy-index gather `a[idx]`", f"{LOOPS}.TimeGather.time_gather",
     dict(n=M, dtype="float64", method="fancy"), M, False),
    ("`np.array(list)`", f"{P2C}.TimeFromPython.time_array",
     dict(n=M, dtype="float64"), M, False),
    ("`a[i] = x` in a loop", f"{P2C}.TimeElementAssignment.time_assign",
     dict(n=M, dtype="float64", method="loop"), M, False),
]
NUMPY_RATIOS = [
    ("Python-loop sum / `a.sum()`", f"{LOOPS}.TrackBoundaryTax.track_loop_over_vectorized_sum",
     dict(n=M)),
    ("loop gather / fancy gather", f"{LOOPS}.TrackBoundaryTax.track_loop_over_fancy_gather",
     dict(n=M)),
    ("`tolist()` / `sum()` per element",
     f"{LOOPS}.TrackBoundaryTax.track_tolist_over_sum_per_element", dict(n=M)),
]
SPARK_ROWS = [
    ("`toPandas()`, Arrow on", f"{SPARK}.TimeSparkToPandas.time_to_pandas",
     dict(rows=M, arrow="on", scenario="seed"), M, True),
    ("`toPandas()`, Arrow off", f"{SPARK}.TimeSparkToPandas.time_to_pandas",
     dict(rows=M, arrow="off", scenario="seed"), M, True),
    ("`toPandas()`, release default", f"{SPARK}.TimeSparkToPandas.time_to_pandas",
     dict(rows=M, arrow="default", scenario="seed"), M, True),
    ("`toPandas()` mixed types, Arrow on", f"{SPARK}.TimeSparkToPandas.time_to_pandas",
     dict(rows=M, arrow="on", scenario="mixed"), M, False),
    ("`toArrow()`", f"{SPARK}.TimeSparkToArrow.time_to_arrow", dict(rows=M), M, False),
    ("`collect()` Rows", f"{SPARK}.TimeCollect.time_collect", dict(rows=10**5), 10**5, True),
    ("`createDataFrame(pandas)`, Arrow", f"{SPARK}.TimeCreateDataFrame.time_create_dataframe",
     dict(rows=M, source="pandas-arrow"), M, False),
    ("`createDataFrame(numpy)`", f"{SPARK}.TimeCreateDataFrame.time_create_dataframe",
     dict(rows=M, source="numpy"), M, False),
    ("row-at-a-time Python UDF", f"{UDF}.TimeColumnTransform.time_transform",
     dict(rows=M, udf="python_udf"), M, True),
    ("pandas UDF", f"{UDF}.TimeColumnTransform.time_transform",
     dict(rows=M, udf="pandas_udf"), M, False),
    ("Arrow-optimised Python UDF", f"{UDF}.TimeColumnTransform.time_transform",
     dict(rows=M, udf="arrow_python_udf"), M, False),
    ("Spark Connect `toPandas()`", f"{SPARK}.TimeSparkConnect.time_to_pandas",
     dict(rows=M, session="connect"), M, False),
]
SPARK_RATIOS = [
    ("Spark row -> NumPy, in `tolist()` elements",
     f"{SPARK}.TrackSparkOverhead.track_spark_row_cost_in_tolist_elements", {}),
]


# ------------------------------------------------------------------------- reading

def load_matrix(config_path):
    with open(config_path) as f:
        req = json.load(f)["matrix"]["req"]
    return req["numpy"], req["pyspark"]


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


def lookup(result, benchmark, params):
    """(value, None) or (None, why) for one parameter combination."""
    if result is None:
        return None, "no results"
    if benchmark not in result.get_all_result_keys():
        return None, "not run"
    names = _param_names(benchmark)
    wanted = [repr(params[name]) for name in names]
    combos = list(itertools.product(*result.get_result_params(benchmark)))
    if tuple(wanted) not in combos:
        return None, "not run"
    value = result.get_result_value(benchmark, result.get_result_params(benchmark))
    value = value[combos.index(tuple(wanted))]
    if value is None:
        return None, "failed"
    if isinstance(value, float) and math.isnan(value):
        return None, "skipped"
    return value, None


_PARAM_NAMES = {}


def _param_names(benchmark):
    if benchmark not in _PARAM_NAMES:
        raise KeyError(f"{benchmark}: unknown to results/benchmarks.json")
    return _PARAM_NAMES[benchmark]


def load_param_names(results_dir):
    with open(os.path.join(results_dir, "benchmarks.json")) as f:
        benchmarks = json.load(f)
    _PARAM_NAMES.update({name: b["param_names"] for name, b in benchmarks.items()
                         if name != "version"})


# ------------------------------------------------------------------------ formatting

def human_time(seconds):
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.2g} ns"


def cost_table(rows, versions, results_of, per):
    """Markdown rows of cost per element/row, and the changes beyond NOISE."""
    lines, changes = [], []
    for label, benchmark, params, divisor, _ in rows:
        cells, previous = [], None
        for version in versions:
            value, why = lookup(results_of(version), benchmark, params)
            if why:
                cells.append(why)
                previous = None
                continue
            cost = value / divisor
            cells.append(human_time(cost))
            if previous is not None:
                ratio = cost / previous[1]
                if ratio > NOISE or ratio < 1 / NOISE:
                    word = "slower" if ratio > 1 else "faster"
                    factor = ratio if ratio > 1 else 1 / ratio
                    changes.append(f"- {label}: {previous[0]} -> {version} {factor:.2f}x "
                                   f"{word} ({human_time(previous[1])} -> "
                                   f"{human_time(cost)} per {per})")
            previous = (version, cost)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines, changes


def ratio_table(rows, versions, results_of):
    lines = []
    for label, benchmark, params in rows:
        cells = []
        for version in versions:
            value, why = lookup(results_of(version), benchmark, params)
            cells.append(why or f"{value:.3g}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def header(first, versions):
    return [f"| {first} | " + " | ".join(versions) + " |",
            "|---|" + "---|" * len(versions)]


def section(title, library, versions, results_of, rows, ratios, per, fixed):
    lines = [f"## {title}", "",
             f"{library} releases side by side, {fixed}. Cost per {per}.", ""]
    table, changes = cost_table(rows, versions, results_of, per)
    lines += header(f"crossing (per {per})", versions) + table + [""]
    lines += [f"Boundary tax (ratios, {library} releases side by side):", ""]
    lines += header("ratio", versions) + ratio_table(ratios, versions, results_of) + [""]
    lines += [f"Changes beyond the noise threshold ({NOISE:.2f}x, the 95th percentile of "
              f"run-to-run differences here; confirm one by re-running both environments) "
              f"between consecutive {library} releases:", ""]
    lines += changes or ["- none"]
    return lines + [""]


def headline(numpy_versions, spark_versions, numpy_of, spark_of):
    """README's table: the headline crossings, oldest vs newest release."""
    lines = ["| crossing | cost per element/row, oldest -> newest release |", "|---|---|"]
    for rows, versions, results_of, library in (
            (NUMPY_ROWS, numpy_versions, numpy_of, "NumPy"),
            (SPARK_ROWS, spark_versions, spark_of, "PySpark")):
        for label, benchmark, params, divisor, is_headline in rows:
            if not is_headline:
                continue
            cells = []
            for version in (versions[0], versions[-1]):
                value, why = lookup(results_of(version), benchmark, params)
                cells.append(f"{library} {version}: {why or human_time(value / divisor)}")
            lines.append(f"| {label} | " + " -> ".join(cells) + " |")
    return lines


# ----------------------------------------------------------------------------- chart

def chart(path, sections):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(sections), figsize=(7 * len(sections), 5.5))
    for ax, (library, versions, results_of, rows, per) in zip(axes, sections):
        for label, benchmark, params, divisor, is_headline in rows:
            if not is_headline:
                continue
            xs, ys = [], []
            for i, version in enumerate(versions):
                value, why = lookup(results_of(version), benchmark, params)
                if not why:
                    xs.append(i)
                    ys.append(value / divisor * 1e9)
            if xs:
                ax.plot(xs, ys, marker="o", label=label.replace("`", ""))
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
    numpy_versions, spark_versions = load_matrix(config_path)
    load_param_names(results_dir)
    results = latest_results(results_dir, machine)
    ref_numpy, ref_spark = numpy_versions[-1], spark_versions[-1]

    def numpy_of(version):
        return results.get((version, ref_spark))

    def spark_of(version):
        return results.get((ref_numpy, version))

    found = sorted(results, key=lambda k: (k[0], k[1]))
    lines = ["# Boundary report", "",
             f"Generated by `make report` from results/{machine}/ (no benchmark re-run): "
             f"{len(found)} of {len(numpy_versions) + len(spark_versions) - 1} matrix "
             f"environments have results. Times are asv's recorded median per call "
             f"divided by the elements (or rows, or batched operations) it covers; "
             f"NumPy crossings at n = 10**6 float64 unless named, Spark at 10**6 rows "
             f"(collect: 10**5).", "",
             "![cost per element by release](cost-per-element.png)", ""]
    lines += section("NumPy crossings by NumPy release", "NumPy", numpy_versions, numpy_of,
                     NUMPY_ROWS, NUMPY_RATIOS, "element",
                     f"pandas/pyarrow/PySpark fixed at the reference pins (PySpark {ref_spark}); "
                     f"the four scalar rows are per operation")
    lines += section("Spark crossings by PySpark release", "PySpark", spark_versions,
                     spark_of, SPARK_ROWS, SPARK_RATIOS, "row",
                     f"NumPy/pandas/pyarrow fixed at the reference pins (NumPy {ref_numpy})")
    sections = [("NumPy", numpy_versions, numpy_of, NUMPY_ROWS, "element"),
                ("PySpark", spark_versions, spark_of, SPARK_ROWS, "row")]
    return "\n".join(lines), headline(numpy_versions, spark_versions, numpy_of, spark_of), \
        sections


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
