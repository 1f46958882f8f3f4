"""asv plugin (listed under "plugins" in asv.conf.json): keep every finished benchmark.

asv 0.6.6 writes an environment's results once, after its last benchmark, by rewriting
the results file in place. An interrupted `asv run` (Ctrl-C, a killed asv, a dead
machine) therefore lost every benchmark of the environment in flight, and a kill during
the write left a truncated JSON file that later runs and `asv publish` choke on.

This plugin changes two things, nothing else:
- results are saved after each benchmark, so an interruption loses at most the
  benchmark in flight (the next run's `--skip-existing` resumes from there);
- every JSON file asv writes goes to a temporary file in the same directory and is
  then renamed over the target (atomic on POSIX), so a file is either the old one or
  the new one, never half of each.

asv changes into the config file's folder and imports ".tools.asv_checkpoint" from
there: the repository root for asv.conf.json. The tools and tests that write a scratch
config elsewhere run `python -m asv` from the repository root, which keeps the root on
sys.path.
"""

import os
import tempfile

from asv import util
from asv.results import Results

_write_json = util.write_json
_add_result = Results.add_result
_load_data = Results.load_data


def _replace(path, write):
    """Call write(temporary path) for a file beside `path`, then rename it over `path`:
    a failure at any point leaves the old file as it was."""
    path = os.path.abspath(path)
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    os.close(fd)
    os.chmod(tmp, 0o644)  # mkstemp's 0600 would survive the rename
    try:
        write(tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def replace_file(path, data):
    """Write `data` (str or bytes) to `path` atomically (every generated file of the
    tools is written this way, so an interrupted run never leaves half a file)."""
    def write(tmp):
        with open(tmp, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
    _replace(path, write)


def atomic_write_json(path, data, api_version=None, compact=False):
    _replace(path, lambda tmp: _write_json(tmp, data, api_version=api_version, compact=compact))


def load_data(self, result_dir):
    # asv loads earlier results exactly when it will save this run (not for dry runs,
    # nor for an existing environment without --set-commit-hash): remember where.
    _load_data(self, result_dir)
    self._checkpoint_dir = result_dir


def add_result(self, *args, **kwargs):
    _add_result(self, *args, **kwargs)
    result_dir = getattr(self, "_checkpoint_dir", None)
    if result_dir is not None:
        self.save(result_dir)


def setup():
    """Called by asv's plugin manager once, when it loads the plugin."""
    util.write_json = atomic_write_json
    Results.load_data = load_data
    Results.add_result = add_result
