"""tools/compare.py: every case compared between releases as asv compare decides,
candidates confirmed by the stated rule, the confirmations file merged safely, the CLI's
one-line errors, and one real confirmation between two built asv environments."""

import json
import math
import os
import statistics
from types import SimpleNamespace

import pytest
from asv import util
from asv.config import Config
from asv.results import Results
from asv.runner import BenchmarkResult

import compare
import scratch_asv
import wall_times

MACHINE = "fake-machine"
OLD_COMMIT, NEW_COMMIT = "1" * 40, "2" * 40
MATRIX = {"numpy": ["1.0.0", "2.0.0", "3.0.0"], "pyspark": ["9.0.0"],
          "pandas": ["8.0.0", "9.0.0"]}
PINS = {lib: versions[-1] for lib, versions in MATRIX.items()}
TOLIST = "bench_c_to_python.TimeToList.time_tolist"
PICKLE = "bench_c_to_python.TimePickle.time_dumps"
VIEW = "bench_no_crossing.TimeViews.time_view"
TAX = "bench_loops.TrackBoundaryTax.track_loop_over_vectorized_sum"
VERSIONS = "bench_versions.TrackInstalledVersion.track_installed_version"
TO_PANDAS = "bench_spark_conversion.TimeSparkToPandas.time_to_pandas"


def samples(median, width):
    """Ten samples spread evenly over median * (1 +- width/2)."""
    return [median * (1 + width * (i / 9 - 0.5)) for i in range(10)]


# {numpy release: {benchmark: (params, [(value, sample width) or None (failed) or nan
# (skipped) per combination])}}. time_tolist(1000) doubles from 1.0.0 to 2.0.0 with tight
# samples; time_tolist(100000) grows 1.85x but its samples overlap (asv: not different);
# the track ratio grows 1.1x then 1.45x (no samples: the ratio alone decides); time_dumps
# fails in 2.0.0 and is skipped in 3.0.0; time_view is not run in 1.0.0.
NUMPY_RUNS = {
    "1.0.0": {TOLIST: ([["1000", "100000"]], [(1e-5, 0.05), (1e-3, 1.5)]),
              PICKLE: ([["1000"]], [(5e-6, 0.05)]),
              TAX: ([], [(50.0, None)]),
              VERSIONS: ([["'numpy'"]], [(1.0, None)])},
    "2.0.0": {TOLIST: ([["1000", "100000"]], [(2e-5, 0.05), (1.85e-3, 1.5)]),
              PICKLE: ([["1000"]], [None]),
              VIEW: ([["1000"]], [(1e-6, 0.05)]),
              TAX: ([], [(55.0, None)]),
              VERSIONS: ([["'numpy'"]], [(2.0, None)])},
    "3.0.0": {TOLIST: ([["1000", "100000"]], [(2.01e-5, 0.05), (1.85e-3, 1.5)]),
              PICKLE: ([["1000"]], [math.nan]),
              VIEW: ([["1000"]], [(1.01e-6, 0.05)]),
              TAX: ([], [(80.0, None)]),
              VERSIONS: ([["'numpy'"]], [(3.0, None)]),
              TO_PANDAS: ([["1000"]], [(1e-3, 0.05)])},
}


def write_run(results_dir, commit_hash, date, requirements, runs):
    """One environment's results file, written through asv's Results API with its samples
    kept, as `asv run --record-samples` writes it."""
    result = Results({"machine": MACHINE, **requirements}, requirements, commit_hash, date,
                     "3.11", "env-" + "-".join(f"{k}{v}" for k, v in sorted(requirements.items())),
                     {})
    for name, (params, combos) in runs.items():
        # Timed cases have samples and a number; track_ values, failures and skips none.
        measured = [isinstance(combo, tuple) and combo[1] is not None for combo in combos]
        result.add_result(
            {"name": name, "version": "1", "params": params},
            BenchmarkResult(
                result=[combo[0] if isinstance(combo, tuple) else combo for combo in combos],
                samples=[samples(*combo) if ok else None for combo, ok in zip(combos, measured)],
                number=[1 if ok else None for ok in measured],
                errcode=0, stderr="", profile=None),
            record_samples=True)
    result.save(str(results_dir))


@pytest.fixture
def results_dir(tmp_path, monkeypatch):
    """Results of MACHINE, recorded on "Fake CPU", which this machine is for the test."""
    monkeypatch.setattr(compare.asv_identity, "cpu_identity", lambda: "Fake CPU")
    results = tmp_path / "results"
    util.write_json(str(results / MACHINE / "machine.json"),
                    {"machine": MACHINE, "cpu": "Fake CPU"}, 1)
    for release, runs in NUMPY_RUNS.items():
        write_run(results, NEW_COMMIT, 2, {**PINS, "numpy": release}, runs)
    # An older commit where time_tolist(1000) got faster: not the newest, so not compared.
    write_run(results, OLD_COMMIT, 1, {**PINS, "numpy": "2.0.0"},
              {TOLIST: ([["1000", "100000"]], [(0.2e-5, 0.05), (1e-3, 0.05)])})
    return results


