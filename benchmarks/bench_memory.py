"""Memory truth: bytes per element that each kind of result really costs.

The old demo's memory figures were wrong; these are measured with `tracemalloc`, which
sees every Python object and every NumPy data buffer (NumPy reports its allocations to
it), as the bytes still allocated after the result is built, divided by n. Fixed
headers (an array object, a list object) spread over n elements, so small n reads a
little above the per-element figure. The tests check every figure against CPython and
NumPy ground truth (Python 3.11):
- a view adds no data bytes (only its array header); a copy adds `itemsize`;
- `tolist()` pays an 8-byte list slot plus one Python object per element: a float is
  24 bytes, an int below 2**30 is a 32-byte struct (`sys.getsizeof` says 28: the
  struct is padded) -> 32 and 40 bytes/element;
- `list(a)` pays a slot plus one NumPy scalar, a 24-byte object (`np.float64`
  subclasses `float`; `sys.getsizeof` says 32 because NumPy's `__sizeof__` adds the
  itemsize) -> 32 bytes/element for both dtypes;
- a protocol-5 pickle carries `itemsize` per element plus a fixed header.
These are object bytes. Resident memory is a little more: CPython's small-object
allocator hands out 16-byte multiples, so a 24-byte float occupies 32 bytes and
`tolist()` grows the process by about 40 bytes per element (see `PeakmemToList`).

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
    version = "1"

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
