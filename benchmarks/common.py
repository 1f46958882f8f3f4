"""Shared helpers: seeded data, the size lists, and the suite's environment settings.

Nothing here is a benchmark. Data factories are cached per process, so asv_runner's
re-run of `setup` before every timed call costs a dictionary look-up, not a rebuild.
"""

import functools
import os

import numpy as np

SEED = 20261125

# Parameter lists are only ever appended to: reordering orphans recorded results.
SIZES = [10**3, 10**5, 10**6]
DTYPES = ["float64", "int64"]

# Nanosecond-scale operations are timed in batches of this many calls: asv_runner 0.3
# times every call on its own when a benchmark has a setup, so one `a[i]` (~50 ns)
# would be swamped by the two clock reads around it (~100 ns). Recorded time / BATCH
# is the per-operation cost; with BATCH = 1000, microseconds read as nanoseconds/op.
BATCH = 1000

# Element work per timed sample: samples of a size-n benchmark call it 10**6 // n times
# (see `calls_per_sample`), so every sample covers about a million elements.
ELEMENTS_PER_SAMPLE = 10**6

SIZE_CAP_SETTING = "BOUNDARY_BENCH_SIZE_CAP"


class Benchmark:
    """asv settings shared by the NumPy `Time*` benchmarks (a base class, not a benchmark).

    rounds = 3 (asv's default is 2): asv runs every case in `rounds` fresh processes, one
    per pass over the suite, and records the median of all their samples. This shared
    machine runs at two speeds 1.7x apart and switches every 50-500 ms; a process takes
    its samples within milliseconds, so it sees one speed (about 1 process in 5 runs
    fast). With 2 rounds a case's median is clean only when both processes ran slow
    (64% of cases), with 3 whenever at least 2 did (90%). Cost: the NumPy suite takes
    ~4.8 instead of ~3.4 minutes. (README, "Measurement quality".)"""

    rounds = 3


def _positive_int_setting(name):
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{name} must be a positive integer number of elements (got {raw!r})")
    return int(raw)


def size(n):
    """The number of elements actually built for parameter `n`.

    BOUNDARY_BENCH_SIZE_CAP (optional, a positive integer) caps every size, so tests
    and smoke runs exercise every parameter combination at small sizes. Results
    recorded with a cap are not comparable with uncapped ones; `make bench` never
    sets it.
    """
    cap = _positive_int_setting(SIZE_CAP_SETTING)
    return n if cap is None else min(n, cap)


def calls_per_sample(n):
    """asv `number` for a benchmark whose cost grows with n (see ELEMENTS_PER_SAMPLE)."""
    return max(1, ELEMENTS_PER_SAMPLE // n)


def rng(salt=0):
    """A fresh generator; the same salt always yields the same stream."""
    return np.random.default_rng([SEED, salt])


@functools.lru_cache(maxsize=None)
def _array(n, dtype, values):
    gen = rng(n)
    if np.dtype(dtype).kind == "f":
        a = gen.standard_normal(size(n), dtype=dtype)  # no temporary: keeps peakmem baselines flat
    else:
        a = gen.integers(-10**6, 10**6, size(n), dtype=dtype)
    if values == "positive":
        a = np.abs(a) + 1
    elif values == "small":
        a = a % 41 - 20 if a.dtype.kind == "i" else a
    a.setflags(write=False)  # cached and shared: nobody may change it
    return a


ARRAY_VALUES = ("normal", "positive", "small")


def array(n, dtype="float64", values="normal"):
    """Seeded 1-d array of `size(n)` elements, read-only and cached per process.

    values="normal": float64 standard normal, int64 uniform in [-10**6, 10**6);
    "positive": the same mapped to abs(x) + 1 (for log); "small": int64 folded into
    [-20, 20] so exp stays finite (floats unchanged)."""
    if values not in ARRAY_VALUES:
        raise ValueError(f"values must be one of {ARRAY_VALUES} (got {values!r})")
    return _array(n, str(dtype), values)


@functools.lru_cache(maxsize=None)
def indices(n, count=BATCH):
    """`count` seeded random positions into an array of `size(n)` elements, as a tuple
    of Python ints (indexing with NumPy integers would add a conversion per call)."""
    return tuple(rng(n + 1).integers(0, size(n), count).tolist())


@functools.lru_cache(maxsize=None)
def numpy_scalars(n, dtype="float64"):
    """The NumPy scalars `array(n, dtype)[i]` for i in `indices(n)`, as a tuple."""
    a = array(n, dtype)
    return tuple(a[i] for i in indices(n))


@functools.lru_cache(maxsize=None)
def half_indices(n):
    """Sorted positions of a seeded random half of an array of `size(n)` elements."""
    idx = np.sort(rng(n + 2).choice(size(n), size(n) // 2, replace=False))
    idx.setflags(write=False)
    return idx


@functools.lru_cache(maxsize=None)
def _python_list(n, dtype):
    return array(n, dtype).tolist()


def python_list(n, dtype="float64"):
    """The same values as `array(n, dtype)`, as a list of Python ints/floats (cached)."""
    return _python_list(n, str(dtype))


def best_time(func, repeat=5):
    """Seconds per call of `func`: the minimum over `repeat` timeit samples, each long
    enough (timeit's autorange, >= 0.2 s) for the clock to be negligible. Used by the
    `track_` ratios, which time two ways of doing one thing in the same process."""
    import timeit

    timer = timeit.Timer(func)
    number, _ = timer.autorange()
    return min(timer.repeat(repeat=repeat, number=number)) / number