@pytest.fixture
def compared(results_dir):
    return compare.compare_all(str(results_dir), MACHINE, matrix=MATRIX)


def by_case(compared):
    return {(c.axis, c.a, c.b, compare.case_name(c.benchmark, c.params)): c
            for c in compared.cases}


def test_compare_all_flags_exactly_the_changed_cases_in_their_release_steps(compared):
    assert compared.commit == NEW_COMMIT
    flagged = {key: c.status for key, c in by_case(compared).items()
               if c.status in ("faster", "slower")}
    assert flagged == {
        ("numpy", "1.0.0", "2.0.0", f"{TOLIST}(1000)"): "slower",
        ("numpy", "1.0.0", "3.0.0", f"{TOLIST}(1000)"): "slower",
        ("numpy", "2.0.0", "3.0.0", TAX): "slower",
        ("numpy", "1.0.0", "3.0.0", TAX): "slower",
    }
    cases = by_case(compared)
    assert cases[("numpy", "1.0.0", "2.0.0", f"{TOLIST}(1000)")].ratio == pytest.approx(2.0)
    # 1.85x, but the samples overlap: asv compare's statistics say "not different".
    assert cases[("numpy", "1.0.0", "2.0.0", f"{TOLIST}(100000)")].status == "unchanged"
    assert cases[("numpy", "1.0.0", "2.0.0", TAX)].status == "unchanged"  # 1.1x < MIN_EFFECT
    assert cases[("numpy", "2.0.0", "3.0.0", f"{TOLIST}(1000)")].status == "unchanged"


def test_compare_all_steps_are_consecutive_releases_and_oldest_to_newest(compared):
    steps = {(c.axis, c.a, c.b) for c in compared.cases}
    assert steps == {("numpy", "1.0.0", "2.0.0"), ("numpy", "2.0.0", "3.0.0"),
                     ("numpy", "1.0.0", "3.0.0"), ("pandas", "8.0.0", "9.0.0")}
    assert compare.release_steps(["2.10.0", "2.9.1", "2.1.0"]) == [
        ("2.1.0", "2.9.1"), ("2.9.1", "2.10.0"), ("2.1.0", "2.10.0")]


def test_compare_all_says_why_a_case_is_missing(compared):
    cases = by_case(compared)
    reasons = {key: c.reason for key, c in cases.items() if c.status == "missing"}
    assert reasons[("numpy", "1.0.0", "2.0.0", f"{PICKLE}(1000)")] == "failed in numpy 2.0.0"
    assert reasons[("numpy", "2.0.0", "3.0.0", f"{PICKLE}(1000)")] == (
        "failed in numpy 2.0.0; skipped in numpy 3.0.0")
    assert reasons[("numpy", "1.0.0", "3.0.0", f"{VIEW}(1000)")] == "not run in numpy 1.0.0"
    assert reasons[("pandas", "8.0.0", "9.0.0", f"{TO_PANDAS}(1000)")] == (
        "no results file for pandas 8.0.0")
    assert all(c.ratio is None for c in cases.values() if c.status == "missing")
    # Only the axis's part of the suite; the installed-versions track is never compared.
    assert not any(c.benchmark == TO_PANDAS for c in compared.cases if c.axis == "numpy")
    assert not any(c.benchmark == VERSIONS for c in compared.cases)


def test_compare_all_takes_the_commit_it_is_given(results_dir):
    old = compare.compare_all(str(results_dir), MACHINE, commit=OLD_COMMIT[:8], matrix=MATRIX)
    assert old.commit == OLD_COMMIT
    # Only numpy 2.0.0 has results at that commit: nothing to compare it with.
    assert {c.status for c in old.cases} == {"missing"}
    assert by_case(old)[("numpy", "1.0.0", "2.0.0", f"{TOLIST}(1000)")].reason == (
        "no results file for numpy 1.0.0")
    with pytest.raises(util.UserError, match="--machine nobody: no results"):
        compare.compare_all(str(results_dir), "nobody", matrix=MATRIX)


