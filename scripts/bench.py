#!/usr/bin/env python3
"""Prints performance figures for one machine (issue 12, point 5). Figures only: nothing here asserts
a speed, and nothing is retried or smoothed (one run per row; the load average beside each).

Every scale row is two processes on loopback: `ewscheck simulate --mailboxes N` (NTLM, TLS, request
schema validation off: it runs in a scratch folder with no ../shared/ews-schemas and without
$EWSCHECK_SCHEMA_DIR, so it has no schema to validate against) and the measured client. CPU of a client comes
from wait4 of its process alone, its peak RSS from GNU time (/usr/bin/time -f %M); the simulator's CPU from /proc/<pid>/stat; EWS
requests are counted from the simulator's request log (an EWS operation in the line; the NTLM
handshake's 401 legs are counted apart as HTTP requests).

 1. the benchmark workload, the per-mailbox voicemail chain (`ewscheck run --only 'voicemail.*'`:
    per mailbox GetFolder, CreateItem, GetItem, GetFolder, GetItem, GetAttachment, DeleteItem,
    GetItem, and the cleanup sweep's FindFolder and FindItem) at each --mailboxes size;
 2. the full suite (`ewscheck run`, every check) at --full-suite mailboxes;
 3. at --compare mailboxes, against one simulator: the same chain by ewscheck, by exchangelib 5.6.0
    (scripts/bench_exchangelib.py) and by curl with keep-alive replaying ewscheck's own request
    bodies (recorded with --evidence all in the same bench run; ids the simulator handed out are
    mapped to the new ones between stages), the floor;
 4. the simulator alone: --simulator-probe impersonated GetFolder(Inbox) from one `curl --parallel`
    process over 1 and over 8 kept-alive connections (its capacity for its cheapest EWS request).

    .venv/bin/python scripts/bench.py [--binary .build/release/ewscheck] [--mailboxes 100,1000,10000]
                                      [--full-suite 1000] [--compare 300] [--simulator-probe 20000] [--demo-runs 0]
"""
import argparse, json, os, re, shutil, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
CHAIN = "voicemail.*"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=".build/release/ewscheck")
    ap.add_argument("--mailboxes", default="100,1000,10000", help="comma-separated tenant sizes for the voicemail chain")
    ap.add_argument("--full-suite", type=int, default=1000, help="mailboxes for the full-suite row (0: none)")
    ap.add_argument("--compare", type=int, default=300, help="mailboxes for the ewscheck / exchangelib / curl rows (0: none)")
    ap.add_argument("--simulator-probe", type=int, default=20000,
                    help="also load the simulator alone with this many impersonated GetFolder(Inbox) from curl --parallel (0: none)")
    ap.add_argument("--demo-runs", "--runs", type=int, default=0, help="also time `ewscheck demo` (in-process simulator) this many times")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        print(f"bench: {args.binary} is not built (swift build -c release --product ewscheck)", file=sys.stderr)
        return 2
    print(f"machine: {os.cpu_count()} cores, {cpu_model()}, {os.uname().sysname} {os.uname().release}; binary {args.binary} ({build_mode(binary)})")
    print(f"load average at start: {load()}")
    status = 0
    if args.demo_runs:
        status |= demo(binary, args.demo_runs)

    header = ("| workload | mailboxes | wall s | EWS requests | HTTP requests | EWS req/s | client CPU s | client µs CPU/EWS req "
              "| EWS req per client CPU-s | client peak RSS MiB | simulator CPU s | simulator µs CPU/EWS req | load 1-min |")
    rule = "| --- " + "| ---: " * 12 + "|"
    sizes = [int(n) for n in args.mailboxes.split(",") if n.strip()]
    rows = {}
    if sizes:
        print(f"\n### The voicemail chain (`ewscheck run --only '{CHAIN}'`) against `ewscheck simulate --mailboxes N`\n")
        print(header); print(rule)
        for n in sizes:
            with Simulator(binary, n) as sim:
                row = sim.measure_ewscheck(["--only", CHAIN], f"ewscheck chain")
            rows[n] = row
            print(row.markdown(), flush=True)
            status |= row.failed
        growth(rows)
    if args.full_suite:
        print(f"\n### The full suite (`ewscheck run`, every check) beside it\n")
        print(header); print(rule)
        with Simulator(binary, args.full_suite) as sim:
            row = sim.measure_ewscheck([], "ewscheck full suite")
        print(row.markdown(), flush=True)
        ops = ", ".join(f"{op} {c}" for op, c in sorted(row.operations.items(), key=lambda x: -x[1]))
        print(f"\nfull suite, EWS operations: {ops}")
        status |= row.failed
    if args.compare:
        status |= compare(binary, args.compare, header, rule)
    if args.simulator_probe:
        print(f"\n### The simulator alone: {args.simulator_probe:,} impersonated GetFolder(Inbox) from one curl process (keep-alive, NTLM)\n")
        print(header); print(rule)
        with Simulator(binary, 100) as sim:
            for parallel in (1, 8):
                row = sim.measure_probe(args.simulator_probe, parallel)
                print(row.markdown(), flush=True)
                status |= row.failed
    print(f"\nload average at the end: {load()}")
    return status


