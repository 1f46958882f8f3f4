"""What the Spark benchmarks time computes the right thing: the conversion paths agree
with each other and with the source data, round trips preserve values, the UDF
variants compute identical columns, and the overhead factor is a sane number.

One embedded session (the suite's own, benchmarks/spark_session.py) serves the whole
module; sizes are small (BOUNDARY_BENCH_SIZE_CAP from conftest).

Dtypes of `toPandas()` (PySpark 4.3.0, pandas 3.1.1), identical with and without
Arrow: id int64, m1..m5 float64, category int32, label pandas `str`
(StringDtype(na_value=nan); object before pandas 3), ts datetime64[us] (naive, in
the session time zone, UTC). PySpark 3.5.9 with pandas 2.2: the same, except
label is object and the row-based path gives ts as datetime64[ns] (Arrow: [us]).
Back into Spark, `createDataFrame(pandas)` without Arrow widens int32 to int64 (the
schema is inferred from Python ints); with Arrow the dtypes round-trip exactly."""

import numpy as np
import pandas as pd
import pytest

from benchmarks import bench_spark_conversion as bc
from benchmarks import bench_spark_udf as bu
from benchmarks import common
from benchmarks import spark_data as sd
from benchmarks import spark_session as ss

pytestmark = pytest.mark.skipif(not ss.java_available(), reason="needs Java")

ROWS = 10**4  # capped to TEST_SIZE_CAP rows by common.size


@pytest.fixture(scope="module")
def spark():
    return ss.classic_session()


def source_frame(scenario="seed"):
    return pd.DataFrame({k: np.array(v) for k, v in sd.source_arrays(ROWS, scenario).items()})


def to_pandas(spark, df, arrow):
    ss.set_arrow(spark, arrow)
    try:
        return df.toPandas()
    finally:
        ss.set_arrow(spark, "default")


@pytest.mark.parametrize("scenario", sd.SCENARIOS)
def test_arrow_and_row_based_to_pandas_agree(spark, scenario):
    df = sd.frame(spark, ROWS, scenario)
    with_arrow, without = to_pandas(spark, df, "on"), to_pandas(spark, df, "off")
    if scenario == "mixed" and ss.pyspark_version() < common.release("4"):
        # PySpark 3.5 (pandas 2.2): the row-based path gives ts as datetime64[ns], the
        # Arrow path datetime64[us]; same instants. PySpark 4.x: both datetime64[us].
        assert str(without["ts"].dtype) == "datetime64[ns]", without["ts"].dtype
        assert str(with_arrow["ts"].dtype) == "datetime64[us]", with_arrow["ts"].dtype
        without = without.astype({"ts": with_arrow["ts"].dtype})
    pd.testing.assert_frame_equal(with_arrow, without, check_dtype=True, check_exact=True)


@pytest.mark.parametrize("arrow", ["on", "off"])
@pytest.mark.parametrize("scenario", sd.SCENARIOS)
def test_to_pandas_equals_the_source(spark, scenario, arrow):
    got = to_pandas(spark, sd.frame(spark, ROWS, scenario), arrow)
    expected = source_frame(scenario)
    assert list(got.columns) == list(expected.columns)
    assert len(got) == common.size(ROWS)
    for name in expected.columns:
        assert list(got[name]) == list(expected[name]), name


def test_to_pandas_dtypes_match_the_source(spark):
    got = to_pandas(spark, sd.frame(spark, ROWS, "mixed"), "on")
    for name, arr in sd.source_arrays(ROWS, "mixed").items():
        if name == "label":
            assert pd.api.types.is_string_dtype(got[name].dtype), got[name].dtype
        elif arr.dtype.kind == "M" and common.release(pd.__version__) < common.release("3"):
            # pandas < 3 keeps timestamps in nanoseconds; pandas 3 keeps Spark's microseconds
            assert got[name].dtype == np.dtype("datetime64[ns]"), got[name].dtype
            np.testing.assert_array_equal(got[name].to_numpy().astype(arr.dtype), arr)
        else:
            assert got[name].dtype == arr.dtype, (name, got[name].dtype, arr.dtype)


def test_driver_heap_is_allocated_up_front(spark):
    """-Xms = -Xmx: the heap doesn't grow during a benchmark (see spark_session)."""
    runtime = spark.sparkContext._jvm.java.lang.Runtime.getRuntime()
    assert runtime.totalMemory() == runtime.maxMemory()


