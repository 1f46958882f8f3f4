"""Test-wide settings, through the settings the suite reads (inherited by every asv or
Python subprocess a test starts): small sizes, and one Spark warm-up call per
combination (tests check that benchmarks run and compute the right thing, not their
timings). pytest.ini puts the repository root, tools/ and tests/ on the path."""

import os
import re
import subprocess
import sys
from pathlib import Path

from scratch_asv import asv_command, commit, scratch_config

ROOT = Path(__file__).resolve().parent.parent
TEST_SIZE_CAP = "2000"
# The machine whose committed results `make report` and the dashboard show: the Makefile's default.
REPORTED_MACHINE = re.search(r"^MACHINE \?= (\S+)$", (ROOT / "Makefile").read_text(), re.M).group(1)

os.environ.setdefault("BOUNDARY_BENCH_SIZE_CAP", TEST_SIZE_CAP)
os.environ.setdefault("BOUNDARY_BENCH_WARMUP_CALLS", "1")
# A Spark Connect test leaves a gRPC channel in the pytest process; with gRPC's fork
# handlers on, a later subprocess can abort between fork and exec (epoll_wait EBADF,
# grpc/grpc#43055). The tests need no gRPC state across a fork, so the handlers go.
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")


# asv itself, on a temporary copy of the project's configuration (used by the
# end-to-end, dashboard and resilience tests): results, html and environments go to a
# temp folder. tools/scratch_asv.py says why asv runs as `python -m asv` from ROOT.

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