def compare(binary: str, n: int, header: str, rule: str) -> int:
    """ewscheck, exchangelib and curl over the same chain against one simulator of n mailboxes."""
    print(f"\n### The same chain, {n} mailboxes, one simulator: ewscheck, exchangelib 5.6.0, curl keep-alive\n")
    print(header); print(rule)
    status = 0
    with Simulator(binary, n) as sim:
        ours = sim.measure_ewscheck(["--only", CHAIN], "ewscheck chain")
        print(ours.markdown(), flush=True)
        lib = sim.measure_exchangelib(n)
        print(lib.markdown(), flush=True)
        print(lib.markdown(loop_only=True), flush=True)
        recording = sim.measure_ewscheck(["--only", CHAIN, "--evidence", "all", "--evidence-personal-data", "keep"],
                                         "ewscheck chain, --evidence all")
        print(recording.markdown(), flush=True)
        floor = sim.measure_curl(recording.report)
        print(floor.markdown(), flush=True)
    for r in (ours, lib, recording, floor):
        status |= r.failed
    print()
    for r in (ours, lib, floor):
        ops = ", ".join(f"{op} {c}" for op, c in sorted(r.operations.items()))
        print(f"{r.workload}: {r.ews / max(1, n):.1f} EWS requests per mailbox ({ops})")
    if not lib.failed and not ours.failed:
        print(f"\nratio ewscheck / exchangelib, EWS requests per client CPU-second: "
              f"{ours.per_cpu_second / lib.per_cpu_second:.1f}x (exchangelib's whole process), "
              f"{ours.per_cpu_second / lib.loop_per_cpu_second:.1f}x (exchangelib's workload loop only, imports left out)")
        print(f"ratio per mailbox (client CPU per mailbox): {lib.cpu / max(1e-9, ours.cpu):.1f}x whole process, "
              f"{lib.loop_cpu / max(1e-9, ours.cpu):.1f}x loop only")
    if not floor.failed and not ours.failed:
        print(f"ratio ewscheck / curl floor, client µs CPU per EWS request: {ours.cpu_per_request_us:.0f} / {floor.cpu_per_request_us:.0f} "
              f"= {ours.cpu_per_request_us / max(1e-9, floor.cpu_per_request_us):.1f}x")
    return status


class Row:
    def __init__(self, workload, mailboxes):
        self.workload, self.mailboxes = workload, mailboxes
        self.wall = self.cpu = self.sim_cpu = 0.0
        self.ews = self.http = 0
        self.rss_kib = 0
        self.failed = 0
        self.operations = {}
        self.load = load()
        self.report = None
        self.loop_cpu = self.loop_wall = None

    @property
    def cpu_per_request_us(self):
        return self.cpu / max(1, self.ews) * 1e6

    @property
    def per_cpu_second(self):
        return self.ews / max(1e-9, self.cpu)

    @property
    def loop_per_cpu_second(self):
        return self.ews / max(1e-9, self.loop_cpu)

    def markdown(self, loop_only=False) -> str:
        if loop_only:
            return (f"| {self.workload}, workload loop only | {self.mailboxes:,} | {self.loop_wall:.2f} | {self.ews:,} | {self.http:,} "
                    f"| {self.ews / self.loop_wall:,.0f} | {self.loop_cpu:.2f} | {self.loop_cpu / max(1, self.ews) * 1e6:,.0f} "
                    f"| {self.loop_per_cpu_second:,.0f} | | | | {self.load} |")
        mark = " **(failed)**" if self.failed else ""
        return (f"| {self.workload}{mark} | {self.mailboxes:,} | {self.wall:.2f} | {self.ews:,} | {self.http:,} | {self.ews / max(1e-9, self.wall):,.0f} "
                f"| {self.cpu:.2f} | {self.cpu_per_request_us:,.0f} | {self.per_cpu_second:,.0f} | {self.rss_kib / 1024:.1f} "
                f"| {self.sim_cpu:.2f} | {self.sim_cpu / max(1, self.ews) * 1e6:,.0f} | {self.load} |")


