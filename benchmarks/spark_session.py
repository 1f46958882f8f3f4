"""The one SparkSession of a benchmark process: settings, Java detection, Arrow toggles.

Not a benchmark module (asv imports it during discovery, so nothing here starts a JVM
at import time). Sessions are created lazily by the first benchmark `setup` that asks
for one, reused for the life of the process and never stopped: asv_runner re-runs
`setup` before every timed call, so only the first call may pay for a JVM start.

Embedded default: `local[2]`, Spark UI off, driver bound to 127.0.0.1, session time
zone UTC, 2 shuffle partitions, log level ERROR, no console progress bar, and Arrow
fallback off (a benchmark that asks for Arrow gets Arrow or an error, never a silent
row-based fallback).

Settings (environment variables; a malformed value is a one-line ValueError naming the
setting and its allowed forms):

- BOUNDARY_BENCH_SPARK_MASTER: `local` (default `local[2]`), `local[N]`, `local[*]`,
  `local-cluster[N,C,M]` or `spark://host:port`. A spark:// master is probed with a TCP
  connect (5 s timeout) before the JVM starts, and the session waits at most 60 s for
  an executor to register: an unreachable or worker-less cluster fails that benchmark
  with a clear error instead of hanging until asv's timeout.
- BOUNDARY_BENCH_SPARK_REMOTE: Spark Connect for the "connect" sessions (pyspark>=4.0).
  `sc://host:port[/;params]` uses that server (probed like a spark:// master);
  `local` or `local[N]` starts a Connect server inside this process on a local
  SparkContext of that master (what `SparkSession.builder.remote("local[N]")` does).
  Unset: the in-process server runs on the same SparkContext as the classic session
  (master BOUNDARY_BENCH_SPARK_MASTER), so "classic" vs "connect" differ only by
  the protocol, and one process can hold both.
- BOUNDARY_BENCH_SPARK_CONF: extra Spark settings, `key=value` pairs separated by `;`
  (keys start with `spark.`), e.g. `spark.driver.maxResultSize=64m;spark.executor.memory=2g`.
  Applied last, so they override the embedded defaults.
"""

import functools
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import warnings
from urllib.parse import urlparse

from .common import release

MASTER_SETTING = "BOUNDARY_BENCH_SPARK_MASTER"
REMOTE_SETTING = "BOUNDARY_BENCH_SPARK_REMOTE"
CONF_SETTING = "BOUNDARY_BENCH_SPARK_CONF"
DEFAULT_MASTER = "local[2]"

MASTER_FORMS = "local, local[N], local[*], local-cluster[N,C,M] or spark://host:port"
REMOTE_FORMS = "sc://host:port[/;params], local or local[N]"
CONF_FORMS = "key=value pairs separated by ';', each key starting with 'spark.'"

ARROW_CONF = "spark.sql.execution.arrow.pyspark.enabled"
ARROW_MODES = ("on", "off", "default")

NO_JAVA = ("Java not found: install a JDK 17+ (e.g. apt-get install "
           "openjdk-17-jdk-headless) or set JAVA_HOME")

# Bounded waits (seconds) for a configured cluster or Connect server.
CONNECT_PROBE_TIMEOUT = 5.0
EXECUTOR_WAIT = 60.0

_LOCAL = re.compile(r"local(\[([1-9][0-9]*|\*)\])?")
_LOCAL_N = re.compile(r"local(\[[1-9][0-9]*\])?")
_LOCAL_CLUSTER = re.compile(r"local-cluster\[[1-9][0-9]*, *[1-9][0-9]*, *[1-9][0-9]*\]")

_lock = threading.RLock()
_state = {}  # "classic": SparkSession, "connect": connect SparkSession, "connect_url": str


# --------------------------------------------------------------------------- versions

# Spark 4.2 turned Arrow conversion (spark.sql.execution.arrow.pyspark.enabled) on by default.
ARROW_DEFAULT_ON_FROM = "4.2"


@functools.lru_cache(maxsize=None)
def pyspark_version():
    """The installed PySpark version (a comparable `packaging` Version)."""
    import pyspark

    return release(pyspark.__version__)