@pytest.mark.parametrize("ratios, direction, expected", [
    ([1.5, 1.4, 1.6, 1.3, 1.5], "slower", True),
    ([1.5, 1.4, 1.6, 0.98, 1.5], "slower", False),   # one pair disagrees
    ([1.15, 1.1, 1.3, 1.12, 1.18], "slower", False),  # median within MIN_EFFECT
    ([0.5, 0.6, 0.55, 0.7, 0.5], "faster", True),
    ([0.5, 0.6, 0.55, 1.01, 0.5], "faster", False),
    ([0.9, 0.85, 0.88, 0.86, 0.9], "faster", False),  # 1/0.88 < 1.2
    ([1.5, 1.4, 1.6, 1.3, 1.5], "faster", False),     # the other direction
    ([], "slower", False),
])
def test_confirmation_rule(ratios, direction, expected):
    assert compare.is_confirmed(ratios, direction, 1.2) is expected


@pytest.mark.parametrize("ratios, direction, stopped", [
    ([1.5, 1.4], "slower", False),
    ([1.5, 0.99], "slower", True),           # a pair on the other side of 1
    ([1.1, 1.5, 1.15], "slower", False),      # 2 of 5 within 1.2x: the median can pass
    ([1.1, 1.5, 1.15, 1.19], "slower", True),  # 3 of 5 within: the median can't pass
    ([0.7, 1.0], "faster", True),
    ([0.7, 0.9, 0.5], "faster", False),
])
def test_a_candidate_stops_once_it_cannot_be_confirmed(ratios, direction, stopped):
    assert compare.cannot_confirm(ratios, direction, 5, 1.2) is stopped
    if stopped:  # whatever the remaining pairs give, the rule says "not confirmed"
        best = 10.0 if direction == "slower" else 0.1
        assert not compare.is_confirmed(ratios + [best] * (5 - len(ratios)), direction, 1.2)


def entry(a, b, benchmark, ratio=2.0):
    return {"axis": "numpy", "a": a, "b": b, "benchmark": benchmark, "params": ["1000"],
            "sweep_ratio": ratio, "pair_ratios": [ratio] * 5, "ratio": ratio, "low": ratio,
            "high": ratio, "confirmed": True, "direction": "slower", "commit": NEW_COMMIT}


HEADER = {"machine": MACHINE, "cpu": "Fake CPU", "commit": NEW_COMMIT, "min_effect": 1.2,
          "pairs": 5}


def test_merge_keeps_other_entries_and_replaces_the_same_case(tmp_path):
    path = tmp_path / "confirmations" / f"{MACHINE}.json"
    compare.merge_confirmations(path, HEADER, [entry("1.0.0", "2.0.0", TOLIST),
                                               entry("2.0.0", "3.0.0", TOLIST)])
    document = compare.merge_confirmations(path, HEADER, [entry("1.0.0", "2.0.0", TOLIST, 3.0)])
    assert document == compare.load_confirmations(path)
    assert document["version"] == 1 and document["machine"] == MACHINE
    assert sorted((c["a"], c["ratio"]) for c in document["changes"]) == [
        ("1.0.0", 3.0), ("2.0.0", 2.0)]


def test_a_failure_mid_write_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / f"{MACHINE}.json"
    compare.merge_confirmations(path, HEADER, [entry("1.0.0", "2.0.0", TOLIST)])
    before = path.read_text()

    def disk_full(fd):  # after the temporary file is written, before it is renamed
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="disk full"):
        compare.merge_confirmations(path, HEADER, [entry("2.0.0", "3.0.0", TOLIST)])
    assert path.read_text() == before
    assert os.listdir(tmp_path) == [path.name]  # no temporary file left behind


def fake_conf(results_dir):
    return SimpleNamespace(matrix={"req": MATRIX}, results_dir=str(results_dir),
                           benchmark_dir="benchmarks")


