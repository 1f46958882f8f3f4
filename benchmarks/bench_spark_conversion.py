"""Spark (JVM) <-> Python crossings: Spark -> pandas -> NumPy, Spark -> Arrow -> NumPy,
Spark -> Row objects, and pandas/NumPy -> Spark.

Data: the "seed" table has 7 columns, `id` (int64), `m1`..`m5` (float64 measures) and
`category` (int32, 100 values); "mixed" adds `label` (string) and `ts` (timestamp). It is
built inside the JVM from `spark.range` with deterministic integer expressions whose
constants come from `common.rng` (`source_arrays` computes the same columns in NumPy,
exactly, for the tests and the pandas/NumPy -> Spark benchmarks), then cached and
counted, so the timed region starts from data held in Spark's memory. The Python
process never holds the source table, which keeps the peakmem benchmarks honest.

Timed: only the crossing. Outside: the JVM start, data generation and caching, and a
warm-up of the timed operation on the first `setup` of each combination (class loading,
JIT, Python worker start-up: `warm_up`, WARMUP_CALLS calls). asv_runner re-runs `setup`
before every sample; after the first it is a dictionary look-up plus one conf call.

JVM starts: asv runs every method x parameter combination in a fresh process, and
each starts its own JVM (~8 s with the first job), which dominates the suite's time.
So only the headline conversion (toPandas, the pipeline, toArrow, createDataFrame)
sweeps all three sizes; the rest use the sizes that show their scaling, and steps
whose cost doesn't depend on rows (views, zero-copy) use 10**6 only.

Parameters: `rows` (10**4, 10**5, 10**6) separates per-call costs (a Spark job,
~10-100 ms) from per-row costs; `arrow` ("on", "off", "default" = whatever this PySpark
version ships: off before 4.2, on from 4.2) because Arrow is the columnar fast path
and off is the row-by-row pickle path; `scenario` because strings and timestamps
convert per value even with Arrow; `session` ("classic" py4j vs Spark Connect gRPC).

Bounded slow paths (skipped in setup with the reason; asv records a skip): the
row-based (non-Arrow) paths that cost 20-30 s per call at 10**6 rows on 2 cores, where
warm-up plus 3 samples would take ~2 minutes of a ~21-minute suite:
`toPandas()` without Arrow of the "mixed" table (28 s; strings and timestamps go
through Python objects one by one) and `createDataFrame(pandas)` without Arrow (24 s)
run up to ROW_PATH_LIMIT = 10**5 rows. Measured and kept: non-Arrow toPandas of the
seed table at 10**6 rows (3-5 s per call). `collect()` (4-7 s at 10**6 rows) is swept
only to 10**5 (see TimeCollect).
"""

import functools
import operator
import os
import time
from collections import deque

import numpy as np

from . import common
from . import spark_session as ss

ROWS = [10**4, 10**5, 10**6]
ROW_PATH_LIMIT = 10**5
SEED_COLUMNS = ["id", "m1", "m2", "m3", "m4", "m5", "category"]
SCENARIOS = ["seed", "mixed"]

# Timestamps: 2026-01-01T00:00:00Z plus up to a year, in microseconds.
_TS_BASE_US = 1767225600 * 10**6
_TS_RANGE_US = 365 * 86400 * 10**6


class _Spark:
    """asv settings shared by the Spark benchmarks (not a benchmark: no asv prefix).

    Every process pays a JVM start and a first job (~8 s) and data set-up, so: one
    round, 3-8 samples within ~4 s, and a timeout that covers JVM start + data +
    warm-up + samples of the slowest case. No asv warm-up: setup's `warm_up` counts
    calls, which a timed warm-up can't (see there)."""

    rounds = 1
    repeat = (3, 8, 4.0)
    warmup_time = 0
    timeout = 300


# ---------------------------------------------------------------------------- data


@functools.lru_cache(maxsize=None)
def _constants():
    """Odd multipliers and offsets of the column expressions (seeded, deterministic)."""
    gen = common.rng(4242)
    mult = (gen.integers(1, 2**19, 8) * 2 + 1).tolist()
    add = gen.integers(0, 2**20, 8).tolist()
    return list(zip(mult, add))


