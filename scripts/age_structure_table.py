"""Tables (markdown) from the JSON lines of scripts/age_structure_targets.py: the targets by run,
with their bands and whether each value is in its band; the adult age shares by run.

    python3 scripts/age_structure_table.py on_1.json on_2.json on_3.json
"""

import json
import sys


def main(paths: list[str]) -> int:
    runs = [json.loads(open(p).read().strip().splitlines()[-1]) for p in paths]
    label = [f"{'off' if any('align_ages=false' in s for s in r['set']) else 'on'} s{r['seed']} w{r['weeks']}" for r in runs]
    names = list(runs[0]["targets"])
    print("| target | band | " + " | ".join(label) + " |")
    print("|---|---|" + "---|" * len(runs))
    for n in names:
        t = runs[0]["targets"][n]
        cells = []
        for r in runs:
            x = r["targets"][n]
            v = x["value"]
            s = f"{v:.2f}" if n == "staff_caseload" else f"{100 * v:.1f}%"
            cells.append(s if x["in_band"] else f"**{s}** ({'low' if v < x['low'] else 'high'})")
        band = f"{t['low']}-{t['high']}" if n == "staff_caseload" else f"{100 * t['low']:.1f}-{100 * t['high']:.1f}%"
        print(f"| {n} | {band} | " + " | ".join(cells) + " |")
    print()
    for key in ("adults_setup", "adults_after_burn_in", "adults_end"):
        bands = list(runs[0][key])
        print(f"| {key} | " + " | ".join(bands) + " |")
        print("|---|" + "---|" * len(bands))
        for lab, r in zip(label, runs):
            print(f"| {lab} | " + " | ".join(f"{100 * r[key][b]:.1f}%" for b in bands) + " |")
        print()
    print("| living with a parent (end) | 20-24 | 25-29 | 30-34 |")
    print("|---|---|---|---|")
    for lab, r in zip(label, runs):
        w = r["with_parent_end"]
        print(f"| {lab} | " + " | ".join(f"{100 * v:.0f}%" for v in w.values()) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