def test_confirm_draws_every_release_once_a_round_forward_then_back(compared, results_dir):
    """A round is one draw per release with all of that release's candidates, in
    release order, then backwards; the slowdown of time_tolist(1000) reproduces in
    every pair, the track's does not, and it stops being drawn once it can't confirm."""
    calls = []

    def measure(conf, requirements, case_ids):
        calls.append((requirements["numpy"], tuple(case_ids)))
        numpy = requirements["numpy"]
        values = {f"{TOLIST}-0": {"1.0.0": 1.0, "2.0.0": 2.0, "3.0.0": 2.0}[numpy],
                  TAX: {"1.0.0": 50.0, "2.0.0": 55.0, "3.0.0": 50.0 + len(calls) % 4 * 10}[numpy]}
        return {i: values[i] for i in case_ids}, {}

    candidates = [c for c in compared.cases if c.status in ("faster", "slower")]
    steps = {(c.a, c.b, c.benchmark) for c in candidates}
    assert steps == {("1.0.0", "2.0.0", TOLIST), ("1.0.0", "3.0.0", TOLIST),
                     ("1.0.0", "3.0.0", TAX), ("2.0.0", "3.0.0", TAX)}
    path = results_dir / "confirmations" / f"{MACHINE}.json"
    written, left = compare.confirm(candidates, fake_conf(results_dir), MACHINE,
                                    compared.commit, path, pairs=5, measure=measure)
    assert left == []
    releases = [numpy for numpy, _ in calls]
    assert releases == ["1.0.0", "2.0.0", "3.0.0", "3.0.0", "2.0.0", "1.0.0"] * 2 + \
        ["1.0.0", "2.0.0", "3.0.0"]
    # Round 1: each release once for every step it is in (2.0.0: tolist's B, the track's A).
    assert [set(ids) for _, ids in calls[:3]] == [{f"{TOLIST}-0", TAX}] * 3
    assert all(ids == (f"{TOLIST}-0",) for _, ids in calls[6:])  # the track has stopped
    document = compare.load_confirmations(path)
    assert document["cpu"] == "Fake CPU" and document["commit"] == NEW_COMMIT
    assert document["pairs"] == 5 and document["min_effect"] == compare.MIN_EFFECT
    found = {(c["a"], c["b"], c["benchmark"]): c for c in document["changes"]}
    assert set(found) == steps and len(written) == 4
    tolist = found[("1.0.0", "2.0.0", TOLIST)]
    assert tolist["pair_ratios"] == [2.0] * 5 and tolist["confirmed"]
    assert tolist["params"] == ["1000"] and tolist["sweep_ratio"] == pytest.approx(2.0)
    for a in ("1.0.0", "2.0.0"):
        tax = found[(a, "3.0.0", TAX)]
        assert tax["ratio"] == statistics.median(tax["pair_ratios"]) and not tax["confirmed"]
        assert len(tax["pair_ratios"]) < 5
        assert compare.cannot_confirm(tax["pair_ratios"], "slower", 5)
        assert tax["low"] == min(tax["pair_ratios"]) and tax["high"] == max(tax["pair_ratios"])


def test_an_interrupted_confirm_keeps_the_decided_candidates_and_a_budget_confirms_nothing(
        compared, results_dir):
    candidates = [c for c in compared.cases if c.status in ("faster", "slower")]
    path = results_dir / "confirmations" / f"{MACHINE}.json"
    draws = []

    def measure(conf, requirements, case_ids):
        draws.append(1)
        if len(draws) > 10:  # rounds 1-3 are done, round 4 is interrupted
            raise KeyboardInterrupt
        return {i: 2.0 if requirements["numpy"] != "1.0.0" else 1.0 for i in case_ids}, {}

    with pytest.raises(KeyboardInterrupt):
        compare.confirm(candidates, fake_conf(results_dir), MACHINE, NEW_COMMIT, path,
                        measure=measure)
    # 2.0.0 -> 3.0.0 is 1.0 in every pair: decided (not confirmed) in round 1 and kept;
    # the 1.0.0 steps (2.0 every pair) needed all 5 rounds: not decided, their 3 pairs
    # are kept as open entries, never as a verdict.
    document = compare.load_confirmations(path)
    (kept,) = document["changes"]
    assert (kept["a"], kept["b"], kept["confirmed"], kept["pair_ratios"]) == (
        "2.0.0", "3.0.0", False, [1.0])
    opened = document["open"]
    assert {(e["a"], e["b"]) for e in opened} == {("1.0.0", "2.0.0"), ("1.0.0", "3.0.0")}
    assert all(e["pair_ratios"] == [2.0] * 3 and "confirmed" not in e for e in opened)

    written, left = compare.confirm(candidates, fake_conf(results_dir), MACHINE, NEW_COMMIT,
                                    path, max_minutes=-1, measure=measure)
    assert written == [] and len(left) == len(candidates)
    assert {why for _, why in left} == {"not re-measured (budget; 0 pairs kept)"}
    assert compare.load_confirmations(path)["changes"] == [kept]
    assert compare.load_confirmations(path)["open"] == opened


