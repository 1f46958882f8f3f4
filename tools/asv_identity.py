"""asv plugin (listed under "plugins" in asv.conf.json): results are filed under what was
measured, never under where the checkout lives, and a machine name never mixes CPUs.

Environment names. asv names an `existing` environment after its interpreter's path
(`existing-py_<path>_.venv_bin_python`), so every checkout started a new series and the
path went into the results' file names, their parameters and the dashboard. When
BOUNDARY_BENCH_AS_REFERENCE=1 is set (`make bench` sets it), an existing environment
instead takes what asv gives the reference entry of asv.conf.json's matrix (the last
value of every requirement list; the entry `make sweep` runs as "reference"):
its name, Python version, requirements and matrix environment variables. It does so
only after checking that its interpreter has exactly those versions installed (otherwise
a one-line error names each package that differs), so `make bench` and the sweep's
reference environment are one series, whatever the checkout's path.

Machine identity. asv's "cpu" fact is a bare model name ("AMD EPYC" on a VM), and NumPy
picks its SIMD kernels by CPU, so two machines with one model name can time NumPy
differently. cpu_identity() is the model name, the vendor's family/model/stepping (or
the ARM part numbers) and the highest SIMD target this interpreter's NumPy dispatches to.
`asv run` records it as the machine's "cpu" (it shows in the dashboard's machine info
and the report) and refuses, before running anything, to add results to a results
folder whose machine.json records another cpu: a machine name holds one CPU's series.
tools/sweep.py and tools/register_machine.py use the same functions, and tools/compare.py
(confirm) and tools/crosscheck.py refuse to re-measure a machine's results on another CPU.
"""

import json
import os
import platform

from asv import environment, util
from asv.machine import Machine

AS_REFERENCE = "BOUNDARY_BENCH_AS_REFERENCE"

_machine_save = Machine.save
_existing_init = environment.ExistingEnvironment.__init__
_existing_name = environment.ExistingEnvironment.name


# --- machine identity ------------------------------------------------------------------

def _cpuinfo():
    """Facts of the first processor in /proc/cpuinfo ({} where there is none)."""
    try:
        with open("/proc/cpuinfo") as f:
            first = f.read().split("\n\n")[0]
    except OSError:
        return {}
    facts = {}
    for line in first.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            facts.setdefault(key.strip(), value.strip())
    return facts


def numpy_simd_level():
    """The highest SIMD target NumPy dispatches to on this CPU (its baseline if none)."""
    try:
        from numpy._core import _multiarray_umath as umath
    except ImportError:
        try:
            from numpy.core import _multiarray_umath as umath  # NumPy 1.x
        except ImportError:
            raise util.UserError("the CPU's identity includes NumPy's SIMD level: run asv "
                                 "from the project environment (.venv/bin/asv)") from None
    found = [t for t in umath.__cpu_dispatch__ if umath.__cpu_features__.get(t)]
    return (found or list(umath.__cpu_baseline__) or ["none"])[-1]


def cpu_identity():
    """'<model name> (<vendor> family F model M stepping S, NumPy SIMD <target>)'."""
    info = _cpuinfo()
    name = info.get("model name") or util.get_cpu_info() or platform.processor() or "CPU"
    if "cpu family" in info:  # x86
        part = (f"{info.get('vendor_id', '?')} family {info['cpu family']} model "
                f"{info.get('model', '?')} stepping {info.get('stepping', '?')}")
    elif "CPU implementer" in info:  # ARM
        part = (f"implementer {info['CPU implementer']} part {info.get('CPU part', '?')} "
                f"variant {info.get('CPU variant', '?')} revision "
                f"{info.get('CPU revision', '?')}")
    else:
        part = platform.processor() or platform.machine()
    return f"{name} ({part}, NumPy SIMD {numpy_simd_level()})"


def recorded_cpu(results_dir, machine):
    """The cpu that results_dir/machine/machine.json records, or None."""
    try:
        with open(os.path.join(results_dir, machine, "machine.json")) as f:
            return json.load(f).get("cpu")
    except (OSError, ValueError):
        return None


RECORD_ELSEWHERE = ("a machine name holds one CPU's results, so choose another name "
                    "(make bench MACHINE=<name>, or asv run --machine <name>)")
# confirm and crosscheck re-measure recorded results: their figures must come from the
# CPU that recorded them, or a release change would be one CPU's figure over another's.
REMEASURE_THERE = "its results can only be re-measured on that CPU"


