#!/usr/bin/env python3
"""Prints figures for one machine: wall time and peak memory of `ewscheck demo` (the whole suite
against the in-process simulator), and the EWS request latencies seen in its report. With
--mailboxes 100,1000 also the full suite against a simulated tenant of that many mailboxes, harness
and simulator as separate processes on loopback: wall time, EWS requests/s, harness CPU per request
(the run process only, wait4), harness peak RSS, simulator CPU.

    .venv/bin/python scripts/bench.py [--runs N] [--binary .build/release/ewscheck] [--mailboxes 100,1000]

Figures only; nothing here asserts a speed (the tests assert behaviour)."""
import argparse, json, os, resource, statistics, subprocess, sys, tempfile, time

def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--binary", default=".build/debug/ewscheck")
    ap.add_argument("--mailboxes", default="", help="comma-separated tenant sizes for the scale figures (e.g. 100,1000)")
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
    sizes = [int(n) for n in args.mailboxes.split(",") if n.strip()]
    if sizes:
        print(f"full suite against `ewscheck simulate --mailboxes N` (separate process, loopback), {os.cpu_count()} cores, {args.binary}")
        print(f"  {'mailboxes':>9} {'wall s':>8} {'requests':>9} {'req/s':>8} {'harness CPU s':>13} {'µs CPU/req':>10} {'harness RSS MiB':>15} {'sim CPU s':>9}")
        for n in sizes:
            row = scale_run(args.binary, n)
            if row is None:
                return 1
            wall, requests, cpu, rss_kib, sim_cpu = row
            print(f"  {n:>9} {wall:>8.2f} {requests:>9} {requests / wall:>8.0f} {cpu:>13.2f} {cpu / max(1, requests) * 1e6:>10.0f} {rss_kib / 1024:>15.1f} {sim_cpu:>9.2f}")
    return 0


def process_cpu_seconds(pid: int) -> float:
    """User plus system CPU of a running process, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def scale_run(binary: str, mailboxes: int):
    """One run of the whole suite over `mailboxes` mailboxes; (wall, requests, harness CPU, harness peak RSS KiB, simulator CPU)."""
    with tempfile.TemporaryDirectory() as tmp:
        sim = subprocess.Popen([binary, "simulate", "--mailboxes", str(mailboxes), "--state-dir", f"{tmp}/sim"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.time() + 120
            while not os.path.exists(f"{tmp}/sim/simulator.json"):
                if sim.poll() is not None or time.time() > deadline:
                    print(f"bench: the simulator did not start: {sim.stderr.read() if sim.stderr else ''}", file=sys.stderr)
                    return None
                time.sleep(0.05)
            log = f"{tmp}/sim/requests.jsonl"
            logged = sum(1 for _ in open(log)) if os.path.exists(log) else 0
            sim_cpu = process_cpu_seconds(sim.pid)
            start = time.perf_counter()
            run = subprocess.Popen([binary, "run", "--target", f"{tmp}/sim/target.yaml", "--reports-dir", f"{tmp}/r", "--quiet"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(run.pid, 0)
            wall = time.perf_counter() - start
            sim_cpu = process_cpu_seconds(sim.pid) - sim_cpu
            if os.waitstatus_to_exitcode(status) != 0:
                print(f"bench: the run over {mailboxes} mailboxes did not conform (exit {os.waitstatus_to_exitcode(status)})", file=sys.stderr)
                return None
            requests = sum(1 for _ in open(log)) - logged
            return wall, requests, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, sim_cpu
        finally:
            sim.terminate()
            sim.wait(timeout=30)

if __name__ == "__main__":
    sys.exit(main())
