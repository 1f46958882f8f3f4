"""One test per claim the NumPy suite makes: paired methods agree, memory figures match
CPython/NumPy ground truth, boundary-tax ratios say the loop is slower."""

import math
import pickle
import sys

import numpy as np
import pytest

from benchmarks import bench_c_to_python, bench_loops, bench_memory, bench_python_to_c, common

N = 2000  # the test size cap; every array below has this many elements


@pytest.fixture(params=common.DTYPES)
def a(request):
    return common.array(10**6, request.param)


def test_size_cap_applies(a):
    assert len(a) == N


def test_data_is_deterministic():
    common._array.cache_clear()
    first = common.array(10**5).copy()
    common._array.cache_clear()
    assert np.array_equal(first, common.array(10**5))


def test_scalar_extraction_methods_agree(a):
    idx = common.indices(10**6)
    by_index = [a[i] for i in idx]
    assert by_index == [a.item(i) for i in idx]
    assert [float(a[i]) for i in idx] == [float(x) for x in by_index]
    assert all(type(x) is a.dtype.type for x in by_index)


@pytest.mark.parametrize("scalar, kind", [("numpy", np.float64), ("python", float)])
def test_scalar_arithmetic_operands_are_the_named_kind(scalar, kind):
    bench = bench_c_to_python.TimeScalarArithmetic()
    bench.setup(scalar)
    assert len(bench.x) == len(bench.y) == common.BATCH
    assert all(type(v) is kind for v in bench.x + bench.y)


def test_scalar_arithmetic_same_values_for_numpy_and_python_operands():
    xs = bench_c_to_python.scalar_operands("numpy")
    py = bench_c_to_python.scalar_operands("python")
    assert [x + y for x, y in zip(xs, xs[::-1])] == [x + y for x, y in zip(py, py[::-1])]
    assert [float(np.sqrt(abs(x))) for x in xs] == [math.sqrt(abs(x)) for x in py]


def test_tolist_list_and_iteration_agree(a):
    assert a.tolist() == list(a) == [x for x in a]
    assert all(type(x) in (int, float) for x in a.tolist())


def test_full_repr_prints_every_element(a):
    text = np.array2string(a, threshold=sys.maxsize, separator=", ")
    printed = np.array(eval(text), dtype=a.dtype)
    assert "..." not in text and len(printed) == len(a)
    # floats print at NumPy's default precision of 8 digits, ints exactly
    assert np.allclose(printed, a, rtol=1e-7, atol=0) and (a.dtype.kind == "f" or np.array_equal(printed, a))


@pytest.mark.parametrize("protocol", ["4", "5", "5-out-of-band"])
def test_pickle_round_trips(a, protocol):
    payload, buffers = bench_c_to_python.dumps(a, protocol)
    assert np.array_equal(pickle.loads(payload, buffers=buffers), a)


def test_out_of_band_pickle_keeps_data_out_of_the_payload(a):
    payload, buffers = bench_c_to_python.dumps(a, "5-out-of-band")
    assert len(payload) < 200 and sum(memoryview(b).nbytes for b in buffers) == a.nbytes


@pytest.mark.parametrize("make", ["array", "array_with_dtype", "asarray", "fromiter"])
def test_from_python_gives_the_source_array(a, make):
    values = a.tolist()
    built = {
        "array": lambda: np.array(values),
        "array_with_dtype": lambda: np.array(values, dtype=a.dtype),
        "asarray": lambda: np.asarray(values),
        "fromiter": lambda: np.fromiter(values, dtype=a.dtype, count=len(values)),
    }[make]()
    assert built.dtype == a.dtype and np.array_equal(built, a)


def test_element_assignment_loop_equals_slice(a):
    values = a.tolist()
    loop = bench_python_to_c.assign(np.empty_like(a), values, "loop")
    sliced = bench_python_to_c.assign(np.empty_like(a), values, "slice")
    assert np.array_equal(loop, sliced) and np.array_equal(loop, a)


def test_loop_sums_are_identical_for_int64():
    a = common.array(10**6, "int64")
    results = {m: bench_loops.total(a, m) for m in bench_loops.SUM_METHODS}
    assert len(set(int(r) for r in results.values())) == 1
    assert int(results["vectorized"]) == sum(int(x) for x in a.tolist())


