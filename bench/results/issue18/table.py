#!/usr/bin/env python3
"""Issue 18 tables: per benchmark, per run and thread count, ns/op ± error, B/op, ratio to a peer.

    python3 bench/results/issue18/table.py bench/results/issue18/run1 bench/results/issue18/run2 ...
"""
import json
import os
import sys

PAIRS = {
    "BreakerWindowBenchmark": [("lifeline", "resilience4j"), ("lifelineMixed", "resilience4jMixed"),
                               ("lifelineTimed", "resilience4j"),
                               ("lifelineTimedMixed", "resilience4jMixed")],
    "AsyncGuardBenchmark": [("lifeline", "resilience4j"), ("lifeline", "failsafeDirect"),
                            ("lifeline", "failsafe")],
    "PoolBenchmark": [("lifeline", "hikariConcurrentBag"), ("lifeline", "stormpot"),
                      ("lifelineLeakDetection", "lifeline")],
}


def load(path):
    out = {}
    with open(path) as f:
        for r in json.load(f):
            m = r["benchmark"].rsplit(".", 1)[1]
            p = r["primaryMetric"]
            alloc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score")
            out[m] = (p["score"], p["scoreError"], alloc)
    return out


def main(dirs):
    for bench, pairs in PAIRS.items():
        rows = []
        for d in dirs:
            for t in (1, 2):
                path = os.path.join(d, f"{bench}-t{t}.json")
                if not os.path.exists(path):
                    continue
                res = load(path)
                for a, b in pairs:
                    if a in res and b in res:
                        sa, ea, aa = res[a]
                        sb, eb, ab = res[b]
                        rows.append(f"| {os.path.basename(d)} | {t} | {a} / {b} | {sa:.1f} ± {ea:.1f}"
                                    f" | {sb:.1f} ± {eb:.1f} | **{sa / sb:.2f}×** | {aa:.2f} / {ab:.2f} |")
        if rows:
            print(f"\n#### {bench}\n")
            print("| run | threads | lifeline / peer | lifeline ns/op ± error | peer ns/op ± error"
                  " | time ratio | B/op (lifeline / peer) |")
            print("|---|---:|---|---:|---:|---:|---:|")
            print("\n".join(rows))


if __name__ == "__main__":
    main(sys.argv[1:])
