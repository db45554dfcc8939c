#!/bin/sh
# Measurements behind docs/validation.md (the relational practice rows) and docs/model.md
# "Virtual trials" (relational practice): the Python virtual trial at the scenario's defaults and
# with each of its two person-level parts alone. 20,000 residents, 5 replicates, master seed 1,
# the default 780-week burn-in; outcome relationship_quality = mean q over one's current
# professionals among the randomised still resident with at least one (python/socius/trial.py).
# Usage (from the repository root, extension built): sh benchmarks/trials/measure_relational_practice.sh > benchmarks/trials/relational_practice.txt
t() { echo "== $*"; PYTHONPATH=python python3 -m socius trial scenarios/relational_practice.toml --population 20000 --replicates 5 --seed 1 --follow-up 26 52 -q "$@" | grep -E "randomised|^week|relationship_quality|waiting"; }
t
t --set policy.relational_practice.continuity=0.0
t --set policy.relational_practice.training=0.0
