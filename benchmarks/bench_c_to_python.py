"""C -> Python crossings: turning NumPy data into Python objects.

Every operation here makes at least one Python object per element or per call: a NumPy
scalar (`a[i]`), a Python float or int (`a.item(i)`, `tolist`), a string (`repr`) or a
bytes payload (`pickle`).

Timed: only the crossing. Outside: data creation (seeded, cached per process).

Nanosecond-scale operations (one `a[i]`, one scalar `+`) are timed in batches of
`common.BATCH` = 1000 calls driven from C (`deque(map(op, inputs), maxlen=0)`), because
asv_runner times each call on its own when a benchmark has a setup and two clock reads
would swamp one call. So for `TimeScalarExtraction`, `TimeScalarArithmetic` and
`TimeScalarRepr` the recorded time in microseconds reads directly as nanoseconds per
operation; `time_batch_overhead` (1000 calls of the builtin `id`) is the harness's share.

Parameters: `n` (10**3 .. 10**6) shows which costs are per call (scalar extraction,
the summarised repr: flat in n) and which are per element (tolist, full repr, pickle:
linear in n); `dtype` (float64, int64) because ints and floats box into different
Python objects;
`protocol` for pickle because protocol 5 can hand buffers over out of band (no copy).
"""

import functools
import math
import operator
import pickle
import sys
from collections import deque

import numpy as np

from . import common


def _consume(iterator):
    """Run an iterator to exhaustion in C, keeping nothing."""
    deque(iterator, maxlen=0)


class TimeScalarExtraction(common.Benchmark):
    """One element out of an array into Python, per call (batched: us = ns/op)."""

    params = (common.SIZES, common.DTYPES)
    param_names = ["n", "dtype"]
    number = 20

    def setup(self, n, dtype):
        self.a = common.array(n, dtype)
        self.idx = common.indices(n)
        self.last = (-1,) * common.BATCH

    def time_batch_overhead(self, n, dtype):
        _consume(map(id, self.idx))

    def time_index(self, n, dtype):
        _consume(map(self.a.__getitem__, self.idx))

    def time_index_last(self, n, dtype):
        _consume(map(self.a.__getitem__, self.last))

    def time_item(self, n, dtype):
        _consume(map(self.a.item, self.idx))

    def time_float_of_index(self, n, dtype):
        _consume(map(float, map(self.a.__getitem__, self.idx)))


@functools.lru_cache(maxsize=None)
def scalar_operands(scalar):
    """BATCH float64 values as NumPy scalars ("numpy") or Python floats ("python")."""
    values = common.numpy_scalars(10**3)
    return values if scalar == "numpy" else tuple(map(float, values))


class TimeScalarArithmetic(common.Benchmark):
    """Python arithmetic on extracted NumPy scalars vs on Python floats, and a ufunc
    on a single scalar (batched: us = ns/op).

    `scalar` is the comparison: "numpy" operands are `np.float64` (what `a[i]` gives),
    "python" operands are `float` (what `a.item(i)` or `tolist()` gives)."""

    params = [["numpy", "python"]]
    param_names = ["scalar"]
    number = 20

    def setup(self, scalar):
        self.x = scalar_operands(scalar)
        self.y = self.x[::-1]

    def time_add(self, scalar):
        _consume(map(operator.add, self.x, self.y))

    def time_multiply(self, scalar):
        _consume(map(operator.mul, self.x, self.y))

    def time_ufunc_sqrt(self, scalar):
        _consume(map(np.sqrt, map(abs, self.x)))

    def time_math_sqrt(self, scalar):
        _consume(map(math.sqrt, map(abs, self.x)))


class TimeToList(common.Benchmark):
    """Whole arrays into Python lists: `tolist()` (Python floats/ints) vs `list(a)`
    (NumPy scalars) vs a `for x in a` loop (NumPy scalars, one at a time)."""

    params = (common.SIZES, common.DTYPES)
    param_names = ["n", "dtype"]

    def setup(self, n, dtype):
        self.a = common.array(n, dtype)
        self.number = common.calls_per_sample(n)

    def time_tolist(self, n, dtype):
        self.a.tolist()

    def time_list(self, n, dtype):
        list(self.a)

    def time_iterate(self, n, dtype):
        for _ in self.a:
            pass


