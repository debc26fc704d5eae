#!/usr/bin/env python3
"""After `make test`: print, last (where CI shows it), the Swift tests that failed with their recorded
issues and, if the test binary crashed, the crashed thread of its backtrace and the tests that had
started and not ended. Prints nothing when every Swift test passed.

usage: test-summary.py SWIFT_TEST_LOG BACKTRACE_DIR
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


def failures(log: str, limit: int = 60) -> list[str]:
    """swift-testing's failure lines (a test failed, an issue recorded) and XCTest's error lines."""
    out = []
    for line in log.splitlines():
        if line.startswith("\u2718") or ": error: " in line and "XCTAssert" in line:
            out.append(line[:400])
    return out[:limit]


def main() -> int:
    log_path, crash_dir = sys.argv[1], sys.argv[2]
    try:
        with open(log_path, encoding="utf-8", errors="replace") as f:
            log = f.read()
    except OSError:
        log = ""
    failed = failures(log)
    if failed:
        print("\n== Swift test failures (%d lines; the whole log: %s)" % (len(failed), log_path))
        print("\n".join(failed))
    crashes = sorted(glob.glob(os.path.join(crash_dir, TEST_BINARY + "*.log")))
    if not crashes:
        return 0
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
