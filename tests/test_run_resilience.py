"""An interrupted `asv run` loses at most the benchmark in flight (tools/asv_checkpoint.py).

A throwaway suite of three benchmarks (two instant, one that sleeps until killed) runs
under the project's asv.conf.json, so asv loads the checkpoint plugin as it does for
`make bench` and `make sweep`."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from conftest import ROOT, TEST_MACHINE, asv, temp_asv_config

import asv_checkpoint
from scratch_asv import asv_command, commit

SUITE = textwrap.dedent('''
    import os, time

    def time_a_first():
        sum(range(100))

    def time_b_second():
        sum(range(100))

    def time_z_slow():  # asv runs benchmarks in name order: this one last
        with open(os.environ["SLOW_PIDFILE"], "w") as f:
            f.write(str(os.getpid()))
        time.sleep(300)

    time_z_slow.timeout = 600
''')
FAST = {"bench_suite.time_a_first", "bench_suite.time_b_second"}
SLOW = "bench_suite.time_z_slow"


@pytest.fixture
def project(tmp_path):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "__init__.py").write_text("")
    (suite / "bench_suite.py").write_text(SUITE)
    config = temp_asv_config(tmp_path, benchmark_dir=suite)
    head = commit()
    env = dict(os.environ, SLOW_PIDFILE=str(tmp_path / "slow.pid"))
    return config, head, env, tmp_path


def run_args(config, head, *extra):
    return asv_command(config, "run", "-E", f"existing:{sys.executable}", "--set-commit-hash",
                       head, "--machine", TEST_MACHINE, *extra)


def results_file(tmp, commit):
    files = list((tmp / "results" / TEST_MACHINE).glob(f"{commit[:8]}-*.json"))
    assert len(files) <= 1, files
    return files[0] if files else None


def recorded(tmp, commit):
    path = results_file(tmp, commit)
    if path is None:
        return {}
    return json.loads(path.read_text())["results"]  # must parse, at any moment


def start_and_wait_for_slow(config, head, env, tmp, *extra):
    (tmp / "slow.pid").unlink(missing_ok=True)
    proc = subprocess.Popen(run_args(config, head, *extra), cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 120
    while not (FAST <= set(recorded(tmp, head)) and (tmp / "slow.pid").exists()):
        assert proc.poll() is None, proc.stdout.read()
        assert time.monotonic() < deadline, "the slow benchmark never started"
        time.sleep(0.2)
    return proc, int((tmp / "slow.pid").read_text())


def test_sigint_keeps_finished_benchmarks_and_a_resume_completes_the_run(project):
    config, head, env, tmp = project
    proc, _ = start_and_wait_for_slow(config, head, env, tmp)
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=120)
    results = recorded(tmp, head)
    assert set(results) == FAST, "the finished benchmarks survive, the one in flight is lost"
    assert all(r[0] is not None for r in results.values())
    done = asv(config, "publish")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert (tmp / "html" / "index.html").is_file()

    # Resume: --skip-existing runs only what is missing (here the slow one, killed
    # once it starts, which asv records as a failure and goes on).
    proc, pid = start_and_wait_for_slow(config, head, env, tmp, "--skip-existing")
    before = {k: v[0] for k, v in recorded(tmp, head).items() if k in FAST}
    os.kill(pid, signal.SIGKILL)
    proc.communicate(timeout=120)
    results = recorded(tmp, head)
    assert set(results) == FAST | {SLOW}
    assert {k: results[k][0] for k in FAST} == before, "finished results were re-run"
    assert results[SLOW][0] is None  # a failed benchmark: null, as asv records failures


def test_killed_benchmark_process_fails_only_itself(project):
    config, head, env, tmp = project
    proc, pid = start_and_wait_for_slow(config, head, env, tmp)
    os.kill(pid, signal.SIGKILL)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 2, out  # asv: some benchmark failed
    results = recorded(tmp, head)
    assert set(results) == FAST | {SLOW}
    assert results[SLOW][0] is None and all(results[k][0] is not None for k in FAST)


def test_sigkilled_asv_leaves_earlier_files_untouched(project):
    """Another commit's results file, written by a complete run, is byte-identical
    after a later run of a different commit is killed outright."""
    config, head, env, tmp = project
    parent = commit("HEAD~1")
    done = subprocess.run(run_args(config, parent, "-b", "time_[ab]_"), cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:]
    earlier = results_file(tmp, parent)
    snapshot = earlier.read_bytes()
    proc, pid = start_and_wait_for_slow(config, head, env, tmp)
    proc.kill()
    proc.communicate(timeout=60)
    try:
        os.kill(pid, signal.SIGKILL)  # the orphaned benchmark process
    except ProcessLookupError:
        pass
    assert earlier.read_bytes() == snapshot
    assert FAST <= set(recorded(tmp, head))
    done = asv(config, "publish")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "results.json"
    asv_checkpoint.atomic_write_json(str(target), {"a": 1})
    old = target.read_bytes()
    with pytest.raises(TypeError):
        asv_checkpoint.atomic_write_json(str(target), {"a": object()})  # not JSON
    assert target.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"], "temporary file left"
    assert oct(target.stat().st_mode & 0o777) == oct(0o644)
