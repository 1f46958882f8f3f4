"""Test-wide settings: the repository root on sys.path (so `benchmarks` imports as the
package asv sees) and small sizes for every benchmark exercised in-process."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST_SIZE_CAP = "2000"

sys.path.insert(0, str(ROOT))
# Set before any benchmark module is imported; the suite reads it when building data.
os.environ.setdefault("BOUNDARY_BENCH_SIZE_CAP", TEST_SIZE_CAP)