def test_loop_sums_agree_to_rounding_for_float64():
    a = common.array(10**6, "float64")
    exact = math.fsum(a.tolist())
    bound = len(a) * np.finfo(a.dtype).eps * np.abs(a).sum()
    for method in bench_loops.SUM_METHODS:
        assert abs(bench_loops.total(a, method) - exact) <= bound, method


def test_gather_methods_are_identical(a):
    idx = common.half_indices(10**6)
    assert len(idx) == N // 2 and len(set(idx.tolist())) == N // 2
    results = [bench_loops.gather(a, idx, m) for m in bench_loops.GATHER_METHODS]
    for r in results:
        assert r.dtype == a.dtype and np.array_equal(r, results[0])


def test_practices_pipeline_ways_are_identical():
    a = common.array(10**6, "int64")
    loop = bench_loops.practices(a, "loop")
    assert loop == bench_loops.practices(a, "vectorized")
    expected = [x for x in a.tolist() if x > 0 and x % 2 == 0]
    assert loop == (len(expected), sum(expected), max(expected))


# Memory truth: tracemalloc's figures against what CPython and NumPy say objects take.


FLOAT_FREELIST = 100  # CPython 3.11 reuses up to 100 freed floats without allocating


def allocated_size(obj):
    """Bytes CPython asks the allocator for when it creates `obj`. NumPy scalars'
    __sizeof__ adds the itemsize on top of the object (so getsizeof says 32, not 24);
    a small int reports 28 but is allocated as a whole 8-byte-aligned struct (32)."""
    if isinstance(obj, np.generic):
        return type(obj).__basicsize__
    if type(obj) is int:
        return -(-sys.getsizeof(obj) // 8) * 8
    return sys.getsizeof(obj)


def ground_truth_per_element(items):
    """List object plus each element object, skipping CPython's cached small ints."""
    own = [x for x in items if not (type(x) is int and -5 <= x <= 256)]
    return (sys.getsizeof(items) + sum(allocated_size(x) for x in own)) / len(items)


@pytest.fixture
def track(a):
    bench = bench_memory.TrackBytesPerElement()
    bench.setup(10**6, str(a.dtype))
    return bench


def test_view_adds_no_data_bytes(a, track):
    header = sys.getsizeof(a[:])  # the view object itself, no data
    assert track.track_view(10**6, str(a.dtype)) == pytest.approx(header / N, abs=0.05)


def test_copy_adds_itemsize_per_element(a, track):
    assert track.track_copy(10**6, str(a.dtype)) == pytest.approx(a.itemsize, abs=0.1)


def test_tolist_pays_a_slot_and_a_python_object(a, track):
    measured = track.track_tolist(10**6, str(a.dtype))
    slack = FLOAT_FREELIST * 24 / N
    assert ground_truth_per_element(a.tolist()) - slack <= measured <= ground_truth_per_element(a.tolist()) + 0.01
    assert measured == pytest.approx(8 + (24 if a.dtype.kind == "f" else 32), abs=slack)


def test_list_of_numpy_scalars_pays_a_slot_and_a_24_byte_scalar(a, track):
    measured = track.track_list_of_numpy_scalars(10**6, str(a.dtype))
    assert measured == pytest.approx(ground_truth_per_element(list(a)), abs=0.01)
    assert measured == pytest.approx(8 + 24, abs=0.05)


def test_pickle_payload_is_itemsize_plus_header(a, track):
    measured = track.track_pickle_payload(10**6, str(a.dtype))
    assert a.itemsize < measured < a.itemsize + 200 / N


# The boundary tax: the loop is slower than the vectorized call.


@pytest.mark.parametrize(
    "ratio",
    ["track_loop_over_vectorized_sum", "track_loop_over_fancy_gather", "track_tolist_over_sum_per_element"],
)
def test_boundary_tax_ratio_is_finite_and_above_one(ratio):
    bench = bench_loops.TrackBoundaryTax()
    bench.setup(10**6)
    value = getattr(bench, ratio)(10**6)
    assert math.isfinite(value) and value > 1


# Settings read from the environment.


@pytest.mark.parametrize("bad", ["abc", "0", "-5", "1e6", "10.5"])
def test_bad_size_cap_is_rejected_in_one_line(monkeypatch, bad):
    monkeypatch.setenv(common.SIZE_CAP_SETTING, bad)
    with pytest.raises(ValueError) as err:
        common.size(10**6)
    message = str(err.value)
    assert "\n" not in message and common.SIZE_CAP_SETTING in message and "positive integer" in message
