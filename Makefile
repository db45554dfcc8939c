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
# under the same draw and seed. Small enough for about three minutes on 2 cores once built: a
# 1,000-resident borough, 2 years of burn-in, a 5-year horizon (docs/appraisal.md says how to run
# the full-size one). Resumable: a second `make demo` reuses the finished runs.
DEMO_SCENARIOS := scenarios/baseline.toml scenarios/early_action.toml scenarios/structural_reform.toml scenarios/combined.toml
DEMO_DRAWS ?= 24

demo: build
	@mkdir -p results
	$(PYTHON) -m socius appraise $(DEMO_SCENARIOS) --uncertainty scenarios/uncertainty.toml \
	    --draws $(DEMO_DRAWS) --replicates 1 --seed 1 --population 1000 --steps 260 \
	    --set simulation.burn_in=104 --out results/appraisal --report results/report --overwrite --restart
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
