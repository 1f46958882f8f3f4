"""One draw of `compare.py confirm`: time benchmark cases in this fresh process, as
asv_runner's own `run` does (get_benchmark_from_name, do_setup, do_run, do_teardown),
and write {"values": {case id: value}, "errors": {case id: reason}} as JSON.

Runs in an asv environment's own python, which has asv_runner but not asv nor the
project's tools, so it imports nothing else. A case id is asv's "<benchmark>-<param
index>". The value is what asv records: the median of a time_ benchmark's samples, the
number a peakmem_ or track_ benchmark returns. The cases share the process: compare.py
gives it a draw's NumPy time_ cases together, any other case alone
(compare.worker_batches).

Usage: python confirm_worker.py BENCHMARK_DIR OUTPUT_JSON CASE_ID...
"""

import json
import statistics
import sys
import traceback

from asv_runner.benchmarks.mark import SkipNotImplemented
from asv_runner.discovery import get_benchmark_from_name


def measure(benchmark_dir, case_id):
    benchmark = get_benchmark_from_name(benchmark_dir, case_id)
    if benchmark.setup_cache_key is not None:
        raise RuntimeError("setup_cache is not supported by compare.py confirm")
    benchmark.set_cache(None)
    if benchmark.do_setup():
        raise SkipNotImplemented("setup raised NotImplementedError (a declared skip)")
    try:
        result = benchmark.do_run()
    finally:
        benchmark.do_teardown()
    if isinstance(result, dict) and "samples" in result:
        return statistics.median(result["samples"])
    return float(result)


def main(benchmark_dir, output, *case_ids):
    values, errors = {}, {}
    for case_id in case_ids:
        try:
            values[case_id] = measure(benchmark_dir, case_id)
        except SkipNotImplemented as skip:
            errors[case_id] = f"skipped: {skip}"
        except Exception:
            errors[case_id] = "failed: " + traceback.format_exc().strip().splitlines()[-1]
    with open(output, "w") as f:
        json.dump({"values": values, "errors": errors}, f)


if __name__ == "__main__":
    main(*sys.argv[1:])
