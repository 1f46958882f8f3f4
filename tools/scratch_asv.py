"""asv on a scratch copy of asv.conf.json: the one way the tools (sweep, repeatability,
agreement) and the tests run asv with other results/html folders or another matrix."""

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The tools run as scripts (tools/ on the path): the root makes `benchmarks` importable.
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
PATH_KEYS = ("repo", "benchmark_dir", "env_dir", "results_dir", "html_dir")


def write_config(path, **overrides):
    """Write asv.conf.json to `path` with every folder absolute (asv resolves them from
    the config's folder), then `overrides` applied; returns `path`."""
    with open(os.path.join(ROOT, "asv.conf.json")) as f:
        config = json.load(f)
    for key in PATH_KEYS:
        config[key] = os.path.join(ROOT, config[key])
    config.update(overrides)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump(config, f, indent=4)
    return path


def scratch_config(folder, **overrides):
    """write_config into `folder`/asv.conf.json with results/ and html/ inside `folder`."""
    return write_config(os.path.join(folder, "asv.conf.json"),
                        **{"results_dir": os.path.join(folder, "results"),
                           "html_dir": os.path.join(folder, "html"), **overrides})


def commit(rev="HEAD"):
    """The full hash of `rev` in this repository (what --set-commit-hash takes)."""
    return subprocess.run(["git", "rev-parse", rev], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout.strip()


def asv_command(config, *args):
    """`python -m asv ARGS --config CONFIG`. Run it from ROOT: asv changes into the
    config's folder before importing the ".tools.asv_checkpoint" plugin, and `-m` keeps
    the directory it started in (ROOT) on sys.path, so the plugin is still found."""
    return [sys.executable, "-m", "asv", *map(str, args), "--config", str(config)]


def run_asv(config, *args, **kwargs):
    return subprocess.run(asv_command(config, *args), cwd=ROOT, **kwargs)


def build_environments(config):
    """Build the environments of `config` that are missing, as many at a time as there
    are cores (mostly downloads and unpacking: figures.md, "Cost of a run"). `asv setup`
    exits 1 even when it built them all, so its status is not checked: a failed install
    fails the `asv run` that follows."""
    run_asv(config, "setup", "--parallel")
