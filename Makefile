# The two commands of the README:
#   make demo   install what is missing, build, run the main job
#   make test   install what is missing, build, run every test (C++ and Python)
# Both are incremental: the build directory is kept, so a second run takes seconds.
PYTHON ?= python3
PRESET ?= release
BUILD := build/$(PRESET)
export PYTHONPATH := $(CURDIR)/python$(if $(PYTHONPATH),:$(PYTHONPATH),)

.PHONY: demo test test-sanitize build bootstrap clean bench bench-quick

# The flagship comparison: baseline, early action, structural reform and both, at equal budget.
DEMO_SCENARIOS := scenarios/baseline.toml scenarios/early_action.toml scenarios/structural_reform.toml scenarios/combined.toml

demo: build
	@mkdir -p results
	$(PYTHON) -m socius compare $(DEMO_SCENARIOS) --replicates 3 --seed 1 --population 10000 \
	    -o results/comparison.h5 --report results/report

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

# The benchmark suite (benchmarks/run.py): writes benchmarks/results/*.json and benchmarks/RESULTS.md.
bench: build
	$(PYTHON) benchmarks/run.py

bench-quick: build
	$(PYTHON) benchmarks/run.py --quick

bootstrap:
	@scripts/bootstrap.sh

build: bootstrap
	@test -f $(BUILD)/build.ninja || cmake --preset $(PRESET)
	cmake --build --preset $(PRESET)

clean:
	rm -rf build python/socius/_core*.so
