"""What keeps 45-64 year olds from being lonely: the parts of the loneliness equation by age band.

For each age band of the residents after burn-in: the share often lonely, the mean close-tie
strength (sum of kin and friend tie weights, each tie listed once per end), the mean contacts made
plus received in the last week, the actual relationships A = close_weight x strength +
contact_weight x contacts (models/community/loneliness.cpp), the desired relationships with the
age factor and the parents' multiplier (desired*), the share with a workplace focus, the share of
parents of a child under 5, and the mean of A / desired*. docs/model.md, "Loneliness", quotes it.
Usage: PYTHONPATH=python python3 scripts/loneliness_by_age.py [--population 5000] [--seeds 1 3] [key=value ...]
"""
import argparse
import math

import numpy as np

import socius

BANDS = [(16, 25), (25, 35), (35, 45), (45, 55), (55, 65), (65, 75), (75, 200)]


def age_factor(p, age):
    """The age factor of desired relationships (state.hpp, desired_age_factor), or the single slope
    when the model has no pivot."""
    k_old = p["loneliness.desired_age"]
    k_young = p.get("loneliness.desired_age_young", k_old)
    pivot = p.get("loneliness.desired_pivot", 45.0)
    return np.exp(-(k_young * (np.minimum(age, pivot) - min(45.0, pivot)) + k_old * (np.maximum(age, pivot) - max(45.0, pivot))) / 10.0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--population", type=int, default=5000)
    ap.add_argument("--seeds", type=int, nargs=2, default=[1, 3])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("set", nargs="*")
    a = ap.parse_args()
    overrides = {"simulation.population": a.population, "simulation.steps": 1}
    sc = socius.Scenario.load("scenarios/baseline.toml").with_overrides(overrides).with_settings(a.set)
    rows = {b: [] for b in BANDS}
    for seed in range(a.seeds[0], a.seeds[1] + 1):
        sim = socius.Simulation(sc, seed=seed, threads=a.threads)
        sim.step(sim.burn_in)
        p = sim.parameters
        age = sim.column("age")
        L = sim.column("loneliness")
        desired = sim.column("desired").astype(float)
        contacts = sim.column("contacts_made").astype(float) + sim.column("contacts_received").astype(float)
        work = sim.column("focus_work")
        parent = sim.column("parent_until") > age
        t = sim.ties()
        n = len(age)
        close_types = (t["type"] == 0) | (t["type"] == 1)
        strength = np.zeros(n)
        for end in ("source", "target"):
            idx = t[end][close_types]
            keep = idx < n
            np.add.at(strength, idx[keep], t["weight"][close_types][keep])
        A = p["loneliness.close_weight"] * strength + p["loneliness.contact_weight"] * contacts
        dstar = desired * age_factor(p, age) * np.where(parent, p["loneliness.desired_parent"], 1.0)
        lonely = L >= p["loneliness.threshold"]
        has_work = work != np.iinfo(work.dtype).max if np.issubdtype(work.dtype, np.integer) else work >= 0
        for lo, hi in BANDS:
            m = (age >= lo) & (age < hi)
            rows[(lo, hi)].append([lonely[m].mean(), strength[m].mean(), contacts[m].mean(), A[m].mean(),
                                   dstar[m].mean(), has_work[m].mean(), parent[m].mean(),
                                   np.median(A[m] / dstar[m])])
    print(f"{'band':>7} {'lonely':>7} {'close':>7} {'contact':>7} {'A':>7} {'desired*':>8} {'work':>6} {'parent':>6} {'A/d* md':>7}")
    for (lo, hi), r in rows.items():
        v = np.mean(r, axis=0)
        label = f"{lo}-{hi - 1}" if hi < 200 else f"{lo}+"
        print(f"{label:>7} {v[0]:7.4f} {v[1]:7.2f} {v[2]:7.2f} {v[3]:7.3f} {v[4]:8.3f} {v[5]:6.2f} {v[6]:6.2f} {v[7]:7.2f}")


if __name__ == "__main__":
    main()
