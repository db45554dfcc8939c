"""Mean and standard deviation of one seed for the calibration figures, from the outputs of
benchmarks/community_calibrate (one or more files per population, seed lines at year 0).

    python3 scripts/calibration_table.py benchmarks/results/calibration/seeds*_20000.txt

Prints, per column, the number of seeds, the mean and the sd of one seed, and the 3-seed mean of
seeds 1-3 (what tests/cpp/test_community_calibration.cpp checks).
"""
import statistics
import sys


def read(paths):
    header, rows = None, {}
    for path in paths:
        for line in open(path):
            parts = line.split()
            if not parts:
                continue
            if parts[0] == "seed":
                header = parts[2:]
            elif parts[0].isdigit() and parts[1] == "0":
                rows[int(parts[0])] = [float(x) for x in parts[2:]]
    return header, rows


def main():
    header, rows = read(sys.argv[1:])
    seeds = sorted(rows)
    print("seeds", seeds)
    for i, name in enumerate(header):
        values = [rows[s][i] for s in seeds]
        first3 = [rows[s][i] for s in seeds if s <= 3]
        sd = statistics.stdev(values) if len(values) > 1 else 0.0
        m3 = statistics.mean(first3) if first3 else float("nan")
        print(f"{name:8s} n={len(values):2d} mean={statistics.mean(values):.4f} sd={sd:.4f} mean(1-3)={m3:.4f}")


if __name__ == "__main__":
    main()