def _expressions(scenario):
    c = _constants()
    exprs = ["id"]
    for k in range(5):
        a, b = c[k]
        exprs.append(f"CAST(((id * {a} + {b}) % 2097152 - 1048576) AS DOUBLE) / 4096.0 AS m{k + 1}")
    a, b = c[5]
    exprs.append(f"CAST((id * {a} + {b}) % 100 AS INT) AS category")
    if scenario == "mixed":
        a, b = c[6]
        exprs.append(f"concat('item-', CAST((id * {a} + {b}) % 100000 AS STRING)) AS label")
        a, b = c[7]
        exprs.append(f"timestamp_micros({_TS_BASE_US} + (id * {a} + {b}) % {_TS_RANGE_US}) AS ts")
    return exprs


@functools.lru_cache(maxsize=None)
def source_arrays(rows, scenario="seed"):
    """The table's columns computed in NumPy (the same values Spark computes), as a
    dict of read-only arrays of `common.size(rows)` elements."""
    if scenario not in SCENARIOS:
        raise ValueError(f"scenario must be one of {SCENARIOS} (got {scenario!r})")
    c = _constants()
    ids = np.arange(common.size(rows), dtype=np.int64)
    out = {"id": ids}
    for k in range(5):
        a, b = c[k]
        out[f"m{k + 1}"] = ((ids * a + b) % 2097152 - 1048576).astype(np.float64) / 4096.0
    a, b = c[5]
    out["category"] = ((ids * a + b) % 100).astype(np.int32)
    if scenario == "mixed":
        a, b = c[6]
        out["label"] = np.char.add("item-", ((ids * a + b) % 100000).astype(str)).astype(object)
        a, b = c[7]
        out["ts"] = (_TS_BASE_US + (ids * a + b) % _TS_RANGE_US).astype("datetime64[us]")
    for arr in out.values():
        arr.setflags(write=False)
    return out


@functools.lru_cache(maxsize=None)
def source_pandas(rows):
    """The seed table as a pandas DataFrame (for the pandas -> Spark benchmarks)."""
    import pandas as pd

    return pd.DataFrame({k: np.array(v) for k, v in source_arrays(rows).items()})


@functools.lru_cache(maxsize=None)
def source_matrix(rows):
    """The seed table as one (rows, 7) float64 ndarray (ids and categories are exact
    in float64), for createDataFrame from NumPy."""
    return np.column_stack([source_arrays(rows)[c].astype(np.float64) for c in SEED_COLUMNS])


_frames = {}


def spark_frame(spark, rows, scenario="seed"):
    """The cached, materialised Spark DataFrame of `common.size(rows)` rows in `spark`."""
    key = (id(spark), common.size(rows), scenario)
    df = _frames.get(key)
    if df is None:
        df = spark.range(common.size(rows)).selectExpr(*_expressions(scenario)).cache()
        df.count()
        _frames[key] = df
    return df


_warmed = set()
# The JVM gets faster with the number of calls, not with time: toPandas of 10**6 rows in a
# fresh process took 460, 335, 330, 310, ~250 by call 10, then settled at ~190-220 ms
# from call ~30 on (10**5 rows: 200 -> 60 ms over ~150 calls); pausing 10 s after the
# first call left the curve as it was. A timed warm-up (asv's warmup_time) stops at a
# point on that curve that depends on the machine's speed, so asv and an independent
# timer sampled different points (agreement 0.77-1.06). Counted calls put every sample
# at the same point; the budget caps the slow row-based paths (3-5 s per call).
WARMUP_CALLS = 30
WARMUP_BUDGET = 10.0  # seconds
# Benchmarks whose timed call has no JVM in it (pandas/Arrow -> NumPy, microseconds) meet
# the machine's two speeds as the NumPy suite does: one process sees one speed, so one
# round read 16.9 vs 32.5 us (1.92) and 0.68 vs 1.26 ms (1.85) in a repeat. 3 rounds, as
# common.Benchmark, at ~13 s (a JVM start and a toPandas/toArrow) per extra process.
NO_JVM_ROUNDS = 3


def warm_up(key, func):
    """Call `func` WARMUP_CALLS times, or until WARMUP_BUDGET seconds have passed, once
    per process for `key` (the first setup of a combination).

    A Spark failure here (e.g. a result over spark.driver.maxResultSize) fails the
    benchmark with Spark's root cause on one line instead of a Py4J stack trace."""
    if key not in _warmed:
        deadline = time.perf_counter() + WARMUP_BUDGET
        try:
            for _ in range(WARMUP_CALLS):
                func()
                if time.perf_counter() > deadline:
                    break
        except Exception as exc:
            cause = ss.root_cause(exc)
            if cause is None:
                raise
            raise RuntimeError(f"Spark failed in the warm-up of {key}: {cause}") from exc
        _warmed.add(key)


