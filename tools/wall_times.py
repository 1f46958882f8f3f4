"""What a sweep cost: the wall time of each of its asv runs (tools/sweep.py) and of each
confirmation (tools/compare.py confirm), kept beside the results they made, in
results/timings/MACHINE.json, so the figure outlives the session and the log that
watched it. report.py prints the steps of its commit and their sum.

One entry per step, appended and written atomically: {"commit", "step" ("sweep" or
"confirm"), "what" (the run's label, or the axes confirmed), "started" (UTC),
"minutes", and the step's own facts (environments, candidates, status)}.
"""

import json
import os
from datetime import datetime, timezone

from asv_checkpoint import replace_file


def path(results_dir, machine):
    return os.path.join(results_dir, "timings", f"{machine}.json")


def load(results_dir, machine):
    """The machine's entries, oldest first ([] when none were recorded)."""
    try:
        with open(path(results_dir, machine)) as f:
            return json.load(f)["steps"]
    except FileNotFoundError:
        return []


def record(results_dir, machine, commit, step, what, started, **facts):
    """Append one step that began at `started` (time.time()) and ends now."""
    now = datetime.now(timezone.utc)
    begun = datetime.fromtimestamp(started, timezone.utc)
    entry = {"commit": commit, "step": step, "what": what,
             "started": begun.strftime("%Y-%m-%dT%H:%M:%SZ"),
             "minutes": round((now - begun).total_seconds() / 60, 2), **facts}
    steps = load(results_dir, machine) + [entry]
    replace_file(path(results_dir, machine),
                 json.dumps({"version": 1, "machine": machine, "steps": steps}, indent=1) + "\n")
    return entry


def of_commit(results_dir, machine, commit):
    return [s for s in load(results_dir, machine) if s["commit"] == commit]


def standing(steps):
    """The steps whose results stand: a sweep run recorded again, or a confirmation of
    every candidate of the same axes made again (--again), replaces what the earlier
    steps of that run made, so those no longer count; a resumed run's pieces all do."""
    last_again = {(s["step"], s["what"]): i for i, s in enumerate(steps) if s.get("again")}
    return [s for i, s in enumerate(steps) if i >= last_again.get((s["step"], s["what"]), 0)]
