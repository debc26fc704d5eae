#!/usr/bin/env python3
"""After `make test`: if the Swift test binary crashed, print (last, where CI shows it) the crashed
thread of its backtrace and the tests that had started and not ended. Prints nothing otherwise.

usage: test-crash-summary.py SWIFT_TEST_LOG BACKTRACE_DIR
"""
import glob
import os
import re
import sys

TEST_BINARY = "ewscheckPackageTests"


def crashed_thread(text: str, limit: int = 40) -> list[str]:
    """The crash line and the crashed thread's frames, without registers or images."""
    lines = text.splitlines()
    out = [l for l in lines[:3] if l.startswith("*** Program crashed")]
    for i, line in enumerate(lines):
        if re.match(r"^Thread \d+.* crashed:$", line):
            block = []
            for frame in lines[i:]:
                if block and (frame.startswith("Thread ") or frame.startswith("Registers:")):
                    break
                block.append(frame)
            out += block[:limit]
            break
    return out


def running_tests(log: str) -> list[str]:
    started, ended = [], set()
    for line in log.splitlines():
        m = re.match(r"^\S+ Test (.+?) started\.$", line)
        if m and m.group(1) != "run" and not m.group(1).startswith("case "):
            started.append(m.group(1))
            continue
        m = re.match(r"^\S+ Test (.+?)(?: with \d+ test cases?)? (passed after|failed after|skipped)", line)
        if m and not m.group(1).startswith("case "):
            ended.add(m.group(1))
    return [t for t in started if t not in ended]


def main() -> int:
    log_path, crash_dir = sys.argv[1], sys.argv[2]
    crashes = sorted(glob.glob(os.path.join(crash_dir, TEST_BINARY + "*.log")))
    if not crashes:
        return 0
    try:
        with open(log_path, encoding="utf-8", errors="replace") as f:
            log = f.read()
    except OSError:
        log = ""
    print("\n== the Swift test binary crashed; full backtrace(s) in " + crash_dir)
    for path in crashes:
        with open(path, encoding="utf-8", errors="replace") as f:
            print("\n".join(crashed_thread(f.read())))
    running = running_tests(log)
    if running:
        print("== tests started and not ended when it crashed (%d):" % len(running))
        for name in running[-30:]:
            print("   " + name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
