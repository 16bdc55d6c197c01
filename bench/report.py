#!/usr/bin/env python3
"""Renders JMH JSON results (bench/results/<Benchmark>-t<threads>.json) as markdown tables: score,
error, gc.alloc.rate.norm and the lifeline/peer ratios, plus the targets with ✅/❌.

    python3 bench/report.py bench/results                       # print the markdown
    python3 bench/report.py bench/results --readme bench/README.md  # also write it between
                                                                  # <!-- results:start/end -->
Standard library only.
"""
import argparse
import glob
import json
import math
import os
import re
import sys

START = "<!-- results:start -->"
END = "<!-- results:end -->"

# Method order in the tables; anything else found in the JSON goes last.
ORDER = {
    "GuardBenchmark": ["baseline", "lifeline", "lifelineFailureRate", "resilience4j",
                       "resilience4jLockFree", "failsafe"],
    "PoolBenchmark": ["lifeline", "lifelineLeakDetection", "commonsPool2", "hikariConcurrentBag",
                      "stormpot"],
}
LABELS = {
    "baseline": "baseline (bare call)",
    "lifeline": "**Lifeline**",
    "lifelineFailureRate": "Lifeline, failure-rate breaker (window 100, 50 %, min 100)",
    "lifelineLeakDetection": "Lifeline, leakDetectionThreshold 60 s (on)",
    "resilience4j": "Resilience4j CB+Retry (defaults)",
    "resilience4jLockFree": "Resilience4j CB+Retry (LOCK_FREE window)",
    "failsafe": "Failsafe RetryPolicy+CircuitBreaker",
    "commonsPool2": "commons-pool2 GenericObjectPool",
    "hikariConcurrentBag": "HikariCP ConcurrentBag",
    "stormpot": "Stormpot",
}
# (benchmark, peer, max time ratio lifeline/peer, description). Time ratio: lower is better.
TIME_TARGETS = [
    ("GuardBenchmark", "resilience4j", 0.5, "Guard time/op ≤ 0.5× Resilience4j (default)"),
    ("GuardBenchmark", "failsafe", 0.5, "Guard time/op ≤ 0.5× Failsafe"),
    ("GuardBenchmark", "resilience4jLockFree", 0.8, "Guard time/op ≤ 0.8× Resilience4j LOCK_FREE"),
    ("PoolBenchmark", "commonsPool2", 0.2,
     "Pool throughput ≥ 5× commons-pool2 (time/op ≤ 0.2×)"),
    ("PoolBenchmark", "hikariConcurrentBag", 1.0,
     "Pool throughput ≥ 1.0× HikariCP ConcurrentBag (time/op ≤ 1.0×)"),
    ("PoolBenchmark", "stormpot", 1.0, "Pool throughput ≥ 1.0× Stormpot (time/op ≤ 1.0×)"),
]
# gc.alloc.rate.norm below this counts as "0 B/op": JMH's own per-iteration bookkeeping shows up as
# ~1e-4 B/op even for an empty method, while one object per 100 calls would already be ≥ 0.16 B/op.
ZERO_ALLOC = 0.01
ALLOC_TARGETS = [("GuardBenchmark", "lifeline", "Guard success path allocates 0 B/op")]


def load(results_dir):
    """{(bench, threads): {method: {score, error, unit, alloc, alloc_error}}} and the JVM info."""
    data, jvm = {}, None
    for path in sorted(glob.glob(os.path.join(results_dir, "*.json"))):
        with open(path, encoding="utf-8") as f:
            try:
                entries = json.load(f)
            except json.JSONDecodeError as e:
                print(f"skipping {path}: {e}", file=sys.stderr)
                continue
        for e in entries:
            cls, method = e["benchmark"].rsplit(".", 2)[-2:]
            pm = e["primaryMetric"]
            alloc = e.get("secondaryMetrics", {}).get("gc.alloc.rate.norm")
            forks = [sum(f) / len(f) for f in pm.get("rawData", []) if f]
            data.setdefault((cls, e["threads"]), {})[method] = {
                "score": pm["score"],
                "error": num(pm.get("scoreError")),
                "unit": pm["scoreUnit"],
                "alloc": alloc["score"] if alloc else None,
                "alloc_error": num(alloc.get("scoreError")) if alloc else None,
                "fork_means": forks,
                "iterations": e.get("measurementIterations"),
            }
            jvm = jvm or "{} {} ({})".format(e.get("vmName", "?"), e.get("jdkVersion", "?"),
                                             e.get("vmVersion", "?"))
    return data, jvm


def num(x):
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def fmt(x, digits=3):
    if x is None:
        return "–"
    if x == 0:
        return "0"
    if abs(x) >= 100:
        return f"{x:,.0f}" if abs(x) >= 10000 else f"{x:.1f}"
    if abs(x) >= 0.01:
        return f"{x:.{digits}g}" if abs(x) < 1 else f"{x:.2f}"
    return f"{x:.1e}"


def alloc_text(a):
    if a is None:
        return "–"
    return f"≈ 0 ({a:.0e})" if a < ZERO_ALLOC else fmt(a)


def spread(means):
    """min–max of the per-fork means; flagged when forks disagree by more than 1.5×."""
    if not means:
        return "–"
    lo, hi = min(means), max(means)
    text = f"{fmt(lo)}–{fmt(hi)}"
    return text + " ⚠️" if lo > 0 and hi / lo > 1.5 else text


