# The two commands of the README:
#   make demo   install what is missing, build, run the main job
#   make test   install what is missing, build, run every test (C++ and Python)
# Both are incremental: the build directory is kept, so a second run takes seconds.
PYTHON ?= python3
PRESET ?= release
BUILD := build/$(PRESET)
export PYTHONPATH := $(CURDIR)/python$(if $(PYTHONPATH),:$(PYTHONPATH),)

.PHONY: demo test test-sanitize build bootstrap clean bench bench-quick

# The flagship appraisal: baseline, early action, structural reform and both, at equal budget,
# under DEMO_DRAWS draws of the uncertain parameters (scenarios/uncertainty.toml), every option
# under the same draw and seed. A 1,000-resident borough, the scenarios' own 780-week burn-in and a
# 5-year horizon (docs/appraisal.md says how to run the full-size one, scripts/findings.py). The
# options of a draw share one burn-in (docs/appraisal.md, section 3), so the full burn-in costs 25%
# more weeks than the 104-week burn-in each option used to run alone: 8.4 min measured on the 2-core
# machine shared with other jobs (load average 7-10), where the old demo took 6.5-13 min; set
# DEMO_BURN_IN=104 for a quicker look. Resumable: a second `make demo` reuses the finished runs.
DEMO_SCENARIOS := scenarios/baseline.toml scenarios/early_action.toml scenarios/structural_reform.toml scenarios/combined.toml
DEMO_DRAWS ?= 24
DEMO_BURN_IN ?=

demo: build
	@mkdir -p results
	$(PYTHON) -m socius appraise $(DEMO_SCENARIOS) --uncertainty scenarios/uncertainty.toml \
	    --draws $(DEMO_DRAWS) --replicates 1 --seed 1 --population 1000 --steps 260 \
	    $(if $(DEMO_BURN_IN),--set simulation.burn_in=$(DEMO_BURN_IN)) --out results/appraisal --report results/report --overwrite --restart
	@echo "appraisal: results/appraisal/appraisal.h5; report: results/report/index.html"

test: build
	ctest --preset $(PRESET) -j2
	$(PYTHON) -m pytest -q
	$(MAKE) --no-print-directory test-sanitize

# The C++ tests under AddressSanitizer + UndefinedBehaviorSanitizer, without the long
# steady-state, calibration, virtual-trial and measured-effect runs (they are slow under the
# sanitizers and run no code the quick tests of the same mechanisms do not).
test-sanitize: bootstrap
	@test -f build/sanitize/build.ninja || cmake --preset sanitize
	cmake --build --preset sanitize
	ctest --preset sanitize -j2 -E "steady state|lands near the UK|virtual trial at|, measured|reorganisation disrupts"

# The benchmark suite (benchmarks/run.py): writes benchmarks/results/*.json and benchmarks/RESULTS.md,
# whose first table sets every target of issue 18 beside its measured figure (the community model
# through the command line at 100k, 1M and 10M residents; Kumpula in steady state against the
# reference C++ of benchmarks/reference/ and against Mesa; memory; recording; determinism).
bench: build
	$(PYTHON) benchmarks/run.py

# Only the sections behind issue 18's targets (command line, Kumpula steady state, Mesa), the
# grown Kumpula network kept in the build folder and reused; the other sections keep their figures.
.PHONY: bench-targets
bench-targets: build
	$(PYTHON) benchmarks/run.py --only command_line kumpula_steady mesa --reuse-grown

bench-quick: build
	$(PYTHON) benchmarks/run.py --quick

bootstrap:
	@scripts/bootstrap.sh

build: bootstrap
	@test -f $(BUILD)/build.ninja || cmake --preset $(PRESET)
	cmake --build --preset $(PRESET)

clean:
	rm -rf build python/socius/_core*.so