class Simulator:
    """`ewscheck simulate --mailboxes N` in a scratch folder (so without a schema folder: validation off)."""

    def __init__(self, binary, mailboxes):
        self.binary, self.mailboxes = binary, mailboxes

    def __enter__(self):
        self.tmp = tempfile.mkdtemp(prefix="ewscheck-bench-")
        self.state = f"{self.tmp}/sim"
        env = {k: v for k, v in os.environ.items() if k != "EWSCHECK_SCHEMA_DIR"}
        assert not os.path.exists(f"{self.tmp}/../shared/ews-schemas/v2017/messages.xsd"), "a schema folder beside the scratch folder"
        # --no-request-validation says it outright; the scratch folder (no schemas found) was how the
        # figures recorded before the switch existed kept validation off.
        self.proc = subprocess.Popen([self.binary, "simulate", "--mailboxes", str(self.mailboxes), "--state-dir", self.state,
                                      "--no-request-validation"],
                                     cwd=self.tmp, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 300
        while not os.path.exists(f"{self.state}/simulator.json"):
            if self.proc.poll() is not None or time.time() > deadline:
                raise SystemExit(f"bench: the simulator did not start: {self.proc.stderr.read() if self.proc.poll() is not None else 'timeout'}")
            time.sleep(0.05)
        self.info = json.load(open(f"{self.state}/simulator.json"))
        self.log = f"{self.state}/requests.jsonl"
        self.log_offset = os.path.getsize(self.log) if os.path.exists(self.log) else 0
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def cpu(self) -> float:
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def new_requests(self, row: Row) -> None:
        """Counts what the simulator logged since the last call into `row`."""
        time.sleep(0.2)  # the log is written as answers go out
        with open(self.log, "rb") as f:
            f.seek(self.log_offset)
            data = f.read()
        self.log_offset += len(data)
        for line in data.splitlines():
            d = json.loads(line)
            row.http += 1
            op = d.get("operation")
            if op:
                row.ews += 1
                row.operations[op] = row.operations.get(op, 0) + 1

    def timed(self, row: Row, argv, cwd="."):
        """Runs one client process under GNU time and waits for it with wait4: the CPU is the client's
        (GNU time's own is a few ms), the peak RSS is GNU time's %M of the client. (The ru_maxrss wait4
        gives for a child of this Python process would include this process's RSS at the fork.)"""
        sim0 = self.cpu()
        start = time.perf_counter()
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile("r") as peak:
            proc = subprocess.Popen(["/usr/bin/time", "-o", peak.name, "-f", "%M", *argv], cwd=cwd, stdout=out, stderr=err)
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            row.wall += time.perf_counter() - start
            row.sim_cpu += self.cpu() - sim0
            row.cpu += usage.ru_utime + usage.ru_stime
            lines = peak.read().split()
            row.rss_kib = max(row.rss_kib, int(lines[-1]) if lines and lines[-1].isdigit() else 0)
            out.seek(0); err.seek(0)
            self.last_output = (out.read().decode(errors="replace"), err.read().decode(errors="replace"))
        return proc.returncode

    def measure_ewscheck(self, extra, workload) -> Row:
        row = Row(workload, self.mailboxes)
        reports = f"{self.tmp}/reports"
        code = self.timed(row, [self.binary, "run", "--target", f"{self.state}/target.yaml", "--reports-dir", reports, "--quiet", *extra], cwd=self.tmp)
        self.new_requests(row)
        if code != 0:
            row.failed = 1
            print(f"bench: {workload} over {self.mailboxes} mailboxes exited {code}: {self.last_output[0][-1500:]} {self.last_output[1][-1500:]}", file=sys.stderr)
        row.report = f"{reports}/latest/report.json"
        return row

    def measure_exchangelib(self, n) -> Row:
        row = Row("exchangelib 5.6.0", n)
        code = self.timed(row, [sys.executable, os.path.join(HERE, "bench_exchangelib.py"), self.state, str(n)], cwd=self.tmp)
        self.new_requests(row)
        if code != 0:
            row.failed = 1
            print(f"bench: exchangelib exited {code}: {self.last_output[1][-1500:]}", file=sys.stderr)
            row.loop_cpu, row.loop_wall = float("nan"), float("nan")
        else:
            d = json.loads(self.last_output[0].strip().splitlines()[-1])
            row.loop_cpu, row.loop_wall = d["loop_cpu_seconds"], d["loop_wall_seconds"]
        return row

    def measure_probe(self, count, parallel) -> Row:
        """The simulator's capacity for its cheapest EWS request: `count` GetFolder(Inbox) of one mailbox
        from one `curl --parallel --parallel-max <parallel>` process, each connection authenticated once."""
        row = Row(f"curl --parallel-max {parallel}, GetFolder only", 100)
        work = f"{self.tmp}/probe"
        os.makedirs(work, exist_ok=True)
        body = ('<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
                'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" '
                'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><soap:Header>'
                '<t:RequestServerVersion Version="Exchange2013_SP1"/><t:ExchangeImpersonation><t:ConnectingSID>'
                f'<t:PrimarySmtpAddress>{self.info["mailboxes"][0]}</t:PrimarySmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>'
                '</soap:Header><soap:Body><m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape>'
                '<m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder></soap:Body></soap:Envelope>')
        with open(f"{work}/getfolder.xml", "w") as f:
            f.write(body)
        with open(self.info["service_account"]["password_file"]) as f:
            password = f.read()
        one = [f'url = "{self.info["loopback_ews_url"]}"', "ntlm", f'user = "{self.info["service_account"]["username"]}:{password}"',
               f'cacert = "{self.info["ca_file"]}"', f'data-binary = "@{work}/getfolder.xml"', 'header = "Content-Type: text/xml; charset=utf-8"',
               'output = "/dev/null"', "silent", "show-error", 'write-out = "%{http_code}\\n"']
        config = f"{work}/probe.curlrc"
        fd = os.open(config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # holds the password: owner only, never printed
        os.write(fd, ("\nnext\n".join("\n".join(one) for _ in range(count)) + "\n").encode())
        os.close(fd)
        code = self.timed(row, ["curl", "--parallel", "--parallel-max", str(parallel), "-K", config], cwd=work)
        os.unlink(config)
        self.new_requests(row)
        statuses = self.last_output[0].split()
        if code != 0 or statuses.count("200") != count:
            row.failed = 1
            print(f"bench: the probe's curl exited {code}; {statuses.count('200')} of {count} answered 200", file=sys.stderr)
        return row

    def measure_curl(self, report_path) -> Row:
        """Replays the per-mailbox requests of an ewscheck report (evidence all) with curl, one process
        per stage (a stage's requests need ids the previous stage's answers gave), every request of a
        stage over one kept-alive, NTLM-authenticated connection."""
        row = Row("curl keep-alive (ewscheck's bodies)", self.mailboxes)
        try:
            report = json.load(open(report_path))
        except (OSError, ValueError) as e:
            row.failed = 1
            print(f"bench: no recorded report for the curl replay: {e}", file=sys.stderr)
            return row
        chains = {}
        for e in sorted(report["evidence"], key=lambda e: e["id"]):
            if e["method"] != "POST" or not e["legs"]:
                continue
            headers = {h["name"].lower(): h["value"] for h in e["legs"][-1]["request_headers"]}
            anchor = headers.get("x-anchormailbox")
            if not anchor or "soapaction" not in headers:
                continue  # run-wide requests (endpoint, service account): a handful per run, left out
            chains.setdefault(anchor.lower(), []).append((headers["soapaction"], e["request_body"], e["response_body"] or ""))
        ids = re.compile(r'\b(?:Id|ChangeKey)="([^"]+)"')
        codes = re.compile(r"ResponseCode>([A-Za-z]+)<")
        # Stage of each request: after any request whose answer gave an id it carries, and never
        # before the request that came before it in its mailbox.
        staged = []  # (stage, mailbox, index)
        for mailbox, chain in chains.items():
            given, stage = {}, 0
            for i, (_, body, answer) in enumerate(chain):
                needs = [given[t] for t in ids.findall(body) if t in given]
                stage = max([stage] + [s + 1 for s in needs])
                staged.append((stage, mailbox, i))
                for t in ids.findall(answer):
                    given.setdefault(t, stage)
        mapping = {}
        pw_file = self.info["service_account"]["password_file"]
        with open(pw_file) as f:
            password = f.read()
        user = self.info["service_account"]["username"]
        work = f"{self.tmp}/curl"
        os.makedirs(work, exist_ok=True)
        for stage in sorted({s for s, _, _ in staged}):
            batch = [(m, i) for s, m, i in staged if s == stage]
            lines = []
            for k, (m, i) in enumerate(batch):
                action, body, _ = chains[m][i]
                body = ids.sub(lambda x: x.group(0).replace(x.group(1), mapping.get(x.group(1), x.group(1))), body)
                with open(f"{work}/{stage}-{k}.xml", "w") as f:
                    f.write(body)
                if k:
                    lines.append("next")
                lines += [f'url = "{self.info["loopback_ews_url"]}"', "ntlm", f'user = "{user}:{password}"', f'cacert = "{self.info["ca_file"]}"',
                          f'data-binary = "@{work}/{stage}-{k}.xml"', 'header = "Content-Type: text/xml; charset=utf-8"',
                          f'header = "SOAPAction: {action.strip(chr(34))}"', f'header = "X-AnchorMailbox: {m}"',
                          f'output = "{work}/{stage}-{k}.out"', "silent", "show-error", 'write-out = "%{http_code}\\n"']
            config = f"{work}/stage{stage}.curlrc"
            fd = os.open(config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # holds the password: owner only, never printed
            os.write(fd, ("\n".join(lines) + "\n").encode())
            os.close(fd)
            code = self.timed(row, ["curl", "-K", config], cwd=work)
            os.unlink(config)
            statuses = self.last_output[0].split()
            if code != 0 or len(statuses) != len(batch) or any(s not in ("200", "500") for s in statuses):
                row.failed = 1
                print(f"bench: curl stage {stage} exited {code} with statuses {sorted(set(statuses))}: {self.last_output[1][-500:]}", file=sys.stderr)
                break
            for k, (m, i) in enumerate(batch):
                with open(f"{work}/{stage}-{k}.out") as f:
                    answer = f.read()
                if codes.findall(answer) != codes.findall(chains[m][i][2]):
                    row.failed = 1
                    print(f"bench: curl stage {stage}: {m}'s answer {i} says {codes.findall(answer)}, the recorded one {codes.findall(chains[m][i][2])}",
                          file=sys.stderr)
                    break
                got = ids.findall(answer)
                want = ids.findall(chains[m][i][2])
                if len(got) != len(want):
                    row.failed = 1
                    print(f"bench: curl stage {stage}: {m}'s answer {i} has {len(got)} ids, the recorded one {len(want)}", file=sys.stderr)
                    break
                mapping.update(zip(want, got))
        self.new_requests(row)
        row.stages = len({s for s, _, _ in staged})
        return row


def growth(rows) -> None:
    sizes = sorted(rows)
    if len(sizes) < 2:
        return
    print("\nGrowth between sizes (×mailboxes → ×wall, ×client CPU, client µs CPU/request, peak RSS MiB):")
    for a, b in zip(sizes, sizes[1:]):
        ra, rb = rows[a], rows[b]
        print(f"  {a:,} → {b:,} (×{b / a:g}): wall ×{rb.wall / ra.wall:.1f}, client CPU ×{rb.cpu / max(1e-9, ra.cpu):.1f}, "
              f"µs CPU/request {ra.cpu_per_request_us:,.0f} → {rb.cpu_per_request_us:,.0f}, peak RSS {ra.rss_kib / 1024:.1f} → {rb.rss_kib / 1024:.1f} MiB")


def demo(binary, runs) -> int:
    walls, rss, latencies, requests = [], [], [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            proc = subprocess.Popen([binary, "demo", "--reports-dir", f"{tmp}/r", "--state-dir", f"{tmp}/s", "--quiet"], cwd=tmp,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(proc.pid, 0)
            walls.append(time.perf_counter() - start)
            rss.append(usage.ru_maxrss)
            if os.waitstatus_to_exitcode(status) != 0:
                print(f"bench: ewscheck demo exited {os.waitstatus_to_exitcode(status)}", file=sys.stderr)
                return 1
            ev = json.load(open(f"{tmp}/r/latest/report.json"))["evidence"]
            requests.append(len(ev))
            latencies += [e["duration_milliseconds"] for e in ev if e["method"] == "POST"]
    q = statistics.quantiles(latencies, n=100)
    print(f"\n`ewscheck demo` ×{runs} (4 mailboxes, in-process simulator): wall median {statistics.median(walls):.3f} s "
          f"(min {min(walls):.3f}, max {max(walls):.3f}), peak RSS {max(rss) / 1024:.1f} MiB, "
          f"{statistics.median(requests):.0f} recorded exchanges, POST latency p50 {q[49]:.2f} ms p99 {q[98]:.2f} ms")
    return 0


def load() -> str:
    return f"{os.getloadavg()[0]:.2f}"


def cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def build_mode(binary) -> str:
    parts = binary.split(os.sep)
    return "release build" if "release" in parts else "debug build" if "debug" in parts else "build mode unknown"


if __name__ == "__main__":
    sys.exit(main())
