#!/usr/bin/env python3
"""Prints figures for one machine: wall time and peak memory of `ewscheck demo` (the whole suite
against the in-process simulator), and the EWS request latencies seen in its report.

    .venv/bin/python scripts/bench.py [--runs N] [--binary .build/release/ewscheck]

Figures only; nothing here asserts a speed (the tests assert behaviour)."""
import argparse, json, os, resource, statistics, subprocess, sys, tempfile, time

def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--binary", default=".build/debug/ewscheck")
    args = ap.parse_args()
    if not os.access(args.binary, os.X_OK):
        print(f"bench: {args.binary} is not built (swift build)", file=sys.stderr)
        return 2
    walls, rss, latencies, requests, reuse = [], [], [], [], []
    for i in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            start = time.perf_counter()
            proc = subprocess.run([args.binary, "demo", "--reports-dir", f"{tmp}/r", "--state-dir", f"{tmp}/s"],
                                  capture_output=True, text=True, timeout=300)
            walls.append(time.perf_counter() - start)
            rss.append(max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
            if proc.returncode != 0:
                print(proc.stdout[-2000:], proc.stderr[-2000:], file=sys.stderr)
                return 1
            report = json.load(open(f"{tmp}/r/latest/report.json"))
            ev = report["evidence"]
            requests.append(len(ev))
            latencies += [e["duration_milliseconds"] for e in ev if e["method"] == "POST"]
            reuse.append(sum(1 for e in ev if e["new_connections"] == 0) / max(1, len(ev)))
    q = statistics.quantiles(latencies, n=100)
    print(f"ewscheck demo x{args.runs} ({args.binary})")
    print(f"  wall time      median {statistics.median(walls):.3f} s  min {min(walls):.3f} s  max {max(walls):.3f} s")
    print(f"  peak RSS       {max(rss) / 1024:.1f} MiB (largest child so far)")
    print(f"  HTTP exchanges {statistics.median(requests):.0f} per run; {statistics.mean(reuse) * 100:.0f}% on a kept-alive connection")
    print(f"  EWS POST latency  p50 {q[49]:.2f} ms  p90 {q[89]:.2f} ms  p99 {q[98]:.2f} ms  (n={len(latencies)})")
    return 0

if __name__ == "__main__":
    sys.exit(main())
