"""The Spark benchmarks away from the embedded local[2] session: against a real standalone
master + worker started from the pip-installed PySpark, through Spark Connect (an
in-process server on remote "local[2]", and a separate Connect server process over
sc://), and with a driver result limit (`spark.driver.maxResultSize`) too small for
the result, whose Spark error must surface as that benchmark's failure.

Each case runs the benchmarks (setup -> method -> teardown, every parameter
combination, BOUNDARY_BENCH_SIZE_CAP small) in a subprocess, so the embedded session
of this test process is untouched; every wait is bounded, and the cluster processes
are stopped by their process ids."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from benchmark_cases import cases, summary_in_subprocess
from benchmarks import spark_session as ss
from conftest import ROOT

pytestmark = pytest.mark.skipif(not ss.java_available(), reason="needs Java")


# Every Spark benchmark but timeraw (a second application): on a 1-core worker it would
# wait for cores the first application holds.
SPARK_BUT_TIMERAW = r"^bench_spark.*\.(?!timeraw_)\w+$"


def run_benchmarks(env_updates, name_pattern=SPARK_BUT_TIMERAW, params_pattern="", timeout=420):
    """The selected benchmarks' cases in one fresh process with these settings."""
    return summary_in_subprocess(name_pattern, params_pattern, env=dict(os.environ, **env_updates),
                                 timeout=timeout)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, timeout, what, procs=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for proc in procs:
            if proc.poll() is not None:
                raise RuntimeError(f"{what}: process {proc.pid} exited with {proc.returncode}")
        try:
            if predicate():
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{what} not ready within {timeout} s")


def _port_open(port):
    socket.create_connection(("127.0.0.1", port), timeout=1).close()
    return True


def _stop(procs):
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _spark_home():
    import pyspark

    return os.path.dirname(pyspark.__file__)


def _spawn(args, log_path):
    env = dict(os.environ, SPARK_HOME=_spark_home(), SPARK_LOCAL_IP="127.0.0.1",
               PYSPARK_PYTHON=sys.executable)
    with open(log_path, "wb") as log:
        # spark-class execs java, so this pid is the JVM's
        return subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT,
                                cwd=ROOT)


@pytest.fixture(scope="module")
def standalone_cluster(tmp_path_factory):
    """A standalone master and one worker (1 core, 1 GB) on 127.0.0.1; yields the URL."""
    logs = tmp_path_factory.mktemp("spark-standalone")
    spark_class = os.path.join(_spark_home(), "bin", "spark-class")
    port, master_ui, worker_ui = _free_port(), _free_port(), _free_port()
    url = f"spark://127.0.0.1:{port}"
    procs = []
    try:
        procs.append(_spawn([spark_class, "org.apache.spark.deploy.master.Master",
                             "--host", "127.0.0.1", "--port", str(port),
                             "--webui-port", str(master_ui)], logs / "master.log"))
        _wait(lambda: _port_open(port), 90, "standalone master", procs)
        procs.append(_spawn([spark_class, "org.apache.spark.deploy.worker.Worker", url,
                             "--host", "127.0.0.1", "--cores", "1", "--memory", "1g",
                             "--webui-port", str(worker_ui)], logs / "worker.log"))

        def worker_alive():
            with urllib.request.urlopen(f"http://127.0.0.1:{master_ui}/json/", timeout=2) as r:
                return json.load(r).get("aliveworkers", 0) >= 1

        _wait(worker_alive, 90, "standalone worker", procs)
        yield url
    finally:
        _stop(procs)


def test_benchmarks_run_on_a_standalone_cluster(standalone_cluster):
    summary = run_benchmarks({ss.MASTER_SETTING: standalone_cluster,
                              # executors get 1 GB on the 1 GB worker
                              ss.CONF_SETTING: "spark.executor.memory=512m"})
    assert summary["sessions"]["master"] == standalone_cluster
    assert not summary["failed"], summary["failed"]
    # every selected case ran or was skipped by its declaration, and most ran
    assert len(summary["ok"]) + len(summary["skipped"]) == len(cases(SPARK_BUT_TIMERAW))
    assert len(summary["ok"]) > len(summary["skipped"]), summary


def test_connect_benchmarks_run_on_a_local_connect_server():
    if ss.connect_available():
        pytest.skip(ss.connect_available())
    summary = run_benchmarks({ss.REMOTE_SETTING: "local[2]"},
                             name_pattern="TimeSparkConnect", params_pattern="'connect'")
    assert summary["sessions"]["connect_url"].startswith("sc://127.0.0.1:")
    assert not summary["failed"], summary["failed"]
    assert len(summary["ok"]) == 4, summary


@pytest.fixture(scope="module")
def connect_server(tmp_path_factory):
    """A separate Spark Connect server process (local[1]); yields its sc:// URL."""
    if ss.connect_available():
        pytest.skip(ss.connect_available())
    logs = tmp_path_factory.mktemp("spark-connect")
    port = _free_port()
    submit = os.path.join(_spark_home(), "bin", "spark-submit")
    proc = _spawn([submit, "--class", "org.apache.spark.sql.connect.service.SparkConnectServer",
                   "--master", "local[1]", "--conf", "spark.ui.enabled=false",
                   "--conf", "spark.connect.grpc.binding.address=127.0.0.1",
                   "--conf", f"spark.connect.grpc.binding.port={port}",
                   "--conf", "spark.driver.bindAddress=127.0.0.1",
                   "--conf", "spark.driver.host=127.0.0.1", "spark-internal"],
                  logs / "connect.log")
    try:
        _wait(lambda: _port_open(port), 120, "Spark Connect server", [proc])
        yield f"sc://127.0.0.1:{port}"
    finally:
        _stop([proc])


def test_connect_benchmarks_run_against_an_sc_url(connect_server):
    summary = run_benchmarks({ss.REMOTE_SETTING: connect_server},
                             name_pattern="TimeSparkConnect", params_pattern="'connect'")
    assert summary["sessions"]["connect_url"] == connect_server
    assert summary["sessions"]["master"] is None  # no JVM of its own: everything went over gRPC
    assert not summary["failed"], summary["failed"]
    assert len(summary["ok"]) == 4, summary


def test_result_over_max_result_size_fails_that_benchmark_only():
    """toPandas of ~2000 rows (~100 KB) with spark.driver.maxResultSize=16k fails with
    Spark's own message; the UDF benchmarks (results of a few bytes, noop sink) run
    on in the same process afterwards."""
    summary = run_benchmarks({ss.CONF_SETTING: "spark.driver.maxResultSize=16k"},
                             name_pattern="TimeSparkToPandas|TimeColumnTransform",
                             params_pattern=r"^\(10000, '(on|builtin|pandas_udf)'")
    failed = {label: (kind, message) for label, kind, message, _ in summary["failed"]}
    assert failed and all("TimeSparkToPandas" in label for label in failed), summary
    for kind, message in failed.values():
        # one line, Spark's root cause (see spark_data.warm_up)
        assert kind == "RuntimeError" and message.startswith("Spark failed"), message
        assert "\n" not in message and "spark.driver.maxResultSize" in message, message
    assert [label for label in summary["ok"] if "TimeColumnTransform" in label], summary