# ------------------------------------------------------------------------------ settings

def master():
    """The validated BOUNDARY_BENCH_SPARK_MASTER (default local[2])."""
    raw = os.environ.get(MASTER_SETTING, "").strip()
    if not raw:
        return DEFAULT_MASTER
    if _LOCAL.fullmatch(raw) or _LOCAL_CLUSTER.fullmatch(raw):
        return raw
    if raw.startswith("spark://"):
        _host_port(raw, MASTER_SETTING, MASTER_FORMS, default_port=None)
        return raw
    raise ValueError(f"{MASTER_SETTING} must be {MASTER_FORMS} (got {raw!r})")


def remote():
    """The validated BOUNDARY_BENCH_SPARK_REMOTE, or None when unset."""
    raw = os.environ.get(REMOTE_SETTING, "").strip()
    if not raw:
        return None
    if _LOCAL_N.fullmatch(raw):
        return raw
    if raw.startswith("sc://"):
        _host_port(raw.split("/;", 1)[0], REMOTE_SETTING, REMOTE_FORMS, default_port=15002)
        return raw
    raise ValueError(f"{REMOTE_SETTING} must be {REMOTE_FORMS} (got {raw!r})")


def extra_conf():
    """BOUNDARY_BENCH_SPARK_CONF as a dict (empty when unset)."""
    raw = os.environ.get(CONF_SETTING, "").strip()
    conf = {}
    for item in filter(None, (p.strip() for p in raw.split(";"))):
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key.startswith("spark.") or not value or " " in key:
            raise ValueError(f"{CONF_SETTING} must be {CONF_FORMS} (got {raw!r})")
        conf[key] = value
    return conf


def _host_port(url, setting, forms, default_port):
    """(host, port) of a spark:// or sc:// URL, or a one-line ValueError."""
    try:
        parsed = urlparse(url)
        host, port = parsed.hostname, parsed.port or default_port
        valid = bool(host) and port is not None and parsed.path in ("", "/")
    except ValueError:  # e.g. a non-numeric or out-of-range port
        valid = False
    if not valid:
        raise ValueError(f"{setting} must be {forms} (got {url!r})")
    return host, port


def _probe(host, port, setting, url):
    """Fail fast (CONNECT_PROBE_TIMEOUT) when nothing listens at host:port."""
    try:
        socket.create_connection((host, port), timeout=CONNECT_PROBE_TIMEOUT).close()
    except OSError as exc:
        raise RuntimeError(
            f"{setting}={url}: nothing answers at {host}:{port} "
            f"({exc.strerror or exc}); start it or fix the setting"
        ) from None


# --------------------------------------------------------------------------------- Java

def _java_executable():
    home = os.environ.get("JAVA_HOME", "").strip()
    if home:
        candidate = os.path.join(home, "bin", "java")
        return candidate if os.access(candidate, os.X_OK) else None
    return shutil.which("java")