def machine_conflict(results_dir, machine, cpu, remedy=RECORD_ELSEWHERE):
    """None if results of this cpu may go under `machine`, else the one-line reason."""
    recorded = recorded_cpu(results_dir, machine)
    if recorded is None or recorded == cpu:
        return None
    where = os.path.relpath(os.path.join(results_dir, machine, "machine.json"))
    return (f"machine '{machine}' was measured on \"{recorded}\" ({where}), this CPU is "
            f"\"{cpu}\": {remedy}")


def remeasure_conflict(results_dir, machine):
    """machine_conflict for tools that re-measure `machine`'s recorded results on this
    hardware (compare.py confirm, crosscheck.py): None, or the one-line reason."""
    return machine_conflict(results_dir, machine, cpu_identity(), REMEASURE_THERE)


def save_machine(self, results_dir):
    # asv run's first step: record the machine facts in results_dir. The cpu is always
    # this hardware's identity, whatever ~/.asv-machine.json says.
    self.cpu = cpu_identity()
    conflict = machine_conflict(results_dir, self.machine, self.cpu)
    if conflict:
        raise util.UserError(conflict)
    _machine_save(self, results_dir)


# --- the reference environment -----------------------------------------------------------

def reference_pins(matrix):
    """{library: version} of the matrix's reference entry: the last value of each list."""
    return {name: values[-1] for name, values in matrix["req"].items()}


# The libraries whose releases the matrix varies, one at a time.
AXES = ("numpy", "pyspark", "pandas")


def axis_of(requirements, reference):
    """"reference", the axis library in which an environment differs from the reference
    pins, or None when it differs in several libraries or in another one."""
    differs = [lib for lib, pin in reference.items() if requirements.get(lib) != pin]
    if not differs:
        return "reference"
    return differs[0] if len(differs) == 1 and differs[0] in AXES else None


_INSTALLED = """\
import importlib.metadata as m, json, sys
def version(name):
    try:
        return m.version(name)
    except m.PackageNotFoundError:
        return None
print(json.dumps({"python": "%d.%d" % sys.version_info[:2],
                  "versions": {n: version(n) for n in json.loads(sys.argv[1])}}))
"""


def installed(executable, names):
    """{"python": "3.11", "versions": {name: version or None}} of an interpreter."""
    return json.loads(util.check_output([executable, "-c", _INSTALLED, json.dumps(sorted(names))]))


def differences(found, pins):
    """["numpy 2.4.6 (pinned 1.26.4)", ...]: where installed versions differ from pins."""
    return [f"{name} {found[name] or 'not installed'} (pinned {pin})"
            for name, pin in sorted(pins.items()) if found[name] is None or pin and found[name] != pin]


def reference_entry(conf, python):
    """(requirements, tagged env vars) of the matrix's reference entry for `python`."""
    pins = reference_pins(conf.matrix)
    pythons = []
    for entries in environment.iter_matrix(conf.environment_type, conf.pythons, conf):
        entry_python, requirements, tagged = environment._parse_matrix_entries(entries)
        if requirements == pins:
            if entry_python == python:
                return requirements, tagged
            pythons.append(entry_python)
    raise util.UserError(
        f"the reference entry of asv.conf.json's matrix (the last value of every "
        f"requirement) is for Python {', '.join(pythons) or 'none (excluded)'}, "
        f"the project environment has Python {python}")


def existing_init(self, conf, executable, requirements, tagged_env_vars):
    _existing_init(self, conf, executable, requirements, tagged_env_vars)
    if os.environ.get(AS_REFERENCE, "") in ("", "0"):
        return
    pins = reference_pins(conf.matrix)
    found = installed(self._executable, pins)
    requirements, tagged = reference_entry(conf, found["python"])
    differ = differences(found["versions"], pins)
    if differ:
        raise util.UserError(
            f"{self._executable} is not asv.conf.json's reference environment: "
            f"{', '.join(differ)}; install the pinned versions (requirements.txt pins "
            f"the last value of every matrix list)")
    self._python = found["python"]
    self._requirements = dict(requirements)
    self._tagged_env_vars = dict(tagged)
    self._reference_name = environment.get_env_name(conf.environment_type, self._python,
                                                    self._requirements, self._tagged_env_vars)
    self._global_env_vars["ASV_ENV_NAME"] = self._reference_name


def existing_name(self):
    return getattr(self, "_reference_name", None) or _existing_name.fget(self)


PATCHES = [
    (Machine, "save", save_machine),
    (environment.ExistingEnvironment, "__init__", existing_init),
    (environment.ExistingEnvironment, "name", property(existing_name)),
]


def setup():
    """Called by asv's plugin manager once, when it loads the plugin."""
    for owner, attribute, value in PATCHES:
        setattr(owner, attribute, value)