def _bound_row_path(rows, what):
    if common.size(rows) > ROW_PATH_LIMIT:
        raise NotImplementedError(
            f"{what} above {ROW_PATH_LIMIT} rows is skipped: 20-30 s per call on 2 cores "
            "would cost minutes per combination (see module docstring)")


def _to_numpy_all(pdf, columns, copy=False):
    return [pdf[c].to_numpy(copy=copy) for c in columns]


# ---------------------------------------------------------------------- benchmarks


# Cost: the slowest benchmark (~315-325 s per run: 18 cases x ~18 s, ~7 s of each a
# JVM start, up to 10 s the counted warm-up). Kept whole: the headline crossing, and
# rows x Arrow mode x scenario is the comparison the dashboard exists for (the Arrow
# default flips between releases).
class TimeSparkToPandas(_Spark):
    """`DataFrame.toPandas()` of a cached table: Arrow batches vs pickled rows."""

    params = (ROWS, ss.ARROW_MODES, SCENARIOS)
    param_names = ["rows", "arrow", "scenario"]

    def setup(self, rows, arrow, scenario):
        what = f"toPandas without Arrow of the {scenario} table"
        if arrow == "off" and scenario == "mixed":
            _bound_row_path(rows, what)
        spark = ss.classic_session()
        if not ss.set_arrow(spark, arrow) and scenario == "mixed":
            _bound_row_path(rows, what + " (this version's default)")
        self.df = spark_frame(spark, rows, scenario)
        warm_up(("to_pandas", rows, arrow, scenario), self.df.toPandas)

    def time_to_pandas(self, rows, arrow, scenario):
        self.df.toPandas()


# Cost: ~45 s per run (3 cases x ~15 s, mostly JVM starts): the seed's pipeline, kept
# at all three sizes because it is the figure the old demo got wrong.
class TimeSparkToNumpy(_Spark):
    """The seed pipeline: Spark -> pandas (Arrow on) -> 7 NumPy arrays."""

    params = [ROWS]
    param_names = ["rows"]

    def setup(self, rows):
        spark = ss.classic_session()
        ss.set_arrow(spark, "on")
        self.df = spark_frame(spark, rows)
        warm_up(("pipeline", rows), lambda: self.time_pipeline(rows))

    def time_pipeline(self, rows):
        _to_numpy_all(self.df.toPandas(), SEED_COLUMNS)


# Cost: ~75 s per run (2 cases x 3 rounds x ~13 s: a JVM start and a toPandas of 10**6
# rows each); 3 rounds because the timed call has no JVM in it (see NO_JVM_ROUNDS).
class TimePandasToNumpy(_Spark):
    """pandas -> NumPy on the frame `toPandas()` (Arrow on) returned for 10**6 rows:
    `to_numpy()` of the 7 columns as views (`copy=False`) vs copies (`copy=True`).
    One size only: a view costs the same per column at any size, a copy is a memcpy
    (linear), and each extra size is another JVM start (see module docstring)."""

    params = [[False, True]]
    param_names = ["copy"]
    rows = 10**6
    rounds = NO_JVM_ROUNDS

    def setup(self, copy):
        key = ("pandas", self.rows)
        if key not in _frames:
            spark = ss.classic_session()
            ss.set_arrow(spark, "on")
            _frames[key] = spark_frame(spark, self.rows).toPandas()
        self.pdf = _frames[key]

    def time_to_numpy(self, copy):
        _to_numpy_all(self.pdf, SEED_COLUMNS, copy)


# Cost: ~45-50 s per run (3 cases x ~16 s, mostly JVM starts); skipped before PySpark
# 4.0.
class TimeSparkToArrow(_Spark):
    """`DataFrame.toArrow()` (pyspark>=4.0): the Arrow batches Spark produces, handed
    to Python as one `pyarrow.Table` with no pandas step."""

    params = [ROWS]
    param_names = ["rows"]

    def setup(self, rows):
        ss.require_pyspark((4, 0), "DataFrame.toArrow")
        self.df = spark_frame(ss.classic_session(), rows)
        warm_up(("to_arrow", rows), self.df.toArrow)

    def time_to_arrow(self, rows):
        self.df.toArrow()


