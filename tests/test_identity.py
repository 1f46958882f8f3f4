"""Results are filed under what was measured (tools/asv_identity.py).

Environment: `make bench` records the project environment under the name asv gives the
reference entry of asv.conf.json's matrix (the sweep's reference environment), never
under its interpreter's path, and only when its installed versions are those pins; no
committed result or published page carries an absolute filesystem path.

Machine: the machine's cpu is the CPU's identity (model, family/model/stepping, NumPy's
SIMD level), and neither `asv run` nor a sweep, fresh or resumed, adds results under a
machine name whose results folder records another CPU.

The asv runs use a one-benchmark throwaway suite under the project's asv.conf.json (so
asv loads the plugins as for `make bench`), recorded into a temporary folder."""

import json
import os
import re
import subprocess
import sys
import textwrap

import pytest
from asv import environment, util
from asv.config import Config
from asv.machine import MachineCollection
from asv.results import get_filename

import asv_identity
import register_machine
import sweep
import wall_times
from conftest import ROOT, TEST_MACHINE, asv, temp_asv_config
from scratch_asv import commit

RESULTS = ROOT / "results"
HTML = ROOT / "html"
OTHER_CPU = ("Intel(R) Xeon(R) Platinum 8488C "
             "(GenuineIntel family 6 model 143 stepping 8, NumPy SIMD AVX512_SPR)")
IDENTITY = re.compile(r".+ \(.+, NumPy SIMD [A-Z0-9_]+\)")
VERSION = re.compile(r"\d+\.\d+")
# asv names an environment "<tool>-py<python>-<requirements>...": the python part is a
# version for a matrix environment, the interpreter's path for a plain `existing` one.
ENV_NAME = re.compile(r"[\w.+-]+?-py\d+\.\d+(-|$)")
# An absolute path written out, or as asv writes it into a name (separators -> "_").
ABSOLUTE = re.compile(r"(?<![\w.~:/-])/(?:[\w.+-]+/)+[\w.+-]*")
INTERPRETER = re.compile(r"_bin_python[\d.]*(?![\w.])|_python\.exe")


def absolute_paths(text):
    """The absolute filesystem paths that `text` (a name or a recorded value) contains."""
    found = ABSOLUTE.findall(text) + INTERPRETER.findall(text)
    return found + [form for form in (str(ROOT), util.sanitize_filename(str(ROOT)))
                    if form in text]


def test_absolute_paths_finds_paths_as_written_and_as_asv_names_them():
    assert absolute_paths("/home/me/bench/.venv/bin/python")
    assert absolute_paths("existing-py_home_me_bench_.venv_bin_python")
    assert absolute_paths(util.sanitize_filename(f"python-{ROOT}/x"))
    assert not absolute_paths("virtualenv-py3.11-numpy2.4.6-MKL_NUM_THREADS1")
    assert not absolute_paths("graphs/arch-x86_64/python-3.11/numpy-2.4.6")


@pytest.fixture
def suite(tmp_path):
    """A one-benchmark suite and a temporary asv config for it."""
    folder = tmp_path / "suite"
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    (folder / "bench_tiny.py").write_text("def time_sum():\n    sum(range(100))\n")
    return folder


def quick_run(config, as_reference=False):
    env = {k: v for k, v in os.environ.items() if k != asv_identity.AS_REFERENCE}
    if as_reference:
        env[asv_identity.AS_REFERENCE] = "1"
    return asv(config, "run", "--quick", "-E", f"existing:{sys.executable}",
               "--set-commit-hash", commit(), "--machine", TEST_MACHINE, env=env)


def recorded_files(config):
    folder = config.parent / "results" / TEST_MACHINE
    return sorted(p.name for p in folder.glob("*.json") if p.name != "machine.json")


def error_lines(done):
    """asv prints a UserError as one line starting with '·' and exits 1."""
    assert done.returncode == 1, done.stdout + done.stderr
    return [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]


def reference_env(config):
    """The environment the sweep runs as "reference", as asv names it."""
    conf = Config.load(str(config))
    pins = asv_identity.reference_pins(conf.matrix)
    return next(env for env in environment.get_environments(conf, None)
                if sweep.axis_of(env.requirements, pins) == "reference")


