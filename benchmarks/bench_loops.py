"""Loops vs vectorized: the same computation with a crossing per element, or none.

A Python loop over an array crosses the boundary once per element (C -> Python to read
`a[i]`, Python -> C to write), a vectorized call crosses it once. `method` is the
parameter, so one dashboard graph shows the gap; the `track_` ratios in
`TrackBoundaryTax` graph the gap itself (dimensionless, measured in one process), so it
can be followed across versions even when absolute times move with the machine.

Timed: only the computation. Outside: data creation (seeded, cached per process).
Every pair of methods returns the same result on the same data; the tests prove it
(identical for int64 and for gathers; for float64 sums the loop adds left to right
while NumPy sums pairwise, so they agree to rounding, which the tests bound).

Parameters: `n` (10**3 .. 10**6) because the loop's cost is per element while the
vectorized call has a fixed entry cost; `dtype` (float64, int64) where boxing differs.
"""

import numpy as np

from . import common

SUM_METHODS = ["index_loop", "iter_loop", "vectorized"]
GATHER_METHODS = ["loop", "fancy", "take"]
PRACTICES_METHODS = ["loop", "vectorized"]


def total(a, method):
    """Sum of `a` by a `method` from SUM_METHODS."""
    if method == "index_loop":
        s = 0
        for i in range(len(a)):
            s += a[i]
        return s
    if method == "iter_loop":
        s = 0
        for x in a:
            s += x
        return s
    return a.sum()


def gather(a, idx, method):
    """`a[idx]` as a new array, by a `method` from GATHER_METHODS."""
    if method == "loop":
        out = np.empty(len(idx), dtype=a.dtype)
        for j, i in enumerate(idx):
            out[j] = a[i]
        return out
    if method == "fancy":
        return a[idx]
    return np.take(a, idx)


def practices(a, method):
    """The "practices" pipeline on int64 data, by a `method` from PRACTICES_METHODS:
    select the positive even values, then return (count, sum, max) of them."""
    if method == "loop":
        count = s = 0
        biggest = None
        for x in a:
            if x > 0 and x % 2 == 0:
                count += 1
                s += x
                biggest = x if biggest is None or x > biggest else biggest
        return int(count), int(s), int(biggest)
    selected = a[(a > 0) & (a % 2 == 0)]
    return int(selected.size), int(selected.sum()), int(selected.max())


class TimeLoopSum(common.Benchmark):
    """Summing an array: a Python loop over `a[i]`, a `for x in a` loop, `a.sum()`."""

    params = (common.SIZES, common.DTYPES, SUM_METHODS)
    param_names = ["n", "dtype", "method"]

    def setup(self, n, dtype, method):
        self.a = common.array(n, dtype)
        self.number = common.calls_per_sample(n)

    def time_sum(self, n, dtype, method):
        total(self.a, method)


class TimeGather(common.Benchmark):
    """Gathering a seeded random half of the elements: Python loop vs fancy
    indexing vs `np.take`."""

    params = (common.SIZES, common.DTYPES, GATHER_METHODS)
    param_names = ["n", "dtype", "method"]

    def setup(self, n, dtype, method):
        self.a = common.array(n, dtype)
        self.idx = common.half_indices(n)
        self.number = common.calls_per_sample(n)

    def time_gather(self, n, dtype, method):
        gather(self.a, self.idx, method)


class TimePractices(common.Benchmark):
    """The same filter/count/sum/max pipeline written element by element in Python and
    with NumPy masks (int64, so both ways give identical integers)."""

    params = (common.SIZES, PRACTICES_METHODS)
    param_names = ["n", "method"]

    def setup(self, n, method):
        self.a = common.array(n, "int64")
        self.number = common.calls_per_sample(n)

    def time_pipeline(self, n, method):
        practices(self.a, method)


class TrackBoundaryTax:
    """The boundary tax as a ratio of two timings taken in the same process (each the
    minimum of 5 timeit samples of >= 0.2 s), so machine speed cancels out."""

    params = [common.SIZES]
    param_names = ["n"]
    unit = "ratio"
    rounds = 1
    version = "1"

    def setup(self, n):
        self.a = common.array(n)
        self.idx = common.half_indices(n)

    def track_loop_over_vectorized_sum(self, n):
        """Python `a[i]` loop sum time / `a.sum()` time."""
        loop = common.best_time(lambda: total(self.a, "index_loop"))
        return loop / common.best_time(lambda: total(self.a, "vectorized"))

    def track_loop_over_fancy_gather(self, n):
        """Python loop gather time / fancy-indexing gather time."""
        loop = common.best_time(lambda: gather(self.a, self.idx, "loop"))
        return loop / common.best_time(lambda: gather(self.a, self.idx, "fancy"))

    def track_tolist_over_sum_per_element(self, n):
        """Per-element cost of `a.tolist()` / per-element cost of `a.sum()` (same n,
        so the ratio of the two times)."""
        return common.best_time(self.a.tolist) / common.best_time(self.a.sum)
