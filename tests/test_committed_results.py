"""The committed results are what the README and the report say they are: every
committed environment is a point of the matrix, on one axis, and ran its axis's part of
the suite (the reference environment every part) at one commit whose benchmarks are the
current ones; nothing failed or was skipped except the skips the benchmarks declare; the
installed versions are the pinned ones; and a machine folder holds one CPU."""

import ast
import importlib
import itertools
import json
import math
import re
import shutil

import pytest
from asv import environment
from asv.config import Config
from asv.results import iter_results_for_machine

import report
import sweep
from benchmarks import common
from benchmarks.bench_versions import version_number
from conftest import REPORTED_MACHINE, ROOT

RESULTS = ROOT / "results"
CONFIG = json.loads((ROOT / "asv.conf.json").read_text())
REFERENCE = sweep.reference_pins(CONFIG)
BENCHMARKS = {name: b for name, b in json.loads((RESULTS / "benchmarks.json").read_text()).items()
              if name != "version"}
MACHINES = sorted(p.parent.name for p in RESULTS.glob("*/machine.json"))


def matrix_envs():
    """{env name: requirements} of asv.conf.json's matrix."""
    conf = Config.load(str(ROOT / "asv.conf.json"))
    return {env.name: env.requirements for env in environment.get_environments(conf, None)}


@pytest.fixture(scope="module", params=MACHINES)
def committed(request):
    """[(requirements, axis, Results)] of one machine's committed results files."""
    envs = matrix_envs()
    found = []
    for result in iter_results_for_machine(str(RESULTS), request.param):
        assert result.env_name in envs, f"results outside the matrix: {result.env_name}"
        req = envs[result.env_name]
        found.append((req, sweep.axis_of(req, REFERENCE), result))
    return found


def cases(result, name):
    """[(params dict, value)] of one benchmark in one results file."""
    names = BENCHMARKS[name]["param_names"]
    combos = itertools.product(*result.get_result_params(name))
    values = result.get_result_value(name, result.get_result_params(name))
    return [(dict(zip(names, map(ast.literal_eval, combo))), value)  # reprs of str/int
            for combo, value in zip(combos, values)]


def declared_skip(name, params, requirements):
    """The reason the benchmark declares for skipping this case with these pins, or None;
    anything else skipped is a defect."""
    module, cls = name.split(".")[:2]
    versions = {lib: common.release(v) for lib, v in requirements.items()
                if lib in common.LIBRARIES}
    return common.declared_skip(getattr(importlib.import_module(f"benchmarks.{module}"), cls),
                                params, versions)


def label(req):
    return ", ".join(f"{lib} {req[lib]}" for lib in sweep.AXES)


def test_the_matrix_varies_one_library_at_a_time_on_three_axes():
    envs = matrix_envs()
    axes = sorted(sweep.axis_of(req, REFERENCE) for req in envs.values())
    releases = {axis: CONFIG["matrix"]["req"][axis] for axis in sweep.AXES}
    assert axes == sorted(["reference"] + [a for a in sweep.AXES for _ in releases[a][:-1]])
    for axis in sweep.AXES:
        assert REFERENCE[axis] == releases[axis][-1]  # the reference is the last value


def test_committed_results_cover_every_release_of_every_axis(committed):
    for axis in sweep.AXES:
        have = {req[axis] for req, a, _ in committed if a in (axis, "reference")}
        assert have == set(CONFIG["matrix"]["req"][axis]), axis


def test_each_environment_ran_its_part_with_no_failure_but_declared_skips(committed):
    for req, axis, result in committed:
        patterns = list(sweep.PARTS.values()) if axis == "reference" else [sweep.PARTS[axis]]
        wanted = {n for n in BENCHMARKS if any(re.search(p, n) for p in patterns)}
        missing = wanted - set(result.get_all_result_keys())
        assert not missing, f"{label(req)} ({axis}) lacks {sorted(missing)}"
        for name in sorted(wanted):
            for params, value in cases(result, name):
                where = f"{name}{params} with {label(req)}"
                assert value is not None, f"failed: {where}"
                if isinstance(value, float) and math.isnan(value):
                    assert declared_skip(name, params, req), f"skipped: {where}"


def test_results_are_of_one_commit_and_the_current_benchmark_versions(committed):
    """One sweep, at one commit; asv draws results of another benchmark version (what a
    benchmark measures, bumped by hand: docs/measurement.md) as another series, and none
    are committed."""
    commits = {result.commit_hash for _, _, result in committed}
    assert len(commits) == 1, commits
    for req, _, result in committed:
        for name in result.get_all_result_keys():
            assert result.benchmark_version[name] == BENCHMARKS[name]["version"], (name, label(req))


def test_installed_versions_are_the_pinned_ones(committed):
    name = "bench_versions.TrackInstalledVersion.track_installed_version"
    for req, _, result in committed:
        installed = {p["library"]: v for p, v in cases(result, name)}
        pinned = {lib: version_number(req[lib]) for lib in installed}
        assert installed == pinned, label(req)


def test_version_number_round_trips():
    assert version_number("2.4.6") == 2.0406
    assert version_number("26.0.1") == 26.0001
    assert version_number("1.26.4") == 1.2604 > version_number("1.9.9")
    with pytest.raises(ValueError, match="does not fit"):
        version_number("1.100.0")


def test_results_are_committed():
    assert MACHINES, "results/ holds no machine's results: run make sweep"


def test_committed_report_and_readme_table_are_made_from_the_committed_results(tmp_path):
    text, table, _ = report.build(str(RESULTS), REPORTED_MACHINE, str(ROOT / "asv.conf.json"))
    assert (ROOT / "report" / "REPORT.md").read_text() == text, "stale report: run make report"
    readme = tmp_path / "README.md"
    shutil.copy(ROOT / "README.md", readme)
    report.update_readme(str(readme), table)
    assert readme.read_text() == (ROOT / "README.md").read_text(), \
        "README's headline table is stale: run make report"
