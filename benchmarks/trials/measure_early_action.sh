#!/bin/sh
# Measurements behind docs/model.md "Virtual trials" (helper tool: the hidden [.measure] test).
# Usage: sh benchmarks/trials/measure_early_action.sh > benchmarks/trials/early_action.txt
T=build/release/tests/socius_tests
m() { env "$@" $T "[.measure]" | grep -E "seed|mean d"; }
# Befriending at its defaults, and how the effect lasts once the programme (and every match) ends at week 52.
m SC=befriending.toml SEEDS=3
for fu in 52 104 156; do m SC=befriending.toml SEEDS=3 FOLLOW_UP=$fu OV=policy.befriending.duration=52; done
# Sensitivity of befriending's ITT SMD to its new parameters.
for ov in policy.befriending.keep=0.0 policy.befriending.keep=1.0 policy.befriending.contact=1.0 policy.befriending.take_up=1.0 policy.befriending.drop_out=0.0; do m SC=befriending.toml SEEDS=3 OV=$ov; done
# Hubs: defaults, without the added contact, and the old direct civic term (loneliness only).
m SC=hubs.toml SEEDS=3
m SC=hubs.toml SEEDS=3 OV=contact.hub_contacts=0.0
# Hubs among those randomised while often lonely (L >= 0.5), the people the loneliness trials enrol.
m SC=hubs.toml SEEDS=3 LONELY_AT_START=0.5
# Hubs' effect on civic efficacy and trust (all residents of hub areas), without and with the old direct term civic.hub 1.2.
m SC=hubs.toml SEEDS=2 OUTCOME=civic_efficacy
m SC=hubs.toml SEEDS=2 OUTCOME=civic_efficacy OV=civic.hub=1.2
m SC=hubs.toml SEEDS=2 OUTCOME=trust
