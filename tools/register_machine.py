"""Register this machine with asv non-interactively, with its real facts.

`asv machine --yes --machine NAME` stores only the values that differ from asv's
detected defaults (so the results' machine.json would lack cpu, os, ...). This stores
all of them under NAME through asv's own machine-file API; RAM comes from psutil."""

import sys

import psutil
from asv.machine import Machine, MachineCollection


def main(name):
    facts = Machine.get_defaults()
    facts.update(machine=name, ram=f"{round(psutil.virtual_memory().total / 2**30)}GB")
    MachineCollection.save(name, facts)


if __name__ == "__main__":
    if len(sys.argv) != 2 or not sys.argv[1].strip():
        sys.exit("MACHINE must be a non-empty name, e.g. make bench MACHINE=mylaptop")
    main(sys.argv[1])
