"""Spark settings and environment failures: malformed settings are one-line ValueErrors
naming the setting; an unreachable master or Connect server fails within a bounded
time; with no Java every Spark benchmark is skipped with the reason while NumPy works.

The failure cases run in subprocesses (nothing started in this test process)."""

import os
import socket
import subprocess
import sys
import textwrap
import time

import pytest

from benchmark_cases import summary_in_subprocess
from benchmarks import spark_data as sd
from benchmarks import spark_session as ss
from conftest import ROOT

BAD_MASTERS = ["yarn", "local[0]", "local[x]", "local[2", "spark://", "spark://host",
               "spark://host:port", "mesos://host:5050", "local-cluster[2,1]", "k8s://h:1"]
GOOD_MASTERS = ["local", "local[1]", "local[16]", "local[*]", "local-cluster[2,1,1024]",
                "spark://127.0.0.1:7077", "spark://spark-master.example:7077"]
BAD_REMOTES = ["http://127.0.0.1:15002", "sc://", "sc://host:abc", "local[*]", "local[0]",
               "127.0.0.1:15002", "sc://host:15002/path"]
GOOD_REMOTES = ["sc://localhost", "sc://127.0.0.1:15002", "sc://h:15002/;token=abc;use_ssl=false",
                "local", "local[2]"]
BAD_CONFS = ["spark.driver.maxResultSize", "maxResultSize=1k", "spark.x=", "=1",
             "spark.a b=1"]


def _closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the socket is


def _assert_one_line_naming(exc_info, setting):
    message = str(exc_info.value)
    assert "\n" not in message
    assert message.startswith(setting), message


@pytest.mark.parametrize("value", BAD_MASTERS)
def test_malformed_master_is_a_one_line_value_error(monkeypatch, value):
    monkeypatch.setenv(ss.MASTER_SETTING, value)
    with pytest.raises(ValueError) as exc_info:
        ss.master()
    _assert_one_line_naming(exc_info, ss.MASTER_SETTING)
    assert "local[N]" in str(exc_info.value) and "spark://host:port" in str(exc_info.value)


@pytest.mark.parametrize("value", GOOD_MASTERS)
def test_valid_master_is_accepted(monkeypatch, value):
    monkeypatch.setenv(ss.MASTER_SETTING, value)
    assert ss.master() == value


def test_master_defaults_to_local_2(monkeypatch):
    monkeypatch.delenv(ss.MASTER_SETTING, raising=False)
    assert ss.master() == "local[2]"


@pytest.mark.parametrize("value", BAD_REMOTES)
def test_malformed_remote_is_a_one_line_value_error(monkeypatch, value):
    monkeypatch.setenv(ss.REMOTE_SETTING, value)
    with pytest.raises(ValueError) as exc_info:
        ss.remote()
    _assert_one_line_naming(exc_info, ss.REMOTE_SETTING)
    assert "sc://host:port" in str(exc_info.value)


@pytest.mark.parametrize("value", GOOD_REMOTES)
def test_valid_remote_is_accepted(monkeypatch, value):
    monkeypatch.setenv(ss.REMOTE_SETTING, value)
    assert ss.remote() == value


@pytest.mark.parametrize("value", BAD_CONFS)
def test_malformed_conf_is_a_one_line_value_error(monkeypatch, value):
    monkeypatch.setenv(ss.CONF_SETTING, value)
    with pytest.raises(ValueError) as exc_info:
        ss.extra_conf()
    _assert_one_line_naming(exc_info, ss.CONF_SETTING)


def test_conf_setting_parses_pairs(monkeypatch):
    monkeypatch.setenv(ss.CONF_SETTING, "spark.driver.maxResultSize=16k; spark.executor.memory=2g;")
    assert ss.extra_conf() == {"spark.driver.maxResultSize": "16k",
                               "spark.executor.memory": "2g"}


def test_bad_arrow_mode_is_a_value_error():
    with pytest.raises(ValueError, match="arrow must be one of"):
        ss.set_arrow(None, "maybe")


def _run(code, env_updates, timeout=120, drop=()):
    env = dict(os.environ, **env_updates)
    for name in drop:
        env.pop(name, None)
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    return proc, time.monotonic() - start


@pytest.mark.skipif(not ss.java_available(), reason="needs Java")
def test_unreachable_master_fails_fast_with_a_clear_error():
    url = f"spark://127.0.0.1:{_closed_port()}"
    code = """
        from benchmarks.bench_spark_conversion import TimeSparkToPandas
        TimeSparkToPandas().setup(10**4, "on", "seed")
    """
    proc, elapsed = _run(code, {ss.MASTER_SETTING: url})
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("RuntimeError: " + ss.MASTER_SETTING + "=" + url), last
    assert "nothing answers" in last
    assert elapsed < 30


