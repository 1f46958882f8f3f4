"""The Python UDF boundary: one column transform, `y = m1 * 2.0 + 1.0`, four ways.

- "builtin": the same arithmetic as a Spark SQL expression; it never leaves the JVM
  (the baseline: what the query costs without any crossing).
- "pandas_udf": a vectorised UDF; rows cross to a Python worker in Arrow batches
  (`spark.sql.execution.arrow.maxRecordsPerBatch`, 10000) and are transformed as
  pandas Series.
- "python_udf": a row-at-a-time UDF (`udf(..., useArrow=False)`): rows are pickled to
  the worker and the function is called once per row.
- "arrow_python_udf": the same row-at-a-time function with Arrow transport
  (`udf(..., useArrow=True)`, pyspark>=3.5; Spark 4.2+ makes it the default for plain
  `udf()`, which is why the row-at-a-time variant passes useArrow=False explicitly).

The arithmetic gives bit-identical doubles on every path (tests check this).

Timed: executing the query completely into the `noop` sink: scan of the cached input
(id, m1), the crossing to and from the Python worker, and the transform. Outside: the
JVM start, building and caching the input (`spark_data.frame`: the seed table's `id`
and `m1`), and the counted warm-up on the first `setup` (`spark_data.warm_up`) that
also starts the Python workers (reused afterwards: spark.python.worker.reuse).

Parameters: `rows` (10**4, 10**6; each combination is a JVM start) separates the
per-query cost (job + worker round trip) from the per-row cost; `udf` is the comparison.
"""

from . import spark_data as sd
from . import spark_session as ss

ROWS = [10**4, 10**6]
UDF_KINDS = ["builtin", "pandas_udf", "python_udf", "arrow_python_udf"]


def transform(df, kind):
    """`df` with the one column `y = m1 * 2.0 + 1.0` computed the `kind` way."""
    if kind == "builtin":
        return df.selectExpr("m1 * 2.0 + 1.0 AS y")
    from pyspark.sql.functions import col, pandas_udf, udf

    # Functions defined here, not at module level: cloudpickle then ships them by value,
    # so Python workers need not import `benchmarks` (not on their path under asv).
    def _double(x):
        return x * 2.0 + 1.0

    if kind == "pandas_udf":
        import pandas as pd

        def double_series(s: pd.Series) -> pd.Series:
            return s * 2.0 + 1.0

        func = pandas_udf(double_series, "double")
    elif kind == "python_udf":
        func = udf(_double, "double", useArrow=False)
    elif kind == "arrow_python_udf":
        func = udf(_double, "double", useArrow=True)
    else:
        raise ValueError(f"udf must be one of {UDF_KINDS} (got {kind!r})")
    return df.select(func(col("m1")).alias("y"))


# Two sizes (each combination is a JVM start): 10**4 shows the per-job cost of the
# Python worker round trip, 10**6 the per-row cost.
class TimeColumnTransform(sd.SparkBenchmark):
    """`y = m1 * 2.0 + 1.0` over a cached table, executed into the noop sink."""

    params = (ROWS, UDF_KINDS)
    param_names = ["rows", "udf"]

    def setup(self, rows, udf):
        source = sd.frame(ss.classic_session(), rows).select("id", "m1")
        self.query = transform(source, udf)
        sd.warm_up(("udf", rows, udf), lambda: self.time_transform(rows, udf))

    def time_transform(self, rows, udf):
        ss.write_noop(self.query)
