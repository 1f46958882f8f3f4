"""No crossing: work that stays inside NumPy's C loops.

The reference point for every other family: one Python call enters C once and the
per-element work never touches a Python object.

Timed: only the NumPy call (including the allocation of its result, as a user pays it).
Outside: data creation (seeded, cached per process by `common`).
Binary operations take two distinct contiguous arrays: a reversed view (negative stride)
would time NumPy's strided loop, not the contiguous one this baseline stands for.
Parameters: `n` (10**3 .. 10**6) shows the fixed per-call entry cost at small n and the
per-element cost at large n; `dtype` (float64, int64) because integer and float loops
are different C kernels (and sqrt/sin of int64 converts to float first).
Each sample makes `10**6 // n` calls, so every sample covers about a million elements.
View creation is O(1) and nanosecond-scale, so `TimeViews` is batched (see its docstring).
"""

import itertools

import numpy as np

from . import common


class TimeArithmetic(common.Benchmark):
    """Element-wise arithmetic, math and comparison ufuncs."""

    version = "3"  # was `a` against its reversed view (a strided loop)
    params = (common.SIZES, common.DTYPES)
    param_names = ["n", "dtype"]

    def setup(self, n, dtype):
        self.a = common.array(n, dtype)
        self.b = common.array(n, dtype, operand=1)
        self.positive = common.array(n, dtype, values="positive")
        self.number = common.calls_per_sample(n)

    def time_multiply(self, n, dtype):
        self.a * self.b

    def time_add(self, n, dtype):
        self.a + self.b

    def time_sqrt(self, n, dtype):
        np.sqrt(self.positive)

    def time_sin(self, n, dtype):
        np.sin(self.a)

    def time_greater(self, n, dtype):
        self.a > self.b


class TimeViews(common.Benchmark):
    """Creating views (no data copied): slicing, reshape, transpose.

    A view costs nanoseconds whatever n is, so each timed call makes BATCH (1000) views
    in a C-level `itertools.repeat` loop: the recorded time in microseconds reads as
    nanoseconds per view, including the loop's own share (`time_loop_overhead`)."""

    params = [common.SIZES]
    param_names = ["n"]
    number = 10

    def setup(self, n):
        self.a = common.array(n)
        self.square = self.a[: int(len(self.a) ** 0.5) ** 2].reshape(int(len(self.a) ** 0.5), -1)

    def _batch(self):
        return itertools.repeat(None, common.BATCH)

    def time_loop_overhead(self, n):
        for _ in self._batch():
            pass

    def time_slice(self, n):
        a = self.a
        for _ in self._batch():
            a[::2]

    def time_reshape(self, n):
        a = self.a
        for _ in self._batch():
            a.reshape(-1, 1)

    def time_transpose(self, n):
        s = self.square
        for _ in self._batch():
            s.T


class TimeBooleanMask(common.Benchmark):
    """Boolean-mask selection: computes the mask and copies the selected half."""

    params = (common.SIZES, common.DTYPES)
    param_names = ["n", "dtype"]

    def setup(self, n, dtype):
        self.a = common.array(n, dtype)
        self.mask = self.a > 0
        self.number = common.calls_per_sample(n)

    def time_mask_select(self, n, dtype):
        self.a[self.mask]

    def time_mask_build_and_select(self, n, dtype):
        self.a[self.a > 0]


class TimeAggregations(common.Benchmark):
    """Reductions to one number: sum, mean, std, median, percentile."""

    params = (common.SIZES, common.DTYPES)
    param_names = ["n", "dtype"]

    def setup(self, n, dtype):
        self.a = common.array(n, dtype)
        self.number = common.calls_per_sample(n)

    def time_sum(self, n, dtype):
        self.a.sum()

    def time_mean(self, n, dtype):
        self.a.mean()

    def time_std(self, n, dtype):
        self.a.std()

    def time_median(self, n, dtype):
        np.median(self.a)

    def time_percentile(self, n, dtype):
        np.percentile(self.a, [5, 50, 95])


class TimeAdvanced(common.Benchmark):
    """Heavier kernels: dot product, sort, exp, log, where."""

    params = (common.SIZES, common.DTYPES)
    param_names = ["n", "dtype"]

    def setup(self, n, dtype):
        self.a = common.array(n, dtype)
        self.positive = common.array(n, dtype, values="positive")
        self.small = common.array(n, dtype, values="small")
        self.number = common.calls_per_sample(n)

    def time_dot(self, n, dtype):
        np.dot(self.a, self.a)

    def time_sort(self, n, dtype):
        np.sort(self.a)

    def time_exp(self, n, dtype):
        np.exp(self.small)

    def time_log(self, n, dtype):
        np.log(self.positive)

    def time_where(self, n, dtype):
        np.where(self.a > 0, self.a, 0)