def ratio(l, p):
    """Point ratio and the range the two 99.9% error bars allow (None when unbounded)."""
    r = l["score"] / p["score"]
    le, pe = l["error"] or 0.0, p["error"] or 0.0
    lo = (l["score"] - le) / (p["score"] + pe)
    hi = (l["score"] + le) / (p["score"] - pe) if p["score"] > pe else None
    return r, max(lo, 0.0), hi


def methods(cls, rows):
    order = ORDER.get(cls, [])
    return [m for m in order if m in rows] + sorted(m for m in rows if m not in order)


def render(data, jvm, env):
    out = []
    if env:
        out.append(f"Hardware: `nproc` = {env.get('nproc', '?')}, CPU {env.get('cpu', '?')}; "
                   f"{env.get('java', '?')}.  ")
        out.append(f"JVM in the forks: {jvm}. Run {env.get('date', '?')} at commit "
                   f"`{env.get('commit', '?')}` with `{env.get('jmh_args', '?')}`; 1-minute load average "
                   f"before / after the run: {env.get('load_before', '?')} / "
                   f"{env.get('load_after', '?')} (the run itself adds up to the thread count).")
        if env.get("note"):
            out.append("")
            out.append(f"Note: {env['note']}")
        out.append("")
    classes = sorted({c for c, _ in data}, key=lambda c: (c not in ORDER, c))
    for cls in classes:
        out.append(f"### {cls}")
        out.append("")
        out.append("| Benchmark | Threads | Score | ± Error (99.9%) | Fork means min–max | "
                   "Alloc (B/op) | Lifeline ÷ this |")
        out.append("|---|---:|---:|---:|---:|---:|---:|")
        for t in sorted(t for c, t in data if c == cls):
            rows = data[(cls, t)]
            life = rows.get("lifeline")
            for m in methods(cls, rows):
                r = rows[m]
                rat = "–"
                if life is not None and m != "lifeline":
                    rat = f"{life['score'] / r['score']:.2f}×"
                out.append(f"| {LABELS.get(m, m)} | {t} | {fmt(r['score'])} {r['unit']} | "
                           f"{fmt(r['error'])} | {spread(r['fork_means'])} | "
                           f"{alloc_text(r['alloc'])} | {rat} |")
        out.append("")

    out.append("⚠️ = the slowest fork's mean is more than 1.5× the fastest's: the result depends on "
               "something decided per JVM (layout, which thread ran the setup), see the notes below.")
    out.append("")
    out.append("### Targets")
    out.append("")
    out.append("Ratio = Lifeline time/op ÷ peer time/op (lower is better); the range is what the "
               "two 99.9% error bars allow.")
    out.append("")
    out.append("| Target | Threads | Measured | Range | Met |")
    out.append("|---|---:|---:|---:|:---:|")
    for cls, peer, limit, text in TIME_TARGETS:
        threads = sorted(t for c, t in data if c == cls)
        if not threads:
            out.append(f"| {text} | – | not run yet | – | – |")
            continue
        for t in threads:
            rows = data[(cls, t)]
            if "lifeline" not in rows or peer not in rows:
                out.append(f"| {text} | {t} | missing | – | – |")
                continue
            r, lo, hi = ratio(rows["lifeline"], rows[peer])
            ok = "✅" if r <= limit else "❌"
            if lo <= limit and (hi is None or hi > limit):
                ok += " (within error)"
            if rows["lifeline"]["error"] is None or rows[peer]["error"] is None:
                rng = "– (no error estimate)"
            else:
                rng = f"{lo:.2f}–{hi:.2f}" if hi is not None else f"≥ {lo:.2f}"
            out.append(f"| {text} | {t} | {r:.2f}× | {rng} | {ok} |")
    for cls, method, text in ALLOC_TARGETS:
        threads = sorted(t for c, t in data if c == cls)
        if not threads:
            out.append(f"| {text} | – | not run yet | – | – |")
            continue
        for t in threads:
            r = data[(cls, t)].get(method)
            a = r and r["alloc"]
            if a is None:
                out.append(f"| {text} | {t} | no -prof gc data | – | – |")
                continue
            ae = r["alloc_error"]
            out.append(f"| {text} | {t} | {alloc_text(a)} B/op | "
                       f"{'± ' + fmt(ae) if ae is not None else '–'} | "
                       f"{'✅' if a < ZERO_ALLOC else '❌'} |")
    out.append("")
    return "\n".join(out)


def read_env(results_dir):
    env = {}
    path = os.path.join(results_dir, "env.txt")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                k, _, v = line.partition(":")
                env[k.strip()] = v.strip()
    return env


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("results", nargs="?", default=os.path.join(os.path.dirname(__file__), "results"))
    ap.add_argument("--readme", help="markdown file whose results section is replaced")
    args = ap.parse_args()
    data, jvm = load(args.results)
    if not data:
        sys.exit(f"no JMH JSON results in {args.results}")
    md = render(data, jvm, read_env(args.results))
    print(md)
    if args.readme:
        with open(args.readme, encoding="utf-8") as f:
            text = f.read()
        pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)
        if not pattern.search(text):
            sys.exit(f"{args.readme} has no {START} ... {END} section")
        text = pattern.sub(lambda _: f"{START}\n{md}\n{END}", text)
        with open(args.readme, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"\nwrote results into {args.readme}", file=sys.stderr)


if __name__ == "__main__":
    main()
