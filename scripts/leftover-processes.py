#!/usr/bin/env python3
"""Lists (and ends) the daemons and helpers a test run left behind: processes started after the
run began, orphaned (their parent is gone: init or a subreaper adopted them) and of a kind the
tests start (the simulator, KDCs, dnsmasq, Apache, the test binary's own children).

    python3 scripts/leftover-processes.py --before SNAPSHOT   (as the tests start: who runs already)
    python3 scripts/leftover-processes.py SNAPSHOT            (after them)

A process in the snapshot (same pid, same start time) is never counted, whatever its start time:
CI starts its own dnsmasq daemon just before `make test`, within the second the run begins.
Exits 1 and names each one (pid, command line) when any is found, after sending it SIGKILL, so a
leaked daemon fails the run instead of lingering; 0 when none is."""
import os, signal, sys, time

KINDS = ("ewscheck", "krb5kdc", "kadmind", "dnsmasq", "apache2", "httpd")


def processes():
    ticks = os.sysconf("SC_CLK_TCK")
    boot = next(float(line.split()[1]) for line in open("/proc/stat") if line.startswith("btime"))
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = open(f"/proc/{entry}/stat").read()
            cmdline = open(f"/proc/{entry}/cmdline", "rb").read().split(b"\0")
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] in ("Z", "X"):
            continue  # already dead, only not reaped yet: nothing runs
        ppid, started = int(fields[1]), boot + int(fields[19]) / ticks
        argv0 = os.path.basename(cmdline[0].decode(errors="replace")) if cmdline and cmdline[0] else comm
        line = b" ".join(cmdline).decode(errors="replace").strip() or f"[{comm}]"
        yield int(entry), ppid, started, comm, argv0, line


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--before":
        with open(sys.argv[2], "w") as out:
            out.write(f"{time.time()}\n")
            for pid, ppid, started, comm, argv0, line in processes():
                out.write(f"{pid} {started}\n")
        return 0
    with open(sys.argv[1]) as snapshot:
        since = float(snapshot.readline())
        before = {tuple(line.split()) for line in snapshot if line.strip()}
    me = os.getpid()
    # Orphans are adopted by init or by the nearest subreaper (this script's ancestors may be one).
    adopters = {1}
    pid = os.getppid()
    while pid > 1:
        adopters.add(pid)
        try:
            stat = open(f"/proc/{pid}/stat").read()
        except OSError:
            break
        pid = int(stat[stat.rindex(")") + 2:].split()[1])
    def candidates():
        return {pid: line for pid, ppid, started, comm, argv0, line in processes()
                if pid != me and started >= since - 1 and (str(pid), str(started)) not in before
                and ppid in adopters  # btime is whole seconds
                and any(comm.startswith(k) or argv0.startswith(k) for k in KINDS)}
    first = candidates()
    if first:
        time.sleep(3)  # one that was stopping as the tests ended gets to finish
    again = candidates()
    left = sorted((pid, line) for pid, line in again.items() if pid in first)
    for pid, line in left:
        print(f"leftover process {pid}: {line}", file=sys.stderr)
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    if left:
        print(f"{len(left)} process(es) outlived the tests that started them (ended now with SIGKILL)", file=sys.stderr)
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
