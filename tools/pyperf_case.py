"""One benchmark case timed by pyperf: the independent side of `make agreement`.

pyperf runs this script again in fresh worker processes (--processes); each makes
--warmups untimed values, then --values timed ones, with pyperf's own calibration of
loops per value (>= 0.1 s). One loop is what asv records per sample: NUMBER calls of the
benchmark method, each after the benchmark's setup (asv_runner re-runs setup before
every call and times only the call), timed by `time.perf_counter`; pyperf divides by
loops x NUMBER. Fresh processes matter: a long-lived process measures a different state
for allocation-heavy calls (see README, "Agreement").

Usage (tools/agreement.py runs it): python tools/pyperf_case.py NAME PARAMS NUMBER [pyperf options]
  NAME is bench_module.Class.method, PARAMS a Python literal tuple, NUMBER calls per value.
"""

import ast
import importlib
import os
import sys
import time

import pyperf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def worker_args(command, args):
    """pyperf's hook: the positional arguments its worker processes need as well."""
    command.extend((args.name, args.params, str(args.number)))


def main():
    runner = pyperf.Runner(add_cmdline_args=worker_args)
    runner.argparser.add_argument("name")
    runner.argparser.add_argument("params")
    runner.argparser.add_argument("number", type=int)
    args = runner.parse_args()

    sys.path.insert(0, ROOT)
    module_name, class_name, method_name = args.name.split(".")
    bench = getattr(importlib.import_module(f"benchmarks.{module_name}"), class_name)()
    params = ast.literal_eval(args.params)
    method = getattr(bench, method_name)

    def time_calls(loops):
        total = 0.0
        for _ in range(loops * args.number):
            bench.setup(*params)
            start = time.perf_counter()
            method(*params)
            total += time.perf_counter() - start
        return total

    runner.bench_time_func(args.name, time_calls, inner_loops=args.number)


if __name__ == "__main__":
    main()