def test_a_resumed_confirm_goes_on_from_the_pairs_an_interrupted_one_drew(
        compared, results_dir, monkeypatch):
    """Interrupted in round 4, run again: the open candidates get their last 2 pairs,
    not 5 more, and their verdict counts all 5; --again starts them afresh."""
    conf = fake_conf(results_dir)
    path = results_dir / "confirmations" / f"{MACHINE}.json"
    monkeypatch.setattr(compare, "print_outcome", lambda *a: None)
    draws = []

    def measure(conf, requirements, case_ids):
        draws.append(tuple(case_ids))
        if len(draws) == 11:  # rounds 1-3 are done, round 4 is interrupted
            raise KeyboardInterrupt
        return {i: 2.0 if requirements["numpy"] != "1.0.0" else 1.0 for i in case_ids}, {}

    monkeypatch.setattr(compare, "draw", measure)
    real_confirm = compare.confirm
    monkeypatch.setattr(compare, "confirm",
                        lambda *a, **k: real_confirm(*a, **{**k, "measure": measure}))
    with pytest.raises(KeyboardInterrupt):
        compare.compare_and_confirm(conf, MACHINE, None, path, 5, None, matrix=MATRIX)
    draws.clear()
    compare.compare_and_confirm(conf, MACHINE, None, path, 5, None, matrix=MATRIX)
    assert len(draws) == 2 * 3  # two rounds of the 3 releases
    document = compare.load_confirmations(path)
    assert document["open"] == []
    resumed = [e for e in document["changes"] if e["a"] == "1.0.0"]
    assert len(resumed) == 3  # tolist's two steps and the track's 1.0.0 -> 3.0.0
    assert all(e["pair_ratios"] == [2.0] * 5 and e["confirmed"] for e in resumed)

    # An interrupted --again run leaves open pairs; the next plain run goes on from them.
    draws.clear()
    with pytest.raises(KeyboardInterrupt):
        compare.compare_and_confirm(conf, MACHINE, None, path, 5, None, matrix=MATRIX,
                                    again=True)
    assert len(compare.load_confirmations(path)["open"]) == 3
    # --again ignores them: all 5 rounds are drawn again for the 1.0.0 steps.
    draws[:] = [()] * 11  # measure raises no more
    compare.compare_and_confirm(conf, MACHINE, None, path, 5, None, matrix=MATRIX,
                                again=True)
    assert len(draws) - 11 == 3 + 3 * 4
    assert compare.load_confirmations(path)["open"] == []


def test_pairs_already_enough_decide_a_candidate_without_a_draw(compared, results_dir):
    candidates = [c for c in compared.cases if c.status == "slower"][:1]
    path = results_dir / "confirmations" / f"{MACHINE}.json"
    written, left = compare.confirm(
        candidates, fake_conf(results_dir), MACHINE, NEW_COMMIT, path,
        measure=lambda *a: pytest.fail("drew"), drawn_before={candidates[0]: [3.0] * 6})
    assert left == [] and [e["pair_ratios"] for e in written] == [[3.0] * 5]
    assert compare.load_confirmations(path)["changes"] == written


def test_open_pairs_stand_only_for_the_results_they_re_measured(tmp_path):
    """An open entry of another commit is dropped at the next write; one for another
    recorded ratio (results recorded again) is not resumed; a decided entry ends it."""
    path = tmp_path / f"{MACHINE}.json"
    case = compare.Comparison("numpy", "1.0.0", "2.0.0", TOLIST, ("1000",), 0, "slower", 2.0)
    other = case._replace(b="3.0.0")
    compare.merge_confirmations(path, {**HEADER, "commit": "0" * 40}, [],
                                [compare.open_entry(case, [2.0], "0" * 40),
                                 compare.open_entry(other, [2.0], "0" * 40)])
    assert compare.open_pairs(compare.load_confirmations(path), "0" * 40, [case]) == {
        case: [2.0]}
    assert compare.open_pairs(compare.load_confirmations(path), "0" * 40,
                              [case._replace(ratio=2.5)]) == {}
    header = {**HEADER, "commit": NEW_COMMIT}
    document = compare.merge_confirmations(path, header, [],
                                           [compare.open_entry(case, [2.0], NEW_COMMIT)])
    assert [e["commit"] for e in document["open"]] == [NEW_COMMIT]
    document = compare.merge_confirmations(
        path, header, [compare.entry_of(case, [2.0] * 5, NEW_COMMIT, 1.2)])
    assert document["open"] == [] and len(document["changes"]) == 1


def test_a_round_draws_the_reference_once_per_axis_and_aa_twice():
    """Two axes share the reference environment; each axis's pairs are drawn next to
    each other (the second axis backwards), and A/A draws the reference as A and B."""
    pins = {"numpy": "3", "pyspark": "9", "pandas": "5"}

    def case(axis, a, b):
        return compare.Comparison(axis, a, b, TOLIST, (), 0, "slower", 2.0)

    cases = [case("pandas", "4", "5"), case("pyspark", "7", "8"), case("pyspark", "8", "9")]
    order = compare.round_order(cases, pins)
    assert [(axis, dict(req)[axis]) for req, axis, _ in order] == [
        ("pyspark", "7"), ("pyspark", "8"), ("pyspark", "9"), ("pandas", "5"), ("pandas", "4")]
    assert all(set(compare.sides_of(c, pins)) <= set(order) for c in cases)
    same = [case("numpy", "3", "3")]
    assert [side for _, _, side in compare.round_order(same, pins)] == ["", "B"]


