"""Spark (JVM) <-> Python crossings: Spark -> pandas -> NumPy, Spark -> Arrow -> NumPy,
Spark -> Row objects, and pandas/NumPy -> Spark.

Data: the seeded "seed" and "mixed" tables of `spark_data`, built inside the JVM, cached
and counted before anything is timed.

Timed: only the crossing. Outside: the JVM start, data generation and caching, and a
counted warm-up of the timed operation on the first `setup` of each combination
(`spark_data.warm_up`: the JIT speeds up per call, not per second). asv_runner re-runs
`setup` before every sample; after the first it is a few look-ups and one conf call.

JVM starts: asv runs every method x parameter combination in a fresh process, and each
starts its own JVM, which dominates the suite's time. So only the headline conversions
(toPandas, the pipeline, toArrow, createDataFrame) sweep both sizes; the rest use
the sizes that show their scaling, and steps whose cost doesn't depend on rows (views,
zero-copy) use 10**6 only; those two (pandas/Arrow -> NumPy) time no Spark and start no
JVM: their inputs are rebuilt as Spark hands them over. What each class costs a run:
docs/spark.md.

Parameters: `rows` (10**4, 10**6) separates per-call costs (a Spark job) from
per-row costs; `arrow` ("on", "off"; a release's default is one of them: off before
4.2, on from 4.2) because Arrow is the columnar fast path and off is the
row-by-row pickle path; `scenario` because strings and timestamps convert per value
even with Arrow; `session` ("classic" py4j vs Spark Connect gRPC).

Skips are declared on the class (`skips`) and raised in setup: the row-based
(non-Arrow) paths above `spark_data.ROW_PATH_LIMIT` rows -- `toPandas()` without Arrow
of the "mixed" table (strings and timestamps go through Python objects one by one) and
`createDataFrame(pandas)` without Arrow -- and what a PySpark release lacks. Non-Arrow
toPandas of the seed table runs at every size. `collect()` is swept only to 10**5.
"""

import operator
import os
from collections import deque

from . import common
from . import spark_data as sd
from . import spark_session as ss
from .common import Skip
from .spark_data import ROWS, SCENARIOS, SparkBenchmark

# The headline crossing, kept whole: rows x Arrow mode x scenario is the comparison the
# dashboard exists for (the Arrow default flips between releases).
class TimeSparkToPandas(SparkBenchmark):
    """`DataFrame.toPandas()` of a cached table: Arrow batches vs pickled rows."""

    # No "release default" mode: it is the same call as "off" before PySpark 4.2 and as
    # "on" from 4.2 (ss.ARROW_DEFAULT_ON_FROM), so it would be measured twice.
    params = (ROWS, ["on", "off"], SCENARIOS)
    param_names = ["rows", "arrow", "scenario"]
    skips = [Skip(
        f"toPandas without Arrow of the mixed table is bounded to {sd.ROW_PATH_LIMIT} "
        f"rows: tens of seconds per call",
        lambda p, v: p["scenario"] == "mixed" and p["rows"] > sd.ROW_PATH_LIMIT
        and p["arrow"] == "off")]

    def setup(self, rows, arrow, scenario):
        common.skip_declared(self, rows, arrow, scenario)
        spark = ss.classic_session()
        ss.set_arrow(spark, arrow)
        self.df = sd.frame(spark, rows, scenario)
        sd.warm_up(("to_pandas", rows, arrow, scenario), self.df.toPandas)

    def time_to_pandas(self, rows, arrow, scenario):
        self.df.toPandas()


# Kept at all three sizes: the figure the old demo got wrong.
class TimeSparkToNumpy(SparkBenchmark):
    """The seed pipeline: Spark -> pandas (Arrow on) -> 7 NumPy arrays."""

    params = [ROWS]
    param_names = ["rows"]

    def setup(self, rows):
        self.df = sd.arrow_frame(rows)
        sd.warm_up(("pipeline", rows), lambda: sd.pipeline(self.df))

    def time_pipeline(self, rows):
        sd.pipeline(self.df)


# What pyarrow says when it is imported with NumPy 1.x: pyarrow 26 dropped NumPy 1.x
# (apache/arrow#48473), and Spark's Arrow conversions import it.
PYARROW_NEEDS_NUMPY_2 = Skip(
    "pyarrow requires NumPy 2.0 or newer (pyarrow>=26), found NumPy 1.x",
    lambda p, v: v["pyarrow"] >= common.release("26") and v["numpy"] < common.release("2"))


