# Two entry points (see README): `make bench` and `make test`. Both set up everything
# they need from a fresh clone: a virtual environment with the pinned requirements and
# an asv machine entry.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
# Results are filed under this asv machine name. The default names the project's
# reference machine; a machine name holds one CPU's results, so `asv run` and the sweep
# refuse to add results under a name whose results/NAME/machine.json records another
# CPU (tools/asv_identity.py): on other hardware pass MACHINE=yourname.
MACHINE ?= epyc-zen4-2core
# One BLAS/OpenMP thread: multi-threaded kernels make timings depend on what else runs.
export OMP_NUM_THREADS := 1
export OPENBLAS_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
# Extra `asv run` arguments for `make bench`, e.g. ASV_ARGS="--cpu-affinity 1 -b TimeToList".
ASV_ARGS ?=

.PHONY: setup publish bench sweep report repeat agreement confirm compare crosscheck warmup-curve smoke test preview clean

$(BIN)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "boundary-bench needs Python 3.11; set PYTHON=/path/to/python3.11"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

setup: $(BIN)/.installed
	$(BIN)/python tools/register_machine.py "$(MACHINE)"

# Run the whole suite in the project environment, record it under the current commit,
# then publish the dashboard into html/. BOUNDARY_BENCH_AS_REFERENCE=1 records the run
# under the name of asv.conf.json's reference environment (the one `make sweep` runs
# too), not under the interpreter's path, once the installed versions are checked
# against its pins (tools/asv_identity.py).
bench: setup
	BOUNDARY_BENCH_AS_REFERENCE=1 $(BIN)/asv run --environment existing:$(BIN)/python \
		--set-commit-hash $$(git rev-parse HEAD) --machine $(MACHINE) --show-stderr $(ASV_ARGS)
	$(MAKE) publish

# The dashboard from results/, self-contained: asv.conf.json's plugin
# tools/offline_dashboard.py serves its scripts and styles from html/vendor/.
publish: setup
	$(BIN)/asv publish
	@echo "Dashboard published to html/. View it: $(VENV)/bin/asv preview  (serves http://127.0.0.1:8080)"

# Every environment of the asv.conf.json matrix, releases interleaved (see tools/sweep.py;
# resumable: run it again after an interruption), every candidate change confirmed, then
# the dashboard and the boundary report from results/.
sweep: setup
	$(BIN)/python tools/sweep.py --machine $(MACHINE); status=$$?; \
	$(MAKE) confirm publish report && exit $$status

# The boundary report (report/REPORT.md, its chart, README's headline table) from results/.
report: setup
	$(BIN)/python tools/report.py --machine $(MACHINE)

# The suite twice back to back, compared with asv compare --factor 1.10 (BENCH=regex
# to run part of it; RECHECK=1 then re-runs every case outside its target on its own).
repeat: setup
	$(BIN)/python tools/repeatability.py --machine $(MACHINE) $(if $(BENCH),--bench '$(BENCH)') $(if $(RECHECK),--recheck)

# asv's figures for 10 representative cases vs pyperf's (fresh processes) for the same calls.
agreement: setup
	$(BIN)/python tools/agreement.py --machine $(MACHINE)

# Every candidate change of the newest sweep re-measured in fresh processes, releases
# interleaved (tools/compare.py): results/confirmations/$(MACHINE).json, then the
# confirmed changes.
confirm: setup
	$(BIN)/python tools/compare.py confirm --machine $(MACHINE)

# Two releases of one library measured now and compared, e.g. make compare
# A=numpy==2.0.2 B=numpy==2.4.6 [PYTHON_VERSION=3.12] [BENCH=regex] (into .asv/compare/).
PYTHON_VERSION ?= 3.11
compare: setup
	$(BIN)/python tools/compare.py upgrade '$(A)' '$(B)' --machine $(MACHINE) --python $(PYTHON_VERSION) $(if $(BENCH),--bench '$(BENCH)')

# The N (default 5) largest confirmed version changes and 5 unchanged cases timed again
# outside asv, in their own venvs (.asv/crosscheck/); writes report/crosscheck.md.
crosscheck: setup
	$(BIN)/python tools/crosscheck.py --machine $(MACHINE) $(if $(N),--changes $(N))

# The JIT warm-up curve of the Spark time_ cases (BENCH=regex) and where a shorter
# counted warm-up would put their samples (tools/warmup_curve.py).
warmup-curve: setup
	$(BIN)/python tools/warmup_curve.py $(if $(BENCH),--bench '$(BENCH)')

# Every benchmark once per parameter combination, in one process, at 2000 elements:
# does the suite still run? (nothing recorded)
smoke: setup
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/test_benchmarks_run.py

test: setup
	$(BIN)/python -m pytest tests

# Serve html/ as `make publish` last wrote it.
preview: setup
	$(BIN)/asv preview

clean:
	rm -rf $(VENV) .asv