def test_ranked_table_ranks_by_effect_either_way():
    changes = [entry("1.0.0", "2.0.0", TOLIST, 1.5), entry("2.0.0", "3.0.0", TOLIST, 0.25),
               dict(entry("1.0.0", "3.0.0", TOLIST, 9.0), confirmed=False)]
    lines = compare.ranked_table(changes)
    assert len(lines) == 4 and "0.25" in lines[2] and "1.50" in lines[3]
    assert "numpy 2.0.0 -> 3.0.0" in lines[2] and f"`{TOLIST}(1000)`" in lines[2]
    unconfirmed = compare.ranked_table(changes, confirmed=False)
    assert len(unconfirmed) == 3 and "9.00" in unconfirmed[2]


@pytest.mark.parametrize("argv, message", [
    (["upgrade", "numpy==2.0.2", "pandas==3.0.6"], "both must be releases of the same library"),
    (["upgrade", "numpy=2.0.2", "numpy==2.4.6"], "A=numpy=2.0.2: expected LIB==VERSION"),
    (["upgrade", "numpy==2.0.2", "scipy==1.0"], "B=scipy==1.0: expected LIB==VERSION with LIB "
                                                "one of numpy, pyspark, pandas"),
    (["upgrade", "numpy==2.0.2", "numpy==two"], "'two' is not a version"),
    (["upgrade", "numpy==2.4.6", "numpy==2.4.6"], "the two versions must differ"),
    (["upgrade", "numpy==2.0.2", "numpy==2.4.6", "--python", "3.99"],
     "--python 3.99: asv found no Python 3.99 interpreter"),
])
def test_cli_errors_are_one_line(argv, message, tmp_path, monkeypatch):
    monkeypatch.setattr(compare, "SCRATCH", str(tmp_path))
    with pytest.raises(SystemExit) as stop:
        compare.main(argv + ["--machine", MACHINE])
    assert message in str(stop.value) and "\n" not in str(stop.value)


def test_cli_refuses_fewer_than_five_pairs(capsys):
    with pytest.raises(SystemExit):
        compare.main(["confirm", "--machine", MACHINE, "--pairs", "3"])
    assert "--pairs: must be an integer >= 5, got '3'" in capsys.readouterr().err


def test_upgrade_matrix_holds_both_releases_and_the_other_pins():
    lib, matrix = compare.upgrade_matrix("numpy==2.4.6", "numpy==2.0.2", base=MATRIX)
    assert lib == "numpy"
    assert matrix == {"numpy": ["2.0.2", "2.4.6"], "pyspark": ["9.0.0"], "pandas": ["9.0.0"]}


def test_upgrade_builds_both_environments_at_once_before_its_run(tmp_path, monkeypatch):
    """`make compare` builds its two environments in parallel (as the sweep does), then
    runs the library's part in them, releases interleaved, then compares and confirms."""
    monkeypatch.setattr(compare, "SCRATCH", str(tmp_path))
    commands, confirmed = [], []
    def record(config, *args):
        commands.append((config, args))
        return SimpleNamespace(returncode=0)

    monkeypatch.setattr(compare, "run_asv", record)
    monkeypatch.setattr(scratch_asv, "run_asv", record)  # scratch_asv.build_environments
    monkeypatch.setattr(compare, "compare_and_confirm",
                        lambda conf, *args, **kwargs: confirmed.append(kwargs["matrix"]))
    compare.upgrade("numpy==2.4.6", "numpy==2.0.2", MACHINE, "3.11", compare.PAIRS, None)
    config = str(tmp_path / "asv.conf.json")
    assert [c for c, _ in commands] == [config, config]
    assert commands[0][1] == ("setup", "--parallel")
    assert commands[1][1][0] == "run" and "--interleave-rounds" in commands[1][1]
    assert confirmed[0]["numpy"] == ["2.0.2", "2.4.6"]


def test_confirm_for_real_between_two_built_numpy_environments(tmp_path):
    """Up to PAIRS draws of a cheap case in the asv environments of NumPy 2.3.5 and the
    reference, in their own pythons; the file holds the measured pairs."""
    conf = Config.load(compare.CONFIG)
    releases = conf.matrix["req"]["numpy"][-2:]
    pins = {lib: versions[-1] for lib, versions in conf.matrix["req"].items()}
    for release in releases:
        try:
            compare.environment_of(conf, {**pins, "numpy": release})
        except util.UserError as error:
            pytest.skip(str(error))
    case = compare.Comparison("numpy", *releases, "bench_no_crossing.TimeAggregations.time_sum",
                              ("1000", "'float64'"), 0, "slower", 2.0)
    path = tmp_path / "confirmations.json"
    written, left = compare.confirm([case], conf, MACHINE, NEW_COMMIT, str(path), pairs=5)
    assert left == []
    (change,) = compare.load_confirmations(path)["changes"]
    assert 1 <= len(change["pair_ratios"]) <= 5 and all(r > 0 for r in change["pair_ratios"])
    if len(change["pair_ratios"]) < 5:  # stopped once it could no longer be confirmed
        assert compare.cannot_confirm(change["pair_ratios"], "slower", 5)
    assert change["ratio"] == statistics.median(change["pair_ratios"])
    # Same NumPy kernel, one-line sum: no 1.2x slowdown reproduces in every pair.
    assert change["confirmed"] == compare.is_confirmed(change["pair_ratios"], "slower")


