"""Spark benchmark support: the seeded tables, their per-process caches, the warm-up
policy and the asv settings the Spark benchmarks share (not a benchmark module).

Data: the "seed" table has 7 columns, `id` (int64), `m1`..`m5` (float64 measures) and
`category` (int32, 100 values); "mixed" adds `label` (string) and `ts` (timestamp). It is
built inside the JVM from `spark.range` with deterministic integer expressions whose
constants come from `common.rng` (`source_arrays` computes the same columns in NumPy,
exactly, for the tests and the pandas/NumPy -> Spark benchmarks), then cached and
counted, so a timed region starts from data held in Spark's memory. The Python process
never holds the source table, which keeps the peakmem benchmarks honest. The exceptions
are the inputs of the pandas/Arrow -> NumPy steps, which time no Spark: what `toArrow()`
and `toPandas()` return, rebuilt from `source_arrays` without a JVM (`arrow_result`,
`pandas_result`).

What a benchmark's setup asks for is cached per process: asv_runner re-runs `setup`
before every timed call, so after the first one a benchmark's setup is a few dictionary
look-ups.
"""

import functools
import io
import time

import numpy as np

from . import common
from . import spark_session as ss

# 10**4 rows shows the per-call cost (a Spark job), 10**6 the per-row cost; 10**5 only
# interpolated between them, at a third of every Spark environment's run time.
ROWS = [10**4, 10**6]
SEED_COLUMNS = ["id", "m1", "m2", "m3", "m4", "m5", "category"]
SCENARIOS = ["seed", "mixed"]

# Row-based (non-Arrow) conversions of string/timestamp data, and createDataFrame from
# pandas without Arrow, cost tens of seconds per call at 10**6 rows on 2 cores; above
# this many rows they are skipped (declared on the benchmarks that skip).
ROW_PATH_LIMIT = 10**5

# Timestamps: 2026-01-01T00:00:00Z plus up to a year, in microseconds.
_TS_BASE_US = 1767225600 * 10**6
_TS_RANGE_US = 365 * 86400 * 10**6


class SparkBenchmark:
    """asv settings shared by the Spark benchmarks (a base class, not a benchmark).

    Every process pays a JVM start, a first job and data set-up, so: one round, 3-8
    samples within a few seconds, and a timeout that covers JVM start + data + warm-up +
    samples of the slowest case. No asv warm-up: setup's `warm_up` counts calls, which a
    timed warm-up can't. `version` is explicit (see docs/measurement.md, "Benchmark
    versions"): bump it when what these benchmarks measure changes."""

    rounds = 1
    repeat = (3, 8, 4.0)
    warmup_time = 0
    timeout = 300
    version = "2"


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


def _check_scenario(scenario):
    if scenario not in SCENARIOS:
        raise ValueError(f"scenario must be one of {SCENARIOS} (got {scenario!r})")


@functools.lru_cache(maxsize=None)
def source_arrays(rows, scenario="seed"):
    """The table's columns computed in NumPy (the same values Spark computes), as a
    dict of read-only arrays of `common.size(rows)` elements."""
    _check_scenario(scenario)
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


_frames = {}  # (id(session), rows, scenario) -> cached Spark DataFrame


def frame(spark, rows, scenario="seed"):
    """The cached, materialised Spark DataFrame of `common.size(rows)` rows in `spark`."""
    _check_scenario(scenario)
    key = (id(spark), common.size(rows), scenario)
    df = _frames.get(key)
    if df is None:
        df = spark.range(common.size(rows)).selectExpr(*_expressions(scenario)).cache()
        df.count()
        _frames[key] = df
    return df


def arrow_frame(rows):
    """The seed table in the classic session with Arrow conversion on."""
    spark = ss.classic_session()
    ss.set_arrow(spark, "on")
    return frame(spark, rows)


# What the JVM hands Python for the seed table, rebuilt without one (the pandas/Arrow ->
# NumPy benchmarks time no Spark, and a JVM start per process was most of their run time):
# spark.range splits the rows evenly over the session's default parallelism (2 in the
# default local[2]) and Arrow conversion sends each partition in batches of at most
# spark.sql.execution.arrow.maxRecordsPerBatch rows (Spark's default). Tests compare
# both with what a real session returns.
ARROW_PARTITIONS = 2
ARROW_BATCH_ROWS = 10000


def seed_schema():
    """The seed table's Spark schema, as Spark derives it (`id` from spark.range is
    not nullable, the computed columns are)."""
    from pyspark.sql.types import DoubleType, IntegerType, LongType, StructField, StructType

    return StructType([StructField("id", LongType(), False)]
                      + [StructField(f"m{k}", DoubleType(), True) for k in range(1, 6)]
                      + [StructField("category", IntegerType(), True)])