@functools.lru_cache(maxsize=None)
def _java_major(executable):
    try:
        out = subprocess.run([executable, "-version"], capture_output=True, text=True,
                             timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    # Java's own scheme, not PEP 440: "17.0.15", "21", or "1.8.0_392" for Java 8.
    match = re.search(r'version "(?:1\.)?(\d+)', out.stderr + out.stdout)
    return int(match.group(1)) if match else None


def java_problem():
    """Why no usable Java is present (a one-line reason), or None when there is one.

    Looks where PySpark's launcher looks: JAVA_HOME/bin/java, else `java` on PATH.
    PySpark 4 needs Java 17+; PySpark 3.5 runs on 8, 11 and 17."""
    executable = _java_executable()
    if executable is None:
        return NO_JAVA
    major = _java_major(executable)
    if major is None:
        return f"{executable} -version failed: {NO_JAVA}"
    needed = 17 if pyspark_version() >= release("4") else 8
    if major < needed:
        return (f"Java {major} at {executable} is too old for pyspark "
                f"{pyspark_version()} (needs {needed}+): {NO_JAVA}")
    return None


def java_available():
    return java_problem() is None


def require_java():
    """NotImplementedError (an asv skip, with the reason) when no usable Java is found."""
    problem = java_problem()
    if problem:
        raise NotImplementedError(problem)


# ------------------------------------------------------------------------------ sessions

def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _quiet_python_warnings():
    # PySpark 4.x warns on every conversion that pandas >= 3 is "not yet fully
    # supported"; the suite checks the conversions itself (tests/test_spark_correctness).
    warnings.filterwarnings("ignore", message=".*does not yet fully support pandas",
                            category=FutureWarning)


DRIVER_MEMORY = "2g"


def _base_conf(the_master):
    conf = {
        "spark.master": the_master,
        "spark.app.name": "boundary-bench",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.driver.host": "127.0.0.1",
        "spark.driver.memory": DRIVER_MEMORY,
        # The whole heap from the start: with the default initial heap (1/64 of RAM) the
        # JVM grows it while toPandas allocates, differently in every process, and
        # timings then differ by process (docs/spark.md).
        "spark.driver.extraJavaOptions": f"-Xms{DRIVER_MEMORY}",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": "2",
        "spark.log.level": "ERROR",
        "spark.sql.execution.arrow.pyspark.fallback.enabled": "false",
        # Only read if this process starts an in-process Spark Connect server.
        "spark.connect.grpc.binding.address": "127.0.0.1",
        "spark.connect.grpc.binding.port": str(_free_port()),
    }
    conf.update(extra_conf())
    return conf


def _wait_for_executor(spark, the_master):
    """On a standalone cluster, fail within EXECUTOR_WAIT s if no executor registers
    (Spark itself would wait forever on the first job)."""
    if not the_master.startswith("spark://"):
        return
    jsc = spark.sparkContext._jsc.sc()
    deadline = time.monotonic() + EXECUTOR_WAIT
    while jsc.getExecutorMemoryStatus().size() < 2:  # the driver counts as one
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"{MASTER_SETTING}={the_master}: no executor registered within "
                f"{EXECUTOR_WAIT:.0f} s (no worker, or none with free cores/memory)")
        time.sleep(0.25)


def _start_classic(the_master):
    require_java()
    if the_master.startswith("spark://"):
        _probe(*_host_port(the_master, MASTER_SETTING, MASTER_FORMS, None),
               MASTER_SETTING, the_master)
    _quiet_python_warnings()
    # Spark otherwise warns that the hostname resolves to loopback and picks another
    # interface for its block manager; everything here stays on 127.0.0.1.
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # Python workers (UDFs) run this interpreter unless PYSPARK_PYTHON says otherwise;
    # PySpark's own default, `python3` on PATH, may lack pandas/pyarrow.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    builder = SparkSession.builder
    for key, value in _base_conf(the_master).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    _wait_for_executor(spark, the_master)
    return spark


def _classic_on(the_master):
    """The process's classic session, started on `the_master` if none runs yet."""
    with _lock:
        if "classic" not in _state:
            _state["classic"] = _start_classic(the_master)
            _state["classic_master"] = the_master
        return _state["classic"]


def classic_session():
    """The process's classic (py4j) SparkSession, created on first use."""
    return _classic_on(master())


def connect_available():
    """Why Spark Connect can't be used here (one line), or None."""
    if pyspark_version() < release("4"):
        return "Spark Connect sessions need pyspark>=4.0 (3.5 ships no Connect server jar)"
    try:
        import grpc  # noqa: F401
        import google.protobuf  # noqa: F401
        from pyspark.sql.connect.session import SparkSession  # noqa: F401
    except ImportError as exc:
        return f"Spark Connect client dependencies missing ({exc}); pip install pyspark[connect]"
    return None


