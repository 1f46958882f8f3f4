"""Every benchmark asv would find runs once per parameter combination, in-process, at
small sizes (BOUNDARY_BENCH_SIZE_CAP, set in conftest). Discovery is asv_runner's own,
so a new benchmark is exercised here without editing this file."""

import itertools
import subprocess
import sys
import types

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


@pytest.fixture
def fake_clock(monkeypatch):
    """bench_spark_conversion's clock, advanced by hand; a fresh warm-up record; and 5
    warm-up calls (conftest sets 1 for the in-process tests, the suite has 30)."""
    from benchmarks import bench_spark_conversion as bc

    now = [0.0]
    monkeypatch.setattr(bc, "time", types.SimpleNamespace(perf_counter=lambda: now[0]))
    monkeypatch.setattr(bc, "_warmed", set())
    monkeypatch.setattr(bc, "WARMUP_CALLS", 5)
    return bc, now


def test_spark_warm_up_counts_calls_once_per_combination(fake_clock):
    bc, _ = fake_clock
    calls = []
    bc.warm_up(("a",), lambda: calls.append("a"))
    bc.warm_up(("a",), lambda: calls.append("a"))  # the same combination: already warm
    bc.warm_up(("b",), lambda: calls.append("b"))
    assert calls == ["a"] * 5 + ["b"] * 5


def test_spark_warm_up_stops_at_its_time_budget(fake_clock):
    bc, now = fake_clock
    calls = []

    def slow_call():  # a row-based path: 40% of the budget per call
        calls.append(1)
        now[0] += 0.4 * bc.WARMUP_BUDGET

    bc.warm_up(("slow",), slow_call)
    assert len(calls) == 3  # 0.4, 0.8, then 1.2 budgets: over, stop (before 5 calls)
