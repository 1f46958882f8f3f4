"""Memory truth: bytes per element that each kind of result really costs.

The old demo's memory figures were wrong; these are measured with `tracemalloc`, which
sees every Python object and every NumPy data buffer (NumPy reports its allocations to
it), as the bytes still allocated after the result is built, divided by n. Fixed
headers (an array object, a list object) spread over n elements, so small n reads a
little above the per-element truth. The tests check every figure against CPython/NumPy
ground truth: a view adds no data bytes; a copy adds `itemsize`; `tolist()` pays an
8-byte list slot plus one Python float (24 bytes) or int (28 bytes) per element;
`list(a)` pays a slot plus one NumPy scalar (32 bytes); a pickle carries `itemsize`
per element plus a fixed header.

Parameters: `n` (10**3 .. 10**6) to show the fixed part fading; `dtype` (float64,
int64) because Python floats and ints have different sizes.
"""

import pickle
import tracemalloc

from . import common


def bytes_per_element(make, n_elements):
    """Bytes still allocated by `make()`'s result, per element, as tracemalloc sees it."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        result = make()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del result
    return (after - before) / n_elements


class TrackBytesPerElement:
    """Bytes per element of a view, a copy, `tolist()`, `list(a)` and a pickle."""

    params = (common.SIZES, common.DTYPES)
    param_names = ["n", "dtype"]
    unit = "bytes/element"

    def setup(self, n, dtype):
        self.a = common.array(n, dtype)
        self.n = len(self.a)

    def track_view(self, n, dtype):
        return bytes_per_element(lambda: self.a[:], self.n)

    def track_copy(self, n, dtype):
        return bytes_per_element(self.a.copy, self.n)

    def track_tolist(self, n, dtype):
        return bytes_per_element(self.a.tolist, self.n)

    def track_list_of_numpy_scalars(self, n, dtype):
        return bytes_per_element(lambda: list(self.a), self.n)

    def track_pickle_payload(self, n, dtype):
        return len(pickle.dumps(self.a, protocol=5)) / self.n
