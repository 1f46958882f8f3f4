"""The suite on the oldest supported versions (requirements-oldest.txt: NumPy 1.26,
pandas 2.2, pyarrow 17, PySpark 3.5): every benchmark module imports and every
benchmark runs or skips in setup, via the same generic test run in that environment.

The environment is built once into .venv-oldest and reused while the pins are unchanged.
"""

import hashlib
import os
import shutil
import subprocess
import sys

from conftest import ROOT

PINS = ROOT / "requirements-oldest.txt"
VENV = ROOT / ".venv-oldest"
PYTHON = VENV / "bin" / "python"
STAMP = VENV / "requirements.sha256"


def oldest_env():
    digest = hashlib.sha256(PINS.read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return PYTHON
    shutil.rmtree(VENV, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "-r", str(PINS)], check=True, timeout=1800)
    STAMP.write_text(digest)
    return PYTHON


def test_every_benchmark_runs_or_skips_on_the_oldest_versions():
    python = oldest_env()
    versions = subprocess.run(
        [str(python), "-c", "import numpy, pandas, pyarrow, pyspark; "
         "print(numpy.__version__, pandas.__version__, pyarrow.__version__, pyspark.__version__)"],
        capture_output=True, text=True, check=True).stdout.split()
    assert versions == ["1.26.4", "2.2.3", "17.0.0", "3.5.9"]
    done = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", str(ROOT / "tests" / "test_benchmarks_run.py")],
        cwd=ROOT, capture_output=True, text=True, timeout=1800, env=dict(os.environ),
    )
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-2000:]
    assert " passed" in done.stdout.splitlines()[-1]