def test_default_arrow_mode_is_what_the_version_ships(spark):
    shipped = ss.pyspark_version() >= common.release(ss.ARROW_DEFAULT_ON_FROM)
    assert ss.arrow_default(spark) is shipped
    assert ss.set_arrow(spark, "default") is shipped
    assert spark.conf.get(ss.ARROW_CONF).lower() == str(shipped).lower()


def test_pipeline_arrays_equal_the_source(spark):
    ss.set_arrow(spark, "on")
    arrays = sd.pipeline(sd.frame(spark, ROWS))
    assert len(arrays) == 7
    for name, arr in zip(sd.SEED_COLUMNS, arrays):
        expected = sd.source_arrays(ROWS)[name]
        assert arr.dtype == expected.dtype, name
        np.testing.assert_array_equal(arr, expected)


def test_pandas_to_numpy_copy_and_view_hold_the_same_values(spark):
    ss.set_arrow(spark, "on")
    pdf = sd.frame(spark, ROWS).toPandas()
    views = sd.to_numpy_all(pdf, copy=False)
    copies = sd.to_numpy_all(pdf, copy=True)
    for view, copy in zip(views, copies):
        np.testing.assert_array_equal(view, copy)
        assert not np.shares_memory(view, copy)


def block_layout(pdf):
    """What pandas -> NumPy depends on besides the values: each block's columns, dtype,
    memory flags, owner type and copy-on-write references."""
    return [(block.mgr_locs.as_array.tolist(), block.values.dtype, block.values.flags["OWNDATA"],
             block.values.flags["WRITEABLE"], block.values.flags["C_CONTIGUOUS"],
             type(block.values.base), block.refs.has_reference())
            for block in pdf._mgr.blocks]


def test_rebuilt_pandas_input_is_what_to_pandas_returns(spark):
    ss.set_arrow(spark, "on")
    real = sd.frame(spark, ROWS).toPandas()
    rebuilt = sd.pandas_result(ROWS)
    pd.testing.assert_frame_equal(rebuilt, real, check_exact=True)
    assert block_layout(rebuilt) == block_layout(real)


def test_rebuilt_arrow_input_is_what_to_arrow_returns(spark):
    if ss.pyspark_version() < common.release("4"):
        pytest.skip("DataFrame.toArrow needs pyspark>=4.0")
    real = sd.frame(spark, ROWS).toArrow()
    rebuilt = sd.arrow_result(ROWS)
    assert rebuilt.schema.equals(real.schema, check_metadata=True)  # nullability too
    assert rebuilt.equals(real)
    for name in sd.SEED_COLUMNS:
        assert ([len(c) for c in rebuilt.column(name).chunks]
                == [len(c) for c in real.column(name).chunks]), name


def test_to_arrow_zero_copy_matches_the_source(spark):
    if ss.pyspark_version() < common.release("4"):
        pytest.skip("DataFrame.toArrow needs pyspark>=4.0")
    table = sd.frame(spark, ROWS).toArrow()
    for name in sd.SEED_COLUMNS:
        parts = [chunk.to_numpy(zero_copy_only=True) for chunk in table.column(name).chunks]
        np.testing.assert_array_equal(np.concatenate(parts), sd.source_arrays(ROWS)[name])


def test_collected_rows_hold_the_source_values(spark):
    rows = sd.frame(spark, ROWS).collect()
    assert len(rows) == common.size(ROWS)
    for name in sd.SEED_COLUMNS:
        assert [getattr(r, name) for r in rows] == sd.source_arrays(ROWS)[name].tolist(), name


@pytest.mark.parametrize("arrow", ["on", "off"])
def test_pandas_round_trip_preserves_values(spark, arrow):
    ss.set_arrow(spark, arrow)
    back = spark.createDataFrame(sd.source_pandas(ROWS)).toPandas()
    expected = sd.source_pandas(ROWS)
    if arrow == "off":
        # Without Arrow, createDataFrame infers the schema from Python ints: the int32
        # category comes back as int64 (LongType). Values are unchanged.
        assert back["category"].dtype == np.int64
        expected = expected.astype({"category": np.int64})
    pd.testing.assert_frame_equal(back, expected, check_exact=True)


def test_pandas_round_trip_preserves_strings_and_timestamps(spark):
    ss.set_arrow(spark, "on")
    back = spark.createDataFrame(source_frame("mixed")).toPandas()
    expected = source_frame("mixed")
    for name in expected.columns:
        assert list(back[name]) == list(expected[name]), name


def test_numpy_round_trip_preserves_values(spark):
    ss.set_arrow(spark, "on")
    matrix = sd.source_matrix(ROWS)
    back = spark.createDataFrame(matrix).toPandas().to_numpy()
    assert back.dtype == np.float64
    np.testing.assert_array_equal(back, matrix)