class TimePandasToNumpy(common.Benchmark):
    """pandas -> NumPy on the frame `toPandas()` (Arrow on) returns for 10**6 rows:
    `to_numpy()` of the 7 columns as views (`copy=False`) vs copies (`copy=True`).

    No JVM in the timed call, so it is timed like the NumPy suite's micro-operations
    (common.Benchmark: 3 rounds, asv's warm-up, many calls per sample), not like the
    Spark queries, and none in setup: the frame is PySpark's own Arrow -> pandas
    conversion of the table's Arrow batches (`spark_data.pandas_result`). One size only:
    a view costs the same per column at any size, a copy is a memcpy (linear)."""

    params = [[False, True]]
    param_names = ["copy"]
    rows = 10**6
    timeout = SparkBenchmark.timeout
    version = "4"  # its input was made by a real toPandas() in a JVM
    skips = [PYARROW_NEEDS_NUMPY_2]  # its input comes from toPandas with Arrow

    def setup(self, copy):
        common.skip_declared(self, copy)
        self.pdf = sd.pandas_result(self.rows)
        # Views take microseconds, a copy moves the whole frame: calls per sample so that
        # a sample spans many calls either way.
        self.number = 10 if copy else 1000

    def time_to_numpy(self, copy):
        sd.to_numpy_all(self.pdf, copy)


class TimeSparkToArrow(SparkBenchmark):
    """`DataFrame.toArrow()` (pyspark>=4.0): the Arrow batches Spark produces, handed
    to Python as one `pyarrow.Table` with no pandas step."""

    params = [ROWS]
    param_names = ["rows"]
    skips = [Skip("DataFrame.toArrow needs pyspark>=4.0", lambda p, v: sd.pyspark_before("4.0", v))]

    def setup(self, rows):
        common.skip_declared(self, rows)
        self.df = sd.frame(ss.classic_session(), rows)
        sd.warm_up(("to_arrow", rows), self.df.toArrow)

    def time_to_arrow(self, rows):
        self.df.toArrow()


class TimeArrowToNumpy(common.Benchmark):
    """Arrow -> NumPy without copying, on the table `toArrow()` returns for 10**6
    rows: `to_numpy(zero_copy_only=True)` of every record batch of the 7 numeric
    columns (one view per batch: the table arrives in chunks of
    `spark.sql.execution.arrow.maxRecordsPerBatch` rows). One size: the cost is per
    chunk, not per row. No JVM in the timed call nor in setup (the table is rebuilt
    as Spark sends it, `spark_data.arrow_result`): timed like TimePandasToNumpy."""

    rows = 10**6
    number = 100
    timeout = SparkBenchmark.timeout
    version = "4"  # its input was made by a real toArrow() in a JVM
    skips = TimeSparkToArrow.skips + [PYARROW_NEEDS_NUMPY_2]

    def setup(self):
        common.skip_declared(self)
        self.table = sd.arrow_result(self.rows)

    def time_arrow_to_numpy(self):
        for name in sd.SEED_COLUMNS:
            for chunk in self.table.column(name).chunks:
                chunk.to_numpy(zero_copy_only=True)


# Swept to 10**5 rows only: collect is linear in rows, and 10**6 would cost minutes per
# run and show nothing new.
class TimeCollect(SparkBenchmark):
    """`collect()`: one `Row` object per row (pickled from the JVM), and Python-side
    access to all 7 fields of every collected Row by name (`Row.__getattr__`, driven
    from C by `operator.attrgetter`, so the time is Row's own)."""

    params = [[10**4, 10**5]]
    param_names = ["rows"]
    version = "3"  # was one warm-up call instead of the counted warm-up

    def setup(self, rows):
        self.df = sd.frame(ss.classic_session(), rows)
        sd.warm_up(("collect", rows), self.df.collect)
        self.rows = sd.collected_rows(rows)
        self.fields = operator.attrgetter(*sd.SEED_COLUMNS)

    def time_collect(self, rows):
        self.df.collect()

    def time_row_field_access(self, rows):
        deque(map(self.fields, self.rows), maxlen=0)


# The reverse crossing, at all three sizes.
class TimeCreateDataFrame(SparkBenchmark):
    """Back into Spark: `createDataFrame` from the seed table as pandas (Arrow on/off)
    or as a (rows, 7) float64 NumPy array (Arrow on), executed to the `noop` sink so
    Spark decodes every row. Timed: Python-side conversion, the transfer to the JVM and
    the job that materialises the rows; the source objects are built outside."""

    params = (ROWS, ["pandas-arrow", "pandas-no-arrow", "numpy"])
    param_names = ["rows", "source"]
    skips = [Skip(f"createDataFrame from pandas without Arrow is bounded to {sd.ROW_PATH_LIMIT} "
                  "rows: tens of seconds per call",
                  lambda p, v: p["source"] == "pandas-no-arrow" and p["rows"] > sd.ROW_PATH_LIMIT)]

    def setup(self, rows, source):
        common.skip_declared(self, rows, source)
        spark = ss.classic_session()
        ss.set_arrow(spark, "off" if source == "pandas-no-arrow" else "on")
        self.spark = spark
        self.data = sd.source_matrix(rows) if source == "numpy" else sd.source_pandas(rows)
        sd.warm_up(("create", rows, source), lambda: self.time_create_dataframe(rows, source))

    def time_create_dataframe(self, rows, source):
        ss.write_noop(self.spark.createDataFrame(self.data))