# Cost: ~38 s per run (3 rounds x ~13 s, a JVM start and a toArrow each; see
# NO_JVM_ROUNDS).
class TimeArrowToNumpy(_Spark):
    """Arrow -> NumPy without copying, on the table `toArrow()` returned for 10**6
    rows: `to_numpy(zero_copy_only=True)` of every record batch of the 7 numeric
    columns (one view per batch: the table arrives in chunks of
    `spark.sql.execution.arrow.maxRecordsPerBatch` = 10000 rows, so 700 views).
    One size: the cost is per chunk, not per row."""

    rows = 10**6
    rounds = NO_JVM_ROUNDS

    def setup(self):
        ss.require_pyspark((4, 0), "DataFrame.toArrow")
        key = ("arrow", self.rows)
        if key not in _frames:
            _frames[key] = spark_frame(ss.classic_session(), self.rows).toArrow()
        self.table = _frames[key]

    def time_arrow_to_numpy(self):
        for name in SEED_COLUMNS:
            for chunk in self.table.column(name).chunks:
                chunk.to_numpy(zero_copy_only=True)


# Cost: ~27 s per method per run (2 cases x ~13 s, mostly JVM starts); swept to 10**5
# rows only (collect of 10**6 rows is 4-7 s per call).
class TimeCollect(_Spark):
    """`collect()`: one `Row` object per row (pickled from the JVM), and Python-side
    access to all 7 fields of every collected Row by name (`Row.__getattr__`, driven
    from C by `operator.attrgetter`, so the time is Row's own). Both are linear in
    rows (~7 us per row each); 10**6 rows (7 s per call, plus a 7 s collect in
    setup) would add ~1 minute to the suite and show nothing new."""

    params = [[10**4, 10**5]]
    param_names = ["rows"]

    def setup(self, rows):
        spark = ss.classic_session()
        self.df = spark_frame(spark, rows)
        key = ("collect", rows)
        if key not in _frames:  # also the warm-up of time_collect
            _frames[key] = self.df.collect()
        self.rows = _frames[key]
        self.fields = operator.attrgetter(*SEED_COLUMNS)

    def time_collect(self, rows):
        self.df.collect()

    def time_row_field_access(self, rows):
        deque(map(self.fields, self.rows), maxlen=0)


# Cost: ~150-155 s per run (9 cases x ~17 s, mostly JVM starts; the two row-based 10**6
# cases are skipped, 24 s per call). The reverse crossing, at all three sizes.
class TimeCreateDataFrame(_Spark):
    """Back into Spark: `createDataFrame` from the seed table as pandas (Arrow on/off)
    or as a (rows, 7) float64 NumPy array (Arrow on), executed to the `noop` sink so
    Spark decodes every row. Timed: Python-side conversion, the transfer to the JVM and
    the job that materialises the rows; the source objects are built outside."""

    params = (ROWS, ["pandas-arrow", "pandas-no-arrow", "numpy"])
    param_names = ["rows", "source"]

    def setup(self, rows, source):
        if source == "pandas-no-arrow":
            _bound_row_path(rows, "createDataFrame from pandas without Arrow")
        if source == "numpy":
            ss.require_pyspark((3, 4), "createDataFrame from a numpy.ndarray")
        spark = ss.classic_session()
        ss.set_arrow(spark, "off" if source == "pandas-no-arrow" else "on")
        self.spark = spark
        self.data = source_matrix(rows) if source == "numpy" else source_pandas(rows)
        warm_up(("create", rows, source), lambda: self.time_create_dataframe(rows, source))

    def time_create_dataframe(self, rows, source):
        ss.write_noop(self.spark.createDataFrame(self.data))


