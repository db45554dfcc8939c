"""Diagnostic for issue 15 (/work/coord/n15-age.md): by age band, the share living alone, employed, in
education and the mean loneliness, at setup and after the burn-in, with structure.align_ages on or off.

    PYTHONPATH=python python3 scripts/age_structure_diagnostic.py on|off
"""
import sys, numpy as np, socius, json
align = sys.argv[1] == "on"
sc = socius.Scenario.load("scenarios/baseline.toml").with_overrides({"simulation.population": 20000, "simulation.steps": 1, "structure.align_ages": align})
sim = socius.Simulation(sc, seed=1, threads=2)
R = 20000
def stats(tag):
    age = np.array(sim.column("age"))[:R]; hh = np.array(sim.column("household"))[:R].astype(np.int64)
    st = np.array(sim.column("status"))[:R]; L = np.array(sim.column("loneliness"))[:R]
    size = np.bincount(hh)[hh]
    out = {}
    for name, lo, hi in [("16_24",16,25),("25_34",25,35),("35_44",35,45),("65_74",65,75),("75+",75,200)]:
        m = (age>=lo)&(age<hi)
        out[name] = {"alone": round(float((size[m]==1).mean()),3), "employed": round(float((st[m]==0).mean()),3),
                     "education": round(float((st[m]==3).mean()),3), "L_mean": round(float(L[m].mean()),3)}
    print(tag, "on" if align else "off", json.dumps(out))
stats("setup")
sim.run_burn_in()
stats("burnt-in")
