"""tools/warmup_curve.py: where the benchmarks' own counted warm-up puts the samples, the
shift a shorter warm-up would make, and one Spark case's curve timed end to end."""

import pytest

import warmup_curve as wc
from benchmarks import spark_data as sd
from benchmarks import spark_session as ss


@pytest.fixture
def default_warmup(monkeypatch):
    """The benchmarks' default warm-up (the tests otherwise set it to 1 call)."""
    monkeypatch.delenv(sd.WARMUP_CALLS_SETTING, raising=False)
    assert (sd.warmup_calls(), sd.WARMUP_BUDGET) == (30, 10.0)


def test_own_warmup_stops_at_its_call_count_or_after_the_call_that_passes_its_budget(default_warmup):
    assert wc.own_warmup_calls([0.1] * 40) == 30
    # 4 s a call: the budget of 10 s is passed after the 3rd call, which still runs
    assert wc.own_warmup_calls([4.0] * 40) == 3
    # a curve shorter than the warm-up: all of it
    assert wc.own_warmup_calls([0.1] * 7) == 7


def test_own_warmup_follows_the_configured_call_count(monkeypatch):
    monkeypatch.setenv(sd.WARMUP_CALLS_SETTING, "12")
    assert wc.own_warmup_calls([0.1] * 40) == 12


def test_shift_compares_the_samples_after_k_calls_with_those_after_the_own_warm_up(monkeypatch):
    # calls 1-5 cost 0.2 s, then 0.15 up to call 10, then 0.1: the own warm-up (12
    # calls, within its 10-s budget) samples calls 13-16, all 0.1
    monkeypatch.setenv(sd.WARMUP_CALLS_SETTING, "12")
    times = [0.2] * 5 + [0.15] * 5 + [0.1] * 10
    s = wc.summarize(times, samples=4, shorter=(3, 5, 10, 12))
    assert s["own"] == 12 and s["own_s"] == pytest.approx(1.0 + 0.75 + 0.2)
    assert s["shift"] == pytest.approx({3: 1.75, 5: 1.5, 10: 1.0})
    assert s["cost_s"] == pytest.approx({3: 0.6, 5: 1.0, 10: 1.75})
    # K not shorter than the own warm-up: left out


def test_a_curve_too_short_to_place_the_own_samples_has_no_shift(default_warmup):
    # 0.1 s a call: 30 calls in the budget, then 8 samples (SparkBenchmark.repeat[1])
    assert sd.SparkBenchmark.repeat[1] == 8
    s = wc.summarize([0.1] * 37)
    assert s["own"] == 30 and s["shift"] == {} and s["cost_s"] == {}


def test_curves_pool_call_by_call_to_the_shortest():
    assert wc.pooled([[3.0, 1.0, 5.0], [1.0, 2.0], [2.0, 9.0, 1.0]]) == [2.0, 2.0]


def test_default_cases_are_the_warmed_spark_time_cases():
    names = [name for _, name in wc.spark_cases("")]
    assert names and all(".time_" in n and n.startswith("bench_spark") for n in names)
    assert not [n for n in names if "TimePandasToNumpy" in n or "TimeArrowToNumpy" in n
                or "TimeSparkConnect" in n]
    assert "bench_spark_udf.TimeColumnTransform.time_transform(10000, 'pandas_udf')" in names
    case_id, name = wc.spark_cases(r"TimeSparkToArrow.time_to_arrow\(1000000\)")[0]
    assert (case_id, name) == ("bench_spark_conversion.TimeSparkToArrow.time_to_arrow-1",
                               "bench_spark_conversion.TimeSparkToArrow.time_to_arrow(1000000)")


def test_bad_settings_fail_with_one_line_naming_them():
    with pytest.raises(SystemExit, match=r"--calls and --processes must be positive integers"):
        wc.main(["--calls", "0"])
    with pytest.raises(SystemExit, match=r"--bench 'nothing-like-this' matches no Spark time_ case"):
        wc.main(["--bench", "nothing-like-this"])


@pytest.mark.skipif(not ss.java_available(), reason="needs Java")
def test_one_case_curve_is_timed_from_the_first_call_in_a_fresh_process(capsys):
    result = wc.run_case("bench_spark_conversion.TimeSparkToArrow.time_to_arrow-0", calls=4, budget=60)
    assert len(result["calls"]) == 4 and all(t > 0 for t in result["calls"])
    wc.main(["--bench", r"TimeSparkToArrow.time_to_arrow\(10000\)", "--calls", "3", "--processes", "1"])
    row = capsys.readouterr().out.splitlines()[-1]
    assert row.startswith("| `bench_spark_conversion.TimeSparkToArrow.time_to_arrow(10000)` | ")
    assert "| 1, " in row  # the tests' warm-up setting: 1 call
