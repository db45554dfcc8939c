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
# Training alone at 0.1 and at the top of its range, 0.25 (quicker: 104-week burn-in, one replicate, 52 weeks).
for tr in 0.1 0.25; do
  echo "== training $tr alone, burn-in 104, 1 replicate"
  PYTHONPATH=python python3 -m socius trial scenarios/relational_practice.toml --population 20000 --replicates 1 --seed 1 --follow-up 52 -q \
    --set simulation.burn_in=104 --set policy.relational_practice.training=$tr --set policy.relational_practice.continuity=0.0 | grep relationship_quality
done
