#!/bin/sh
# Paid against planned spend of the sized scenarios (docs/model.md, "Costs and appraisal"):
#   scripts/measure_sizing.sh POPULATION BURN_IN > log
# One ten-year run per scenario, seed 1, two threads (build/release/tests/socius_tests).
pop=${1:-10000}
burn=${2:-780}
for s in befriending hubs relational_practice early_action structural_reform combined; do
  SOCIUS_SCENARIO=$s SOCIUS_POP=$pop SOCIUS_BURN_IN=$burn build/release/tests/socius_tests "community costs: what the scenarios spend*" | grep -v "^Filters\|^====\|^test cases\|^assertions\|^$"
done