def _arrow_table(rows):
    """What `toArrow()` returns for the seed table in the default session: the same
    schema, values and record batches, built from `source_arrays` without a JVM."""
    import pyarrow as pa
    from pyspark.sql.pandas.types import to_arrow_schema

    schema = to_arrow_schema(seed_schema())
    columns = [source_arrays(rows)[c] for c in SEED_COLUMNS]
    n = common.size(rows)
    bounds = [n * i // ARROW_PARTITIONS for i in range(ARROW_PARTITIONS + 1)]
    stream = pa.BufferOutputStream()
    with pa.ipc.new_stream(stream, schema) as writer:
        for begin, end in zip(bounds, bounds[1:]):
            for start in range(begin, end, ARROW_BATCH_ROWS):
                stop = min(start + ARROW_BATCH_ROWS, end)
                writer.write_batch(pa.RecordBatch.from_arrays(
                    [pa.array(c[start:stop]) for c in columns], schema=schema))
    # Read back from a Python file object, as PySpark reads the JVM's Arrow stream: the
    # buffers are then allocated as toArrow()'s are (arrays wrapping NumPy's memory
    # convert to NumPy measurably slower).
    return pa.ipc.open_stream(io.BytesIO(stream.getvalue().to_pybytes())).read_all()


arrow_result = functools.lru_cache(maxsize=None)(_arrow_table)


@functools.lru_cache(maxsize=None)
def pandas_result(rows):
    """What `toPandas()` (Arrow on) returns for the seed table: PySpark's own conversion
    of the collected Arrow batches to pandas (the function toPandas() calls, with the
    options it passes in this suite's session) applied to the table `toArrow()` would
    return, so no JVM starts. A PySpark without that function gets a real toPandas()."""
    try:
        from pyspark.sql.pandas.conversion import _convert_arrow_table_to_pandas
    except ImportError:
        return arrow_frame(rows).toPandas()
    # The session's time zone (spark_session) and Spark's default struct handling, on a
    # table of its own that is freed afterwards, as toPandas() frees its batches: what a
    # process has allocated and freed sets how fast it allocates later (a cached table
    # slowed to_numpy copies: docs/figures.md, "Cost of a run").
    return _convert_arrow_table_to_pandas(_arrow_table(rows), seed_schema(), timezone="UTC",
                                          struct_handling_mode="legacy", date_as_object=True)


@functools.lru_cache(maxsize=None)
def collected_rows(rows):
    """What `collect()` returns for the seed table: a list of `Row`s."""
    return frame(ss.classic_session(), rows).collect()


def to_numpy_all(pdf, copy=False):
    """The seed columns of a pandas frame as NumPy arrays (views unless `copy`)."""
    return [pdf[c].to_numpy(copy=copy) for c in SEED_COLUMNS]


def pipeline(df):
    """The seed pipeline: Spark -> pandas -> one NumPy array per seed column."""
    return to_numpy_all(df.toPandas())


def pyspark_before(version, versions):
    """For a Skip's `applies`: the installed PySpark is older than `version`."""
    return versions["pyspark"] < common.release(version)


# ---------------------------------------------------------------------------- warm-up

# The JVM gets faster with the number of calls, not with time (a pause changes nothing),
# so a timed warm-up stops at a point on that curve that depends on the machine's speed.
# Counted calls put every sample at the same point; the budget caps the slow row-based
# paths. Measured curves: docs/spark.md, "Warm-up".
WARMUP_CALLS_SETTING = "BOUNDARY_BENCH_WARMUP_CALLS"
DEFAULT_WARMUP_CALLS = 30
WARMUP_BUDGET = 10.0  # seconds

_warmed = set()


def warmup_calls():
    """The validated BOUNDARY_BENCH_WARMUP_CALLS (default 30); 1 under `asv run --quick`,
    which checks that benchmarks run, not their timings (tests set the setting to 1)."""
    if common.asv_quick_run():
        return 1
    return common.positive_int_setting(WARMUP_CALLS_SETTING, "number of calls") or DEFAULT_WARMUP_CALLS


def warm_up(key, func, clock=time.perf_counter):
    """Call `func` `warmup_calls()` times, or until WARMUP_BUDGET seconds have passed,
    once per process for `key` (the first setup of a combination).

    A Spark failure here (e.g. a result over spark.driver.maxResultSize) fails the
    benchmark with Spark's root cause on one line instead of a Py4J stack trace."""
    if key in _warmed:
        return
    deadline = clock() + WARMUP_BUDGET
    try:
        for _ in range(warmup_calls()):
            func()
            if clock() > deadline:
                break
    except Exception as exc:
        cause = ss.root_cause(exc)
        if cause is None:
            raise
        raise RuntimeError(f"Spark failed in the warm-up of {key}: {cause}") from exc
    _warmed.add(key)
