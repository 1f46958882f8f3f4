"""Python -> C crossings: turning Python objects into NumPy data.

Every element is a Python int or float that NumPy must inspect (type discovery) and
unbox into the array's buffer.

Timed: only the conversion or the assignment. Outside: building the Python list
(seeded, cached per process) and allocating the target array.

Parameters: `n` (10**3 .. 10**6) because the cost is per element; `dtype` (float64,
int64) because unboxing a float and an int are different paths; `method` on element
assignment because the comparison users need is the Python loop against one slice
assignment of the same values.
"""

import numpy as np

from . import common


class TimeFromPython(common.Benchmark):
    """A Python list into a new array: `np.array`, `np.asarray`, `np.fromiter`."""

    params = (common.SIZES, common.DTYPES)
    param_names = ["n", "dtype"]

    def setup(self, n, dtype):
        self.values = common.python_list(n, dtype)
        self.number = common.calls_per_sample(n)

    def time_array(self, n, dtype):
        np.array(self.values)

    def time_array_with_dtype(self, n, dtype):
        np.array(self.values, dtype=dtype)

    def time_asarray(self, n, dtype):
        np.asarray(self.values)

    def time_fromiter(self, n, dtype):
        np.fromiter(self.values, dtype=dtype, count=len(self.values))


class TimeElementAssignment(common.Benchmark):
    """Python scalars written into an existing array: element by element vs one slice."""

    params = (common.SIZES, common.DTYPES, ["loop", "slice"])
    param_names = ["n", "dtype", "method"]

    def setup(self, n, dtype, method):
        self.values = common.python_list(n, dtype)
        self.out = np.empty(len(self.values), dtype=dtype)
        self.number = common.calls_per_sample(n)

    def time_assign(self, n, dtype, method):
        assign(self.out, self.values, method)


def assign(out, values, method):
    """Write `values` into `out` by a `method` parameter value; returns `out`."""
    if method == "loop":
        for i, v in enumerate(values):
            out[i] = v
    else:
        out[:] = values
    return out