# Cost: ~110-120 s per method per run (4 cases x ~28 s: a JVM start, an in-process
# Connect server, and setup warms up both methods, up to 10 s each at 10**6 rows). Two
# sizes only, the smallest and largest, for this reason.
class TimeSparkConnect(_Spark):
    """Classic (py4j, in-process JVM) vs Spark Connect (gRPC; by default a Connect
    server in this process's JVM, see spark_session) for `toPandas()` and
    `createDataFrame(pandas)` + noop. Both use Arrow (Connect always does). Two sizes,
    the per-call cost (10**4) and the per-row cost (10**6): each combination is a JVM
    start."""

    params = ([10**4, 10**6], list(ss.SESSION_KINDS))
    param_names = ["rows", "session"]

    def setup(self, rows, session):
        spark = ss.session(session)
        ss.set_arrow(spark, "on")
        self.spark = spark
        self.df = spark_frame(spark, rows)
        self.pdf = source_pandas(rows)
        warm_up(("connect", rows, session), self.df.toPandas)
        warm_up(("connect-create", rows, session),
                lambda: ss.write_noop(spark.createDataFrame(self.pdf)))

    def time_to_pandas(self, rows, session):
        self.df.toPandas()

    def time_create_dataframe(self, rows, session):
        ss.write_noop(self.spark.createDataFrame(self.pdf))


# Cost: ~30-36 s per method per run (2 cases x ~16 s, a JVM start each): one size, 10**6
# rows, where the Arrow/no-Arrow memory difference is large enough to read.
class PeakmemSparkToPandas:
    """Peak memory of the Python driver process for `toPandas()`, Arrow on vs off.

    asv's peakmem is the process's max RSS over its whole life (interpreter, pandas,
    pyarrow, py4j), so `peakmem_baseline` runs the same setup and does nothing: the
    conversion's own share is `peakmem_to_pandas - peakmem_baseline`. The JVM is a
    child process and is not counted. No full-size warm-up here (it would set the peak
    in setup); 100-row conversions in setup load the same modules for both."""

    params = ([10**6], ["on", "off"])
    param_names = ["rows", "arrow"]
    rounds = 1
    timeout = 300

    def setup(self, rows, arrow):
        spark = ss.classic_session()
        ss.set_arrow(spark, arrow)
        self.df = spark_frame(spark, rows)
        warm_up(("peakmem", rows, arrow), self.df.limit(100).toPandas)

    def peakmem_to_pandas(self, rows, arrow):
        self.df.toPandas()

    def peakmem_baseline(self, rows, arrow):
        pass


# Cost: ~28 s per run: 3 samples, each a cold JVM start (what it measures).
class TimeSparkSession:
    """JVM start-up: a fresh interpreter (pyspark already imported, outside the timed
    region) creates the suite's session on BOUNDARY_BENCH_SPARK_MASTER, runs a one-row
    job (executors and the task scheduler start lazily, so a session is not usable
    before its first job) and stops it. asv runs timeraw code in a new subprocess per
    sample, so every sample is a cold JVM start: 3 samples = 3 JVM starts."""

    rounds = 1
    repeat = 3
    number = 1
    warmup_time = 0
    timeout = 300

    def setup(self):
        ss.require_java()
        ss.master()

    def timeraw_start_query_stop(self):
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        setup = (f"import sys; sys.path.insert(0, {root!r})\n"
                 "from benchmarks import spark_session\n"
                 "import pyspark.sql\n"
                 "spark_session.require_java()")
        stmt = ("spark = spark_session.classic_session()\n"
                "spark.range(1).count()\n"
                "spark.stop()")
        return stmt, setup


class TrackSparkOverhead:
    """The Spark overhead factor: the per-row cost of the seed pipeline (Spark ->
    pandas with Arrow -> 7 NumPy arrays) over the per-element cost of NumPy -> Python
    (`ndarray.tolist()` of one float64 column) on the same number of rows (10**6,
    capped by BOUNDARY_BENCH_SIZE_CAP). Both are timed in this process, each as the
    minimum over several timeit samples (`common.best_time`), so machine speed mostly
    cancels. Read: one row through Spark costs as much as this many floats through
    `tolist()`."""

    unit = "ratio"
    rounds = 1
    timeout = 300
    rows = 10**6

    def setup(self):
        spark = ss.classic_session()
        ss.set_arrow(spark, "on")
        self.df = spark_frame(spark, self.rows)
        self.column = source_arrays(self.rows)["m1"]
        warm_up(("track",), self._pipeline)

    def _pipeline(self):
        _to_numpy_all(self.df.toPandas(), SEED_COLUMNS)

    def track_spark_row_cost_in_tolist_elements(self):
        spark_time = common.best_time(self._pipeline, repeat=3)
        tolist_time = common.best_time(self.column.tolist, repeat=5)
        return spark_time / tolist_time