def test_unreachable_connect_server_fails_fast_with_a_clear_error():
    if ss.connect_available():
        pytest.skip(ss.connect_available())
    url = f"sc://127.0.0.1:{_closed_port()}"
    code = """
        from benchmarks.bench_spark_conversion import TimeSparkConnect
        TimeSparkConnect().setup(10**4, "connect")
    """
    proc, elapsed = _run(code, {ss.REMOTE_SETTING: url})
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("RuntimeError: " + ss.REMOTE_SETTING + "=" + url), last
    assert elapsed < 30


@pytest.fixture
def no_java_env(tmp_path):
    """This environment with no Java: PATH holds only the interpreter's folder and an
    empty one, and no JAVA_HOME."""
    env = dict(os.environ, PATH=os.pathsep.join([os.path.dirname(sys.executable), str(tmp_path)]))
    env.pop("JAVA_HOME", None)
    return env


# pandas -> NumPy and Arrow -> NumPy time no Spark, and their inputs are rebuilt
# without a JVM (spark_data.pandas_result, arrow_result): they need no Java.
NO_JVM_CASES = ["bench_spark_conversion.TimeArrowToNumpy.time_arrow_to_numpy()",
                "bench_spark_conversion.TimePandasToNumpy.time_to_numpy(False)",
                "bench_spark_conversion.TimePandasToNumpy.time_to_numpy(True)"]


def test_without_java_every_spark_benchmark_is_skipped_with_the_reason(no_java_env):
    summary = summary_in_subprocess(r"^bench_spark", env=no_java_env)
    assert not summary["failed"] and sorted(summary["ok"]) == NO_JVM_CASES, summary
    java_skips = 0
    for label, printed in summary["skipped"]:
        # a version or row-path skip may come first; it is one line too
        assert any(reason in printed for reason in (
            "Java not found: install a JDK 17+", "needs pyspark>=", "is bounded to")), (
            label, printed)
        java_skips += "Java not found" in printed
    assert java_skips >= 40, summary["skipped"]
    assert summary["sessions"] == {"master": None, "connect_url": None}


def test_pandas_input_keeps_no_arrow_table_alive():
    """toPandas() frees the Arrow batches it converted, and what a process has freed
    sets how fast it allocates: pandas_result must not leave its table cached."""
    sd.pandas_result.cache_clear()
    sd.arrow_result.cache_clear()
    sd.pandas_result(10**4)
    assert sd.arrow_result.cache_info().currsize == 0


def test_without_java_the_numpy_suite_still_runs(no_java_env):
    summary = summary_in_subprocess(r"bench_no_crossing\.TimeArithmetic\.time_add", env=no_java_env)
    assert len(summary["ok"]) == 6 and not summary["failed"], summary


# The warm-up policy (spark_data.warm_up): counted calls, once per combination, capped.


def test_spark_warm_up_counts_calls_once_per_combination(monkeypatch):
    monkeypatch.setenv(sd.WARMUP_CALLS_SETTING, "5")
    calls = []
    sd.warm_up(("test-count", "a"), lambda: calls.append("a"))
    sd.warm_up(("test-count", "a"), lambda: calls.append("a"))  # already warm
    sd.warm_up(("test-count", "b"), lambda: calls.append("b"))
    assert calls == ["a"] * 5 + ["b"] * 5


def test_spark_warm_up_stops_at_its_time_budget(monkeypatch):
    monkeypatch.setenv(sd.WARMUP_CALLS_SETTING, "5")
    now = [0.0]
    calls = []

    def slow_call():  # a row-based path: 40% of the budget per call
        calls.append(1)
        now[0] += 0.4 * sd.WARMUP_BUDGET

    sd.warm_up(("test-budget",), slow_call, clock=lambda: now[0])
    assert len(calls) == 3  # 0.4, 0.8, then 1.2 budgets: over, stop (before 5 calls)


def test_warm_up_calls_default_to_the_suite_s_count(monkeypatch):
    monkeypatch.delenv(sd.WARMUP_CALLS_SETTING, raising=False)
    assert sd.warmup_calls() == sd.DEFAULT_WARMUP_CALLS == 30


@pytest.mark.parametrize("bad", ["0", "-1", "x", "2.5"])
def test_bad_warm_up_calls_is_a_one_line_value_error(monkeypatch, bad):
    monkeypatch.setenv(sd.WARMUP_CALLS_SETTING, bad)
    with pytest.raises(ValueError) as exc_info:
        sd.warmup_calls()
    _assert_one_line_naming(exc_info, sd.WARMUP_CALLS_SETTING)