def test_compare_all_narrowed_like_asv_run_b(results_dir):
    narrowed = compare.compare_all(str(results_dir), MACHINE, matrix=MATRIX,
                                   bench=r"TimeToList\.time_tolist\(1000\)")
    assert {(c.benchmark, c.params) for c in narrowed.cases} == {(TOLIST, ("1000",))}


def test_confirm_without_candidates_records_the_commit_compared(tmp_path):
    path = tmp_path / f"{MACHINE}.json"
    assert compare.confirm([], fake_conf(tmp_path), MACHINE, NEW_COMMIT, path) == ([], [])
    document = compare.load_confirmations(path)
    assert document["commit"] == NEW_COMMIT and document["changes"] == []


def test_noise_measures_each_case_once_against_the_reference_itself(compared, results_dir,
                                                                    tmp_path, monkeypatch):
    """A/A: both sides of every pair are the reference environment; a case whose B
    draw is always 1.5x slower is what a false positive looks like (rounds
    alternate direction: B is the 2nd, 3rd, 6th, 7th, 10th draw)."""
    monkeypatch.setattr(compare, "SCRATCH", str(tmp_path))
    calls = []

    def measure(conf, requirements, case_ids):
        calls.append((requirements["numpy"], tuple(case_ids)))
        second = len(calls) % 4 in (2, 3)
        return {i: (1.5 if second and i == TAX else 1.0) for i in case_ids}, {}

    entries = compare.noise(fake_conf(results_dir), MACHINE, bench=".", measure=measure)
    cases = {(c.benchmark, c.params) for c in compared.cases if c.status != "missing"}
    assert sorted((e["benchmark"], tuple(e["params"])) for e in entries) == sorted(cases)
    assert {numpy for numpy, _ in calls} == {MATRIX["numpy"][-1]}
    assert [e["benchmark"] for e in entries if e["confirmed"]] == [TAX]
    assert all(e["ratio"] == 1.0 for e in entries if e["benchmark"] != TAX)


def test_confirm_can_be_narrowed_to_an_axis_and_the_largest_candidates(results_dir, monkeypatch):
    taken = []
    monkeypatch.setattr(compare, "confirm", lambda candidates, *a, **k: (taken.append(candidates), ([], []))[1])
    monkeypatch.setattr(compare, "print_outcome", lambda *a: None)
    conf = fake_conf(results_dir)
    path = results_dir / "confirmations" / f"{MACHINE}.json"
    compare.compare_and_confirm(conf, MACHINE, None, path, 5, None, matrix=MATRIX)
    everything = taken.pop()
    assert {c.axis for c in everything} == {"numpy"} and len(everything) > 1
    compare.compare_and_confirm(conf, MACHINE, None, path, 5, None, matrix=MATRIX, axes=("pandas",))
    assert taken.pop() == []
    compare.compare_and_confirm(conf, MACHINE, None, path, 5, None, matrix=MATRIX, at_least=1.9)
    assert taken.pop() == [c for c in everything if compare.effect(c.ratio) >= 1.9] != everything


def test_confirm_refuses_to_re_measure_another_cpus_results_in_one_line(results_dir, monkeypatch):
    """The confirmation's pairs would be this CPU's figures set against another CPU's
    sweep, written into that CPU's series: refused before anything is measured or written."""
    monkeypatch.setattr(compare.asv_identity, "cpu_identity", lambda: "Other CPU")
    monkeypatch.setattr(compare, "confirm", lambda *a, **k: pytest.fail("confirm measured"))
    path = results_dir / "confirmations" / f"{MACHINE}.json"
    with pytest.raises(util.UserError) as refused:
        compare.compare_and_confirm(fake_conf(results_dir), MACHINE, None, path, 5, None,
                                    matrix=MATRIX)
    message = str(refused.value)
    assert "\n" not in message and '"Fake CPU"' in message and '"Other CPU"' in message
    assert "re-measured on that CPU" in message
    assert not path.exists() and wall_times.load(str(results_dir), MACHINE) == []


