"""Every benchmark case asv would find, run in this process: the one loop the tests use.

Discovery is asv_runner's own, so a new benchmark is exercised without editing a test.
A case runs as asv runs it (setup -> method -> teardown); a NotImplementedError in
setup is asv's skip. Run as a script, it prints a JSON summary on its last line
(for tests that need the cases in a fresh process with other settings):

    python tests/benchmark_cases.py NAME_REGEX PARAMS_REGEX
"""

import ast
import contextlib
import io
import itertools
import json
import re
import subprocess
import sys
import traceback
from pathlib import Path

from asv_runner.discovery import disc_benchmarks

ROOT = Path(__file__).resolve().parent.parent
SUMMARY = "SUMMARY "


def cases(name_pattern="", params_pattern=""):
    """[(benchmark, parameter index, label)] of every discovered case whose name matches
    `name_pattern` and whose parameter tuple's repr matches `params_pattern`."""
    found = []
    for bench in sorted(disc_benchmarks(str(ROOT / "benchmarks")), key=lambda b: b.name):
        if not re.search(name_pattern, bench.name):
            continue
        for idx, combo in enumerate(itertools.product(*bench.params)):
            label = f"{bench.name}({', '.join(combo)})"
            if re.search(params_pattern, repr(tuple(map(_literal, combo)))):
                found.append((bench, idx, label))
    return found


def _literal(text):
    """asv gives parameters as their reprs ("10000", "'on'"); back to values."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def run_case(bench, idx):
    """Run one case; returns (skipped?, what setup printed: asv's skip reason), and
    the method's return value for track_/timeraw_ benchmarks in a third item."""
    if bench.params:
        bench.set_param_idx(idx)
    params = bench._current_params
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        skipped = bench.do_setup()
    if skipped:
        return True, printed.getvalue().strip(), None
    try:
        result = bench.func(*params)
        if bench.name.rsplit(".", 1)[-1].startswith("timeraw_"):
            # timeraw benchmarks return code (or (stmt, setup)) for a fresh interpreter
            code = result if isinstance(result, str) else "\n".join(reversed(result))
            subprocess.run([sys.executable, "-c", code], check=True, timeout=300, cwd=ROOT)
        return False, printed.getvalue().strip(), result
    finally:
        bench.do_teardown()


def summary(name_pattern, params_pattern):
    """Run the matching cases here; {"ok", "skipped", "failed", "sessions"}."""
    from benchmarks import spark_session

    out = {"ok": [], "skipped": [], "failed": []}
    for bench, idx, label in cases(name_pattern, params_pattern):
        try:
            skipped, printed, _ = run_case(bench, idx)
            out["skipped" if skipped else "ok"].append([label, printed] if skipped else label)
        except Exception as exc:
            out["failed"].append([label, type(exc).__name__, str(exc)[:2000],
                                  traceback.format_exc()[-2000:]])
    out["sessions"] = spark_session.running_sessions()
    return out


def summary_in_subprocess(name_pattern, params_pattern="", env=None, timeout=420):
    """`summary` in a fresh interpreter with environment `env`."""
    proc = subprocess.run([sys.executable, __file__, name_pattern, params_pattern], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=timeout)
    lines = [line for line in proc.stdout.splitlines() if line.startswith(SUMMARY)]
    assert proc.returncode == 0 and lines, proc.stderr[-5000:]
    return json.loads(lines[-1][len(SUMMARY):])


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))  # a script's own folder is on the path, not the root
    print(SUMMARY + json.dumps(summary(sys.argv[1], sys.argv[2])))