# Two sizes only, the smallest and largest: each combination is a JVM start plus a
# Connect server, and setup warms up both methods.
class TimeSparkConnect(SparkBenchmark):
    """Classic (py4j, in-process JVM) vs Spark Connect (gRPC; by default a Connect
    server in this process's JVM, see spark_session) for `toPandas()` and
    `createDataFrame(pandas)` + noop. Both use Arrow (Connect always does). Two sizes,
    the per-call cost (10**4) and the per-row cost (10**6)."""

    params = ([10**4, 10**6], list(ss.SESSION_KINDS))
    param_names = ["rows", "session"]
    skips = [Skip("Spark Connect needs pyspark>=4.0 (3.5 ships no Connect server)",
                  lambda p, v: p["session"] == "connect" and sd.pyspark_before("4.0", v))]

    def setup(self, rows, session):
        common.skip_declared(self, rows, session)
        spark = ss.session(session)
        ss.set_arrow(spark, "on")
        self.spark = spark
        self.df = sd.frame(spark, rows)
        self.pdf = sd.source_pandas(rows)
        sd.warm_up(("connect", rows, session), lambda: self.time_to_pandas(rows, session))
        sd.warm_up(("connect-create", rows, session),
                   lambda: self.time_create_dataframe(rows, session))

    def time_to_pandas(self, rows, session):
        self.df.toPandas()

    def time_create_dataframe(self, rows, session):
        ss.write_noop(self.spark.createDataFrame(self.pdf))


# One size, 10**6 rows, where the Arrow/no-Arrow memory difference is large enough to read.
class PeakmemSparkToPandas(SparkBenchmark):
    """Peak memory of the Python driver process for `toPandas()`, Arrow on vs off.

    asv's peakmem is the process's max RSS over its whole life (interpreter, pandas,
    pyarrow, py4j), so `peakmem_baseline` runs the same setup and does nothing: the
    conversion's own share is `peakmem_to_pandas - peakmem_baseline`. The JVM is a
    child process and is not counted. No full-size warm-up here (it would set the peak
    in setup); 100-row conversions in setup load the same modules for both."""

    params = ([10**6], ["on", "off"])
    param_names = ["rows", "arrow"]

    def setup(self, rows, arrow):
        spark = ss.classic_session()
        ss.set_arrow(spark, arrow)
        self.df = sd.frame(spark, rows)
        sd.warm_up(("peakmem", rows, arrow), self.df.limit(100).toPandas)

    def peakmem_to_pandas(self, rows, arrow):
        self.df.toPandas()

    def peakmem_baseline(self, rows, arrow):
        pass


class TimeSparkSession(SparkBenchmark):
    """JVM start-up: a fresh interpreter (pyspark already imported, outside the timed
    region) creates the suite's session on BOUNDARY_BENCH_SPARK_MASTER, runs a one-row
    job (executors and the task scheduler start lazily, so a session is not usable
    before its first job) and stops it. asv runs timeraw code in a new subprocess per
    sample, so every sample is a cold JVM start: 3 samples = 3 JVM starts."""

    repeat = 3
    number = 1

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


class TrackSparkOverhead(SparkBenchmark):
    """The Spark overhead factor: the per-row cost of the seed pipeline (Spark ->
    pandas with Arrow -> 7 NumPy arrays) over the per-element cost of NumPy -> Python
    (`ndarray.tolist()` of one float64 column) on the same number of rows (10**6,
    capped by BOUNDARY_BENCH_SIZE_CAP). Read: one row through Spark costs as much as
    this many floats through `tolist()`.

    Statistic: the median of single calls on each side, as asv records for the two
    time_ benchmarks this summarises (TimeSparkToNumpy.time_pipeline and
    TimeToList.time_tolist at 10**6); the calls alternate, so a change of machine speed
    hits both sides, after the pipeline's counted warm-up."""

    unit = "ratio"
    rows = 10**6
    samples = SparkBenchmark.repeat[1]
    version = "3"  # was the ratio of two best-of-timeit minima

    def setup(self):
        self.df = sd.arrow_frame(self.rows)
        self.column = sd.source_arrays(self.rows)["m1"]
        sd.warm_up(("pipeline", self.rows), lambda: sd.pipeline(self.df))

    def track_spark_row_cost_in_tolist_elements(self):
        spark, tolist = common.median_times(
            [lambda: sd.pipeline(self.df), self.column.tolist], self.samples)
        return spark / tolist