# --- item 7: environment names -----------------------------------------------------------

def test_bench_records_under_the_sweeps_reference_environment(tmp_path, suite):
    config = temp_asv_config(tmp_path, benchmark_dir=suite)
    done = quick_run(config, as_reference=True)
    assert done.returncode == 0, done.stdout + done.stderr
    reference = reference_env(config)
    name = get_filename(TEST_MACHINE, commit(), reference.name).split("/")[-1]
    assert recorded_files(config) == [name]
    raw = json.loads((config.parent / "results" / TEST_MACHINE / name).read_text())
    assert raw["env_name"] == reference.name
    assert raw["python"] == raw["params"]["python"] == reference.python
    assert raw["requirements"] == reference.requirements
    assert raw["env_vars"] == reference.env_vars
    assert not [v for v in map(str, raw["params"].values()) if absolute_paths(v)]


def test_two_checkouts_record_one_environment(tmp_path, monkeypatch):
    """The same environment reached through two paths (a second checkout's .venv is
    a link to this one's) is one environment for `make bench`, not for plain asv."""
    clone = tmp_path / "clone"
    clone.mkdir()
    (clone / ".venv").symlink_to(ROOT / ".venv")
    pythons = [str(ROOT / ".venv" / "bin" / "python"), str(clone / ".venv" / "bin" / "python")]
    conf = Config.load(str(ROOT / "asv.conf.json"))
    for owner, attribute, value in asv_identity.PATCHES:
        monkeypatch.setattr(owner, attribute, value)

    monkeypatch.delenv(asv_identity.AS_REFERENCE, raising=False)
    plain = {environment.ExistingEnvironment(conf, p, {}, {}).name for p in pythons}
    assert len(plain) == 2

    monkeypatch.setenv(asv_identity.AS_REFERENCE, "1")
    envs = [environment.ExistingEnvironment(conf, p, {}, {}) for p in pythons]
    assert {env.name for env in envs} == {reference_env(ROOT / "asv.conf.json").name}
    assert not absolute_paths(envs[0].name)


def test_bench_refuses_versions_other_than_the_pins_in_one_line(tmp_path, suite):
    raw = json.loads((ROOT / "asv.conf.json").read_text())
    matrix = dict(raw["matrix"], req=dict(raw["matrix"]["req"], numpy=["9.9.9"]))
    config = temp_asv_config(tmp_path, benchmark_dir=suite, matrix=matrix, exclude=[])
    lines = error_lines(quick_run(config, as_reference=True))
    installed = subprocess.run([sys.executable, "-c", "import numpy; print(numpy.__version__)"],
                               capture_output=True, text=True, check=True).stdout.strip()
    assert len(lines) == 1 and f"numpy {installed} (pinned 9.9.9)" in lines[0], lines
    assert recorded_files(config) == []


def test_requirements_pin_the_reference_environment():
    """`make bench` installs requirements.txt and records it as the reference entry: the
    two must agree, or it refuses."""
    pinned = dict(line.split("==") for line in (ROOT / "requirements.txt").read_text().split("\n")
                  if "==" in line and not line.startswith("#"))
    pins = asv_identity.reference_pins(json.loads((ROOT / "asv.conf.json").read_text())["matrix"])
    assert {name: pinned.get(name) for name in pins} == pins


def test_make_bench_runs_the_project_environment_as_the_reference():
    done = subprocess.run(["make", "-n", "bench"], cwd=ROOT, capture_output=True, text=True,
                          check=True)
    run = next(line for line in done.stdout.replace("\\\n", " ").splitlines() if " run " in line)
    assert f"{asv_identity.AS_REFERENCE}=1 " in run and "existing:" in run, done.stdout


