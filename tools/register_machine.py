"""Register this machine with asv non-interactively, with its real facts.

`asv machine --yes --machine NAME` stores only the values that differ from asv's
detected defaults (so the results' machine.json would lack cpu, os, ...). This stores
all of them under NAME through asv's own machine-file API; RAM comes from psutil, and
the cpu is the identity that tools/asv_identity.py defines (model, family/model/stepping,
NumPy's SIMD level), the one `asv run` records and checks results folders against.

Registering accepts any CPU: it only describes this machine. Adding results under a
name whose results folder records another CPU is what `asv run` and tools/sweep.py
refuse (see tools/asv_identity.py)."""

import sys

import psutil
from asv.machine import Machine, MachineCollection

from asv_identity import cpu_identity


def main(name, machine_file=None):
    facts = Machine.get_defaults()
    facts.update(machine=name, cpu=cpu_identity(),
                 ram=f"{round(psutil.virtual_memory().total / 2**30)}GB")
    MachineCollection.save(name, facts, _path=machine_file)
    return facts


if __name__ == "__main__":
    if len(sys.argv) != 2 or not sys.argv[1].strip():
        sys.exit("MACHINE must be a non-empty name, e.g. make bench MACHINE=mylaptop")
    main(sys.argv[1])
