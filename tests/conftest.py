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

# In-process tests check that benchmarks run and compute the right thing, not their
# timings: one warm-up call per Spark combination instead of the suite's 30 (which are for
# the JIT; 30 made `make smoke` take 2 min 24 s instead of 1 min 11 s). asv runs started
# by tests are separate processes and keep the suite's 30.
from benchmarks import bench_spark_conversion  # noqa: E402

bench_spark_conversion.WARMUP_CALLS = 1


# asv itself, on a temporary copy of the project's configuration (used by the
# end-to-end, dashboard and resilience tests): results, html and environments go to a
# temp folder. tools/scratch_asv.py says why asv runs as `python -m asv` from ROOT.
import subprocess  # noqa: E402

sys.path.insert(0, str(ROOT / "tools"))
from scratch_asv import asv_command, commit, scratch_config  # noqa: E402

TEST_MACHINE = "boundary-bench-test"


def temp_asv_config(tmp, benchmark_dir=ROOT / "benchmarks", **overrides):
    """Write the project's asv.conf.json into `tmp` with results_dir, html_dir and env_dir
    inside it, register TEST_MACHINE; return the path."""
    path = scratch_config(str(tmp), **{"benchmark_dir": str(benchmark_dir),
                                       "env_dir": str(tmp / "env"), **overrides})
    subprocess.run(asv_command(path, "machine", "--yes", "--machine", TEST_MACHINE), cwd=ROOT,
                   check=True, capture_output=True)
    return Path(path)


def asv(config, *args, env=None):
    """Run `asv ARGS --config CONFIG`; returns the CompletedProcess."""
    return subprocess.run(asv_command(config, *args), cwd=ROOT, capture_output=True, text=True,
                          timeout=900, env=env)


def asv_quick_run(config, bench_regex, env=None):
    """`asv run --quick` of `bench_regex` in this interpreter's environment, recorded under
    the current commit for TEST_MACHINE."""
    return asv(config, "run", "--quick", "-E", f"existing:{sys.executable}", "--set-commit-hash",
               commit(), "--machine", TEST_MACHINE, "--show-stderr", "-b", bench_regex, env=env)