def test_each_confirmation_records_its_wall_time_beside_the_results(results_dir, monkeypatch):
    monkeypatch.setattr(compare, "confirm",
                        lambda cases, *a, **k: ([], [(c, "budget") for c in cases[:1]]))
    monkeypatch.setattr(compare, "print_outcome", lambda *a: None)
    conf = fake_conf(results_dir)
    path = results_dir / "confirmations" / f"{MACHINE}.json"
    compare.compare_and_confirm(conf, MACHINE, None, path, 5, None, matrix=MATRIX)
    compare.compare_and_confirm(conf, MACHINE, None, path, 5, None, matrix=MATRIX, axes=("pandas",))
    steps = wall_times.load(str(results_dir), MACHINE)
    commit = compare.compare_all(str(results_dir), MACHINE, matrix=MATRIX).commit
    assert [(s["step"], s["what"], s["commit"]) for s in steps] == [
        ("confirm", "numpy, pyspark, pandas", commit), ("confirm", "pandas", commit)]
    assert steps[0]["candidates"] > 1 and steps[0]["left"] == 1 and steps[0]["minutes"] >= 0
    # Made again for every candidate, it is marked so (the sum then counts it, not the
    # earlier ones); narrowed by --bench, it re-did only part, so it is not.
    assert not any(s["again"] for s in steps)
    compare.compare_and_confirm(conf, MACHINE, None, path, 5, None, matrix=MATRIX, again=True)
    compare.compare_and_confirm(conf, MACHINE, None, path, 5, None, matrix=MATRIX, again=True,
                                bench="tolist")
    assert [s["again"] for s in wall_times.load(str(results_dir), MACHINE)[2:]] == [True, False]


def test_confirm_run_again_resumes_after_the_candidates_already_re_measured(
        compared, results_dir, monkeypatch):
    """An interrupted (or budget-cut) confirm, run again, re-measures only what has no
    entry for the same recorded results; results recorded again are re-measured."""
    conf = fake_conf(results_dir)
    path = results_dir / "confirmations" / f"{MACHINE}.json"
    monkeypatch.setattr(compare, "print_outcome", lambda *a: None)
    candidates = [c for c in compared.cases if c.status in ("faster", "slower")]
    first_step = [c for c in candidates if (c.a, c.b) == ("1.0.0", "2.0.0")]
    assert first_step and len(first_step) < len(candidates)
    compare.confirm(first_step, conf, MACHINE, compared.commit, path,
                    measure=lambda conf, req, ids: ({i: 1.0 for i in ids}, {}))
    done_text = path.read_text()
    taken = []
    monkeypatch.setattr(compare, "confirm",
                        lambda cases, *a, **k: (taken.append(cases), ([], []))[1])
    compare.compare_and_confirm(conf, MACHINE, None, path, 5, None, matrix=MATRIX)
    assert taken.pop() == [c for c in candidates if c not in first_step]
    # The same case with another recorded ratio (results recorded again): measured again.
    document = compare.load_confirmations(path)
    for entry in document["changes"]:
        entry["sweep_ratio"] *= 1.01
    path.write_text(json.dumps(document))
    compare.compare_and_confirm(conf, MACHINE, None, path, 5, None, matrix=MATRIX)
    assert taken.pop() == candidates
    # --again: everything, done or not.
    path.write_text(done_text)
    compare.compare_and_confirm(conf, MACHINE, None, path, 5, None, matrix=MATRIX)
    assert taken.pop() != candidates
    compare.compare_and_confirm(conf, MACHINE, None, path, 5, None, matrix=MATRIX, again=True)
    assert taken.pop() == candidates


def test_a_draw_runs_numpy_time_cases_together_and_each_other_case_alone():
    """A peakmem_ figure is the process's high-water mark, a track_ figure can depend
    on what ran before, and a Spark case's on the JVM's JIT state after the cases before
    it (which differ between the releases of a pair), so each gets a fresh process;
    NumPy time_ cases share one."""
    spark = ["bench_spark_udf.TimeColumnTransform.time_transform-4",
             "bench_spark_conversion.TimeCollect.time_collect-0"]
    ids = [f"{TOLIST}-0", spark[0], TAX, "bench_memory.PeakmemToList.peakmem_tolist-1",
           f"{VIEW}-0", spark[1], "bench_memory.TrackBytesPerElement.track_view-2"]
    assert compare.worker_batches(ids) == [
        [f"{TOLIST}-0", f"{VIEW}-0"], [spark[0]], [TAX],
        ["bench_memory.PeakmemToList.peakmem_tolist-1"], [spark[1]],
        ["bench_memory.TrackBytesPerElement.track_view-2"]]
    assert compare.worker_batches([TAX]) == [[TAX]]
    assert compare.worker_batches(spark) == [[spark[0]], [spark[1]]]
