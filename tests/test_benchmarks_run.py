"""Every benchmark asv would find runs once per parameter combination, in-process, at
small sizes (BOUNDARY_BENCH_SIZE_CAP, set in conftest). Discovery is asv_runner's own
(tests/benchmark_cases.py), so a new benchmark is exercised here without editing this
file."""

import pytest

from benchmark_cases import cases, run_case

CASES = [pytest.param(bench, idx, id=label) for bench, idx, label in cases()]


def test_discovery_finds_the_named_classes():
    names = {bench.name.split(".")[1] for bench, _, _ in cases()}
    assert {"TimeArithmetic", "TimeScalarExtraction", "PeakmemToList", "TimeSparkToPandas"} <= names


@pytest.mark.parametrize("bench, idx", CASES)
def test_benchmark_runs(bench, idx):
    skipped, printed, result = run_case(bench, idx)
    if skipped:
        pytest.skip(f"{bench.name} skipped in setup: {printed}")
    if bench.type == "track":
        assert isinstance(result, (int, float)) and result == result, result