def test_no_committed_result_names_an_absolute_path():
    for path in sorted(RESULTS.glob("confirmations/*.json")):  # tools/compare.py's files
        assert not absolute_paths(path.read_text()), path.relative_to(ROOT)
    for path in sorted(p for machine in RESULTS.glob("*/machine.json")
                       for p in machine.parent.glob("*.json")):
        raw = json.loads(path.read_text())
        where = path.relative_to(ROOT)
        assert not absolute_paths(path.name), where
        if path.name == "machine.json":
            values = raw.values()
        else:
            assert ENV_NAME.match(raw["env_name"]), (where, raw["env_name"])
            assert VERSION.fullmatch(raw["python"]) and VERSION.fullmatch(raw["params"]["python"])
            values = [raw["env_name"], *raw["params"].values(), *raw["requirements"].values(),
                      *raw["env_vars"].values()]
        assert not [v for v in map(str, values) if absolute_paths(v)], where


def published_paths(html):
    """Absolute paths in a published dashboard: in its file names, in index.json's
    parameters and machines, and this checkout's path anywhere."""
    found = []
    for path in html.rglob("*"):
        name = str(path.relative_to(html))
        # Component by component: a folder name such as "cpu-... (..., AVX512_ICL)"
        # followed by "/" is not a path; asv writes a path into a name sanitized.
        found += [(name, p) for part in path.relative_to(html).parts for p in absolute_paths(part)]
        if path.is_file() and path.suffix in (".json", ".html", ".js"):
            text = path.read_text(errors="replace")
            found += [(name, p) for p in (str(ROOT), util.sanitize_filename(str(ROOT)))
                      if p in text]
    index = json.loads((html / "index.json").read_text())
    values = [v for vs in index["params"].values() for v in vs] + \
        [v for m in index["machines"].values() for v in m.values()]
    return found + [("index.json", v) for v in map(str, values) if absolute_paths(v)]


def test_publishing_the_committed_results_names_no_path_and_the_cpu(tmp_path):
    config = temp_asv_config(tmp_path, results_dir=str(RESULTS))
    done = asv(config, "publish")
    assert done.returncode == 0, done.stdout + done.stderr
    html = tmp_path / "html"
    assert published_paths(html) == []
    machines = json.loads((html / "index.json").read_text())["machines"]
    for name, facts in machines.items():  # shown in the dashboard's machine tooltip
        assert facts["cpu"] == json.loads((RESULTS / name / "machine.json").read_text())["cpu"]
        assert IDENTITY.fullmatch(facts["cpu"]), facts["cpu"]


def test_committed_dashboard_names_no_path():
    """html/ as `make publish` last wrote it (republish after changing results/)."""
    assert published_paths(HTML) == []


# --- item 8: machine identity ------------------------------------------------------------

def test_cpu_identity_names_the_cpu_and_numpys_simd_level(tmp_path):
    from numpy._core import _multiarray_umath as umath
    found = [t for t in umath.__cpu_dispatch__ if umath.__cpu_features__[t]]
    identity = asv_identity.cpu_identity()
    assert identity.endswith(f", NumPy SIMD {(found or umath.__cpu_baseline__)[-1]})")
    if sys.platform.startswith("linux") and os.uname().machine == "x86_64":
        assert re.search(r"\(\w+ family \d+ model \d+ stepping \d+,", identity), identity
    machine_file = tmp_path / "asv-machine.json"
    register_machine.main("somewhere", machine_file=str(machine_file))
    assert MachineCollection.load("somewhere", _path=str(machine_file))["cpu"] == identity


def test_committed_machines_record_a_cpu_identity():
    for path in RESULTS.glob("*/machine.json"):
        cpu = json.loads(path.read_text())["cpu"]
        assert IDENTITY.fullmatch(cpu), (path.relative_to(ROOT), cpu)


def write_machine(config, cpu):
    folder = config.parent / "results" / TEST_MACHINE
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "machine.json"
    path.write_text(json.dumps({"machine": TEST_MACHINE, "cpu": cpu, "version": 1}))
    return path


