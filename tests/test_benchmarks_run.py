"""Every benchmark asv would find runs once per parameter combination, in-process, at
small sizes (BOUNDARY_BENCH_SIZE_CAP, set in conftest). Discovery is asv_runner's own,
so a new benchmark is exercised here without editing this file."""

import itertools
import subprocess
import sys

import pytest
from asv_runner.discovery import disc_benchmarks

from conftest import ROOT

BENCHMARKS = sorted(disc_benchmarks(str(ROOT / "benchmarks")), key=lambda b: b.name)
CASES = [
    pytest.param(bench, idx, id=f"{bench.name}-{'-'.join(combo)}")
    for bench in BENCHMARKS
    for idx, combo in enumerate(itertools.product(*bench.params))
]


def test_discovery_finds_the_named_classes():
    names = {b.name.split(".")[1] for b in BENCHMARKS}
    assert {"TimeArithmetic", "TimeScalarExtraction", "PeakmemToList"} <= names


@pytest.mark.parametrize("bench, idx", CASES)
def test_benchmark_runs(bench, idx):
    if bench.params:
        bench.set_param_idx(idx)
    params = bench._current_params
    if bench.do_setup():  # True: setup raised NotImplementedError, asv records a skip
        pytest.skip(f"{bench.name} skipped in setup for {params}")
    try:
        result = bench.func(*params)
        if bench.type == "track":
            assert isinstance(result, (int, float)) and result == result, result
        elif bench.name.rsplit(".", 1)[-1].startswith("timeraw_"):
            # timeraw benchmarks return code (or (stmt, setup)) for a fresh interpreter
            code = result if isinstance(result, str) else "\n".join(reversed(result))
            subprocess.run([sys.executable, "-c", code], check=True, timeout=300, cwd=ROOT)
    finally:
        bench.do_teardown()