def connect_session():
    """A Spark Connect session (see BOUNDARY_BENCH_SPARK_REMOTE), created on first use.

    Raises NotImplementedError (a skip) where Connect is unavailable."""
    with _lock:
        spark = _state.get("connect")
        if spark is not None:
            return spark
        _quiet_python_warnings()  # importing the Connect client checks pandas too
        problem = connect_available()
        if problem:
            raise NotImplementedError(problem)
        remote_value = remote()
        if remote_value and remote_value.startswith("sc://"):
            host, port = _host_port(remote_value.split("/;", 1)[0], REMOTE_SETTING,
                                    REMOTE_FORMS, 15002)
            _probe(host, port, REMOTE_SETTING, remote_value)
            url = remote_value
        else:
            url = _start_local_connect_server(remote_value or master())
        _quiet_python_warnings()
        from pyspark.sql.connect.session import SparkSession as ConnectSession

        # The Connect builder directly: unlike SparkSession.builder.remote(...), it
        # leaves SPARK_CONNECT_MODE_ENABLED unset, so this process's classic session
        # (and pyspark.sql.functions) keep working alongside it.
        spark = ConnectSession.builder.remote(url).create()
        spark.conf.set("spark.sql.session.timeZone", "UTC")
        _state["connect"], _state["connect_url"] = spark, url
        return spark


def _start_local_connect_server(the_master):
    """Start a Connect server in this process's JVM (on the classic SparkContext) and
    return its sc:// URL. One SparkContext per process: if a classic session already
    runs on another master, the two can't share this process."""
    if "classic" in _state and _state.get("classic_master") != the_master:
        raise NotImplementedError(
            f"a classic session on {_state['classic_master']} already runs in this process; "
            f"a local Connect server on {the_master} needs its own process")
    sc = _classic_on(the_master).sparkContext
    port = int(sc.getConf().get("spark.connect.grpc.binding.port"))
    sc._jvm.org.apache.spark.sql.connect.service.SparkConnectService.start(sc._jsc.sc())
    deadline = time.monotonic() + 30
    while True:  # the gRPC server binds asynchronously
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"in-process Spark Connect server did not open port {port}")
            time.sleep(0.1)
    return f"sc://127.0.0.1:{port}"


SESSION_KINDS = ("classic", "connect")


def running_sessions():
    """What this process started: {"master": the classic session's master or None,
    "connect_url": the Connect session's sc:// URL or None}."""
    with _lock:
        classic = _state.get("classic")
        return {"master": classic.sparkContext.master if classic else None,
                "connect_url": _state.get("connect_url")}


def session(kind="classic"):
    """`classic_session()` or `connect_session()` by name."""
    if kind == "classic":
        return classic_session()
    if kind == "connect":
        return connect_session()
    raise ValueError(f"session kind must be one of {SESSION_KINDS} (got {kind!r})")


# --------------------------------------------------------------------------------- Arrow

_arrow_defaults = {}  # id(session) -> the version's Arrow default, read once


def arrow_default(spark):
    """Whether this PySpark version ships with Arrow conversion on, read from the session
    by unsetting the conf (on from ARROW_DEFAULT_ON_FROM)."""
    if id(spark) not in _arrow_defaults:
        spark.conf.unset(ARROW_CONF)
        _arrow_defaults[id(spark)] = spark.conf.get(ARROW_CONF).strip().lower() == "true"
    return _arrow_defaults[id(spark)]


def set_arrow(spark, mode):
    """Set `spark.sql.execution.arrow.pyspark.enabled` for `mode` in ARROW_MODES
    ("default" unsets it, leaving the version's default); returns whether Arrow is on."""
    if mode not in ARROW_MODES:
        raise ValueError(f"arrow must be one of {ARROW_MODES} (got {mode!r})")
    default = arrow_default(spark)
    if mode == "default":
        spark.conf.unset(ARROW_CONF)
        return default
    spark.conf.set(ARROW_CONF, "true" if mode == "on" else "false")
    return mode == "on"


def root_cause(exc):
    """The innermost JVM exception message of a Py4J/Spark error, on one line (or
    None when `exc` carries no Java exception)."""
    java = getattr(exc, "java_exception", None)
    if java is None:
        return None
    try:
        while java.getCause() is not None and java.getCause() != java:
            java = java.getCause()
        message = f"{java.getClass().getName()}: {java.getMessage()}"
    except Exception:  # the gateway may be gone
        return None
    return " ".join(message.split())


def write_noop(df):
    """Execute `df` completely without returning anything to Python (the `noop` sink)."""
    df.write.format("noop").mode("overwrite").save()