def test_udf_variants_compute_identical_columns(spark):
    source = sd.frame(spark, ROWS).select("id", "m1")
    expected = sd.source_arrays(ROWS)["m1"] * 2.0 + 1.0
    ss.set_arrow(spark, "on")
    for kind in bu.UDF_KINDS:
        got = bu.transform(source, kind).toPandas()["y"].to_numpy()
        np.testing.assert_array_equal(got, expected, err_msg=kind)


def test_connect_session_converts_the_same_values(spark):
    if ss.connect_available():
        pytest.skip(ss.connect_available())
    connect = ss.connect_session()
    got = sd.frame(connect, ROWS, "mixed").toPandas()
    pd.testing.assert_frame_equal(got, to_pandas(spark, sd.frame(spark, ROWS, "mixed"), "on"))
    back = connect.createDataFrame(sd.source_pandas(ROWS)).toPandas()
    pd.testing.assert_frame_equal(back, sd.source_pandas(ROWS), check_exact=True)


# Which conversion path a setting takes. A year-month interval column tells the paths
# apart by how they fail: Arrow has no such type (UNSUPPORTED_DATA_TYPE_FOR_ARROW_CONVERSION),
# while the row-based path gets as far as converting each value (YearMonthIntervalType
# .fromInternal is not implemented).
ARROW_UNSUPPORTED = "SELECT INTERVAL '1' YEAR AS y"
ARROW_REFUSED = "UNSUPPORTED_DATA_TYPE_FOR_ARROW_CONVERSION"


def conversion_error(spark):
    with pytest.raises(Exception) as exc_info:
        spark.sql(ARROW_UNSUPPORTED).toPandas()
    return str(exc_info.value)


def test_arrow_off_takes_the_row_based_path_whatever_the_default(spark):
    """TimeSparkToPandas(arrow="off") on the session as its setup leaves it: the
    row-based path, also on PySpark >= 4.2 where Arrow is the default."""
    bc.TimeSparkToPandas().setup(10**4, "off", "seed")
    try:
        error = conversion_error(spark)
    finally:
        ss.set_arrow(spark, "default")
    assert ARROW_REFUSED not in error and "fromInternal" in error, error


@pytest.mark.parametrize("arrow", ["on", "default"])
def test_arrow_without_fallback_raises_instead_of_converting_row_by_row(spark, arrow):
    if arrow == "default" and not ss.arrow_default(spark):
        pytest.skip(f"Arrow is off by default before pyspark {ss.ARROW_DEFAULT_ON_FROM}")
    bc.TimeSparkToPandas().setup(10**4, arrow, "seed")
    try:
        error = conversion_error(spark)
    finally:
        ss.set_arrow(spark, "default")
    assert ARROW_REFUSED in error and "fromInternal" not in error, error


def test_overhead_factor_compares_the_same_number_of_elements():
    """The seed's "23189.5x" divided a 100k-row Spark conversion by a 1000-element
    NumPy call; both sides must cover the same elements."""
    bench = bc.TrackSparkOverhead()
    bench.setup()
    assert bench.df.count() == len(bench.column) == common.size(bench.rows)
    assert bench.rows == max(sd.ROWS)  # the pipeline's largest case, which it summarises


def test_median_times_alternates_the_calls_and_takes_medians():
    calls, now = [], [0.0]

    def call(name, seconds):
        def run():
            calls.append(name)
            now[0] += seconds.pop(0)
        return run

    a = call("a", [5.0, 1.0, 3.0])
    b = call("b", [2.0, 2.0, 8.0])
    assert common.median_times([a, b], 3, timer=lambda: now[0]) == [3.0, 2.0]
    assert calls == ["a", "b"] * 3


def test_overhead_factor_is_finite_and_above_one():
    bench = bc.TrackSparkOverhead()
    bench.setup()
    factor = bench.track_spark_row_cost_in_tolist_elements()
    assert np.isfinite(factor) and factor > 1, factor


def test_collect_makes_the_counted_warm_up(spark, monkeypatch):
    """TimeCollect's setup calls collect() as often as every other JVM case warms up
    (it used to make one call)."""
    monkeypatch.setenv(sd.WARMUP_CALLS_SETTING, "4")
    tracker = spark.sparkContext.statusTracker()
    rows = 10**4 + 1  # a key no other test has warmed up
    sd.frame(spark, rows)
    before = len(tracker.getJobIdsForGroup())
    bc.TimeCollect().setup(rows)
    jobs = len(tracker.getJobIdsForGroup()) - before
    assert jobs >= 4, jobs
