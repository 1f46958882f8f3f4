"""Shared helpers: seeded data, the size lists, and the suite's environment settings.

Nothing here is a benchmark. Data factories are cached per process, so asv_runner's
re-run of `setup` before every timed call costs a dictionary look-up, not a rebuild.
"""

import functools
import os
import statistics
import sys
import time
from importlib import metadata
from typing import Callable, NamedTuple

import numpy as np
from packaging.version import Version

SEED = 20261125

# Parameter lists are only ever appended to: reordering orphans recorded results.
SIZES = [10**3, 10**5, 10**6]
DTYPES = ["float64", "int64"]

# Nanosecond-scale operations are timed in batches of this many calls: asv_runner 0.3
# times every call on its own when a benchmark has a setup, and one `a[i]` would be
# swamped by the two clock reads around it. Recorded time / BATCH is the per-operation
# cost; with BATCH = 1000, microseconds read as nanoseconds/op.
BATCH = 1000

# Element work per timed sample: samples of a size-n benchmark call it 10**6 // n times
# (see `calls_per_sample`), so every sample covers about a million elements.
ELEMENTS_PER_SAMPLE = 10**6

SIZE_CAP_SETTING = "BOUNDARY_BENCH_SIZE_CAP"


class Benchmark:
    """asv settings shared by the NumPy `Time*` benchmarks (a base class, not a benchmark).

    rounds = 3 (asv's default is 2): asv runs every case in `rounds` fresh processes and
    records the median of all their samples. A process takes its samples within
    milliseconds and so sees one of the shared machine's speeds; with 3 processes the
    median is clean whenever 2 of them saw the usual speed (docs/measurement.md).

    `version` is explicit: asv would otherwise version a benchmark by its source only, and
    a change of a class attribute or module constant (rounds, warm-up) would draw old and
    new points as one series. Bump it when what a benchmark measures changes, and list
    the change in docs/measurement.md, "Benchmark versions"."""

    rounds = 3
    version = "2"


def positive_int_setting(name, what="number of elements"):
    """The environment setting `name` as a positive int, None when unset, or a one-line
    ValueError naming the setting."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{name} must be a positive integer {what} (got {raw!r})")
    return int(raw)


# What `asv run --quick` asks of every case (asv/runner.py): one process, one call.
ASV_QUICK = {"number": 1, "repeat": 1, "warmup_time": 0, "rounds": 1}


def asv_quick_run():
    """True inside a case that `asv run --quick` started. asv_runner applies quick mode's
    settings to its own wrapper of the benchmark (as the first of its attribute sources),
    which the benchmark's `setup` can't see, so look for that wrapper up the stack."""
    frame = sys._getframe(1)
    while frame is not None:
        sources = getattr(frame.f_locals.get("self"), "_attr_sources", None)
        if isinstance(sources, list):
            first = sources[0] if sources else None
            return all(getattr(first, k, None) == v for k, v in ASV_QUICK.items())
        frame = frame.f_back
    return False


def release(text):
    """A library's version string as a comparable `packaging` Version."""
    return Version(text)


LIBRARIES = ["numpy", "pandas", "pyarrow", "pyspark"]


@functools.lru_cache(maxsize=None)
def installed_versions():
    """{library: Version} of the benchmark libraries importable here."""
    found = {}
    for library in LIBRARIES:
        try:
            found[library] = release(metadata.version(library))
        except metadata.PackageNotFoundError:
            pass
    return found


class Skip(NamedTuple):
    """A documented skip, declared on the benchmark class (`skips = [Skip(...)]`): the
    cases for which `applies(params, versions)` is true are skipped with `reason`.
    `params` maps param_names to values, `versions` library names to Versions. Setup
    raises it (`skip_declared`); the tests and docs read the same declarations."""

    reason: str
    applies: Callable


def declared_skip(cls, params, versions):
    """The reason `cls` declares for skipping this case, or None."""
    for skip in getattr(cls, "skips", ()):
        if skip.applies(params, versions):
            return skip.reason
    return None


def skip_declared(bench, *params):
    """NotImplementedError (asv's skip) with the declared reason, if one applies here."""
    reason = declared_skip(type(bench), dict(zip(getattr(bench, "param_names", ()), params)),
                           installed_versions())
    if reason:
        raise NotImplementedError(reason)


def size(n):
    """The number of elements actually built for parameter `n`.

    BOUNDARY_BENCH_SIZE_CAP (optional, a positive integer) caps every size, so tests
    and smoke runs exercise every parameter combination at small sizes. Results
    recorded with a cap are not comparable with uncapped ones; `make bench` never
    sets it.
    """
    cap = positive_int_setting(SIZE_CAP_SETTING)
    return n if cap is None else min(n, cap)


def calls_per_sample(n):
    """asv `number` for a benchmark whose cost grows with n (see ELEMENTS_PER_SAMPLE)."""
    return max(1, ELEMENTS_PER_SAMPLE // n)


def rng(*salt):
    """A fresh generator; the same salt always yields the same stream."""
    return np.random.default_rng([SEED, *salt])


@functools.lru_cache(maxsize=None)
def _array(n, dtype, values, operand):
    gen = rng(n) if operand == 0 else rng(n, operand)
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


def array(n, dtype="float64", values="normal", operand=0):
    """Seeded 1-d array of `size(n)` elements, read-only, contiguous, cached per process.

    values="normal": float64 standard normal, int64 uniform in [-10**6, 10**6);
    "positive": the same mapped to abs(x) + 1 (for log); "small": int64 folded into
    [-20, 20] so exp stays finite (floats unchanged). `operand` 1, 2, ... gives further
    arrays from independent streams (the second operand of a binary operation)."""
    if values not in ARRAY_VALUES:
        raise ValueError(f"values must be one of {ARRAY_VALUES} (got {values!r})")
    return _array(n, str(dtype), values, operand)


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


def median_times(funcs, samples, timer=time.perf_counter):
    """Median seconds per call of each of `funcs`, each sample one call, the functions
    called in turn (A B A B ...) so that a change of machine speed hits all of them.
    The median of single calls is what asv records for a time_ benchmark whose call
    takes milliseconds or more."""
    times = [[] for _ in funcs]
    for _ in range(samples):
        for func, record in zip(funcs, times):
            start = timer()
            func()
            record.append(timer() - start)
    return [statistics.median(record) for record in times]


def best_time(func, repeat=5):
    """Seconds per call of `func`: the minimum over `repeat` timeit samples, each long
    enough (timeit's autorange, >= 0.2 s) for the clock to be negligible. Used by the
    `track_` ratios, which time two ways of doing one thing in the same process."""
    import timeit

    timer = timeit.Timer(func)
    number, _ = timer.autorange()
    return min(timer.repeat(repeat=repeat, number=number)) / number