class PeakmemToList:
    """Process peak memory of `tolist()`, `list(a)` and a `for x in a` loop.

    asv's peakmem is the whole process's peak (interpreter, imports, setup data);
    `peakmem_reference` runs the same setup and does nothing, so the crossing's own
    share is `peakmem_tolist - peakmem_reference`: an 8-byte list slot plus a 32-byte
    allocator block per element (a float or a NumPy scalar is a 24-byte object rounded
    up to CPython's 16-byte size classes; an int is 32 bytes).
    `TrackBytesPerElement` has the exact object sizes. Memory is counted in pages and
    arenas, so at n = 10**3 the share is lost in the baseline.
    """

    params = (common.SIZES, common.DTYPES)
    param_names = ["n", "dtype"]
    version = "1"

    def setup(self, n, dtype):
        self.a = common.array(n, dtype)

    def peakmem_reference(self, n, dtype):
        pass

    def peakmem_tolist(self, n, dtype):
        self.a.tolist()

    def peakmem_list(self, n, dtype):
        list(self.a)

    def peakmem_iterate(self, n, dtype):
        for _ in self.a:  # one NumPy scalar alive at a time: reads as the reference
            pass


# NumPy prints arrays of up to `threshold` (1000) elements in full: only larger sizes
# show the summarised repr (TimeReprFull has the full one at every size).
SUMMARISED_SIZES = [10**5, 10**6]


class TimeReprSummarised(common.Benchmark):
    """`repr`/`str` of a whole array as printed by default: summarised to its first and
    last three elements, so flat in n."""

    params = (SUMMARISED_SIZES, common.DTYPES)
    param_names = ["n", "dtype"]

    def setup(self, n, dtype):
        self.a = common.array(n, dtype)

    def time_repr(self, n, dtype):
        repr(self.a)

    def time_str(self, n, dtype):
        str(self.a)


class TimeScalarRepr(common.Benchmark):
    """`repr`/`str` of single NumPy scalars (batched: us = ns/op). NumPy 2 changed scalar
    reprs (`np.float64(1.5)` instead of `1.5`); `str` stayed `1.5`."""

    params = [common.DTYPES]
    param_names = ["dtype"]
    number = 20

    def setup(self, dtype):
        self.scalars = common.numpy_scalars(10**6, dtype)

    def time_repr(self, dtype):
        _consume(map(repr, self.scalars))

    def time_str(self, dtype):
        _consume(map(str, self.scalars))


class TimeReprFull(common.Benchmark):
    """`repr` of a whole array printed in full (no summarising), linear in n.

    Bounded: NumPy formats every float twice (once to find the common width, once to
    print), so a call at n = 10**6 takes about a minute: that size is skipped and each
    case takes at most 3 samples without a warm-up call."""

    params = (common.SIZES, common.DTYPES)
    param_names = ["n", "dtype"]
    repeat = (1, 3, 10.0)
    warmup_time = 0
    # asv's default of 2, not common.Benchmark's 3: one call spans many of the machine's
    # speed switches, so a third process buys only time.
    rounds = 2
    skips = [common.Skip("full repr is bounded to n <= 10**5: a call at 10**6 takes about a minute",
                         lambda p, v: p["n"] > 10**5)]

    def setup(self, n, dtype):
        common.skip_declared(self, n, dtype)
        self.a = common.array(n, dtype)

    def time_repr_full(self, n, dtype):
        np.array2string(self.a, threshold=sys.maxsize, separator=", ")


class TimePickle(common.Benchmark):
    """Pickling arrays: `dumps` and `loads`, protocol 4 vs 5 vs 5 with out-of-band
    buffers (the data is handed over as a buffer instead of copied into the payload)."""

    params = (common.SIZES, common.DTYPES, ["4", "5", "5-out-of-band"])
    param_names = ["n", "dtype", "protocol"]

    def setup(self, n, dtype, protocol):
        self.a = common.array(n, dtype)
        self.number = common.calls_per_sample(n)
        self.payload, self.buffers = dumps(self.a, protocol)

    def time_dumps(self, n, dtype, protocol):
        dumps(self.a, protocol)

    def time_loads(self, n, dtype, protocol):
        pickle.loads(self.payload, buffers=self.buffers)


def dumps(a, protocol):
    """Pickle `a` with a `protocol` parameter value; returns (payload, buffers)."""
    if protocol == "5-out-of-band":
        buffers = []
        return pickle.dumps(a, protocol=5, buffer_callback=buffers.append), buffers
    return pickle.dumps(a, protocol=int(protocol)), None