def test_asv_run_adds_results_only_under_a_name_recorded_with_this_cpu(tmp_path, suite):
    config = temp_asv_config(tmp_path, benchmark_dir=suite)
    machine = write_machine(config, OTHER_CPU)
    before = machine.read_text()
    lines = error_lines(quick_run(config))
    assert len(lines) == 1 and OTHER_CPU in lines[0] and "choose another name" in lines[0], lines
    assert machine.read_text() == before and recorded_files(config) == []

    write_machine(config, asv_identity.cpu_identity())
    done = quick_run(config)
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(recorded_files(config)) == 1


def run_sweep(monkeypatch, config, *args):
    monkeypatch.setattr(sweep, "CONFIG", str(config))
    monkeypatch.setattr(sys, "argv", ["sweep.py", "--machine", TEST_MACHINE, *args])

    def no_asv(*args, **kwargs):
        raise AssertionError("the sweep started asv")
    monkeypatch.setattr(sweep, "run_asv", no_asv)
    return sweep.main()


def test_resumed_sweep_refuses_another_cpu_before_running_anything(tmp_path, monkeypatch, capsys):
    config = temp_asv_config(tmp_path)
    write_machine(config, OTHER_CPU)
    with pytest.raises(SystemExit) as refused:
        run_sweep(monkeypatch, config)
    message = str(refused.value.code)
    assert "\n" not in message and OTHER_CPU in message and "choose another name" in message

    write_machine(config, asv_identity.cpu_identity())
    assert run_sweep(monkeypatch, config, "--dry-run") == 0
    assert "--bench" in capsys.readouterr().out


def test_sweep_re_records_only_the_chosen_runs_when_asked_again(tmp_path, monkeypatch, capsys):
    """--only picks runs by label and --again drops --skip-existing (a class re-measured on
    a quiet machine); without --again the same run resumes with --skip-existing."""
    config = temp_asv_config(tmp_path)
    write_machine(config, asv_identity.cpu_identity())
    calls = []

    def fake_asv(config, *args, **kwargs):
        calls.append(args)
        return subprocess.CompletedProcess(args, 0)
    monkeypatch.setattr(sweep, "CONFIG", str(config))
    monkeypatch.setattr(sweep, "run_asv", fake_asv)
    monkeypatch.setattr(sweep, "check_installed", lambda conf: None)
    monkeypatch.setattr(sweep, "unrecorded", lambda *a: [])
    for extra in (["--again"], []):
        calls.clear()
        monkeypatch.setattr(sys, "argv", ["sweep.py", "--machine", TEST_MACHINE,
                                          "--only", r"TimeSparkToPandas$", *extra])
        assert sweep.main() == 0
        runs = [args for args in calls if args[0] == "run"]
        assert len(runs) == 1
        bench = runs[0][runs[0].index("--bench") + 1]
        assert bench == r"^bench_spark_conversion\.TimeSparkToPandas\."
        assert ("--skip-existing" in runs[0]) == (not extra)
        assert "--interleave-rounds" in runs[0] and "--record-samples" in runs[0]
    # each run's wall time is kept beside the results (results/timings/MACHINE.json)
    steps = wall_times.load(Config.load(str(config)).results_dir, TEST_MACHINE)
    assert [(s["step"], s["what"], s["environments"], s["again"]) for s in steps] == [
        ("sweep", "bench_spark_conversion.TimeSparkToPandas", 8, again) for again in (True, False)]
    assert {s["commit"] for s in steps} == {sweep.commit("HEAD")}

    # a case the sweep should have recorded and has not: said, and the exit status is 1
    monkeypatch.setattr(sweep, "unrecorded", lambda *a: ["x.Y.time_z(1) in numpy 2.4.6: not run"])
    monkeypatch.setattr(sys, "argv", ["sweep.py", "--machine", TEST_MACHINE,
                                      "--only", r"TimeSparkToPandas$"])
    capsys.readouterr()
    assert sweep.main() == 1
    said = capsys.readouterr().out
    assert "1 case(s) not recorded" in said and "--only 'Y' --again" in said

    monkeypatch.setattr(sys, "argv", ["sweep.py", "--machine", TEST_MACHINE, "--only", "NoSuch"])
    with pytest.raises(SystemExit) as refused:
        sweep.main()
    assert "--only NoSuch" in str(refused.value.code) and "\n" not in str(refused.value.code)
