"""The people-and-CI formats of a run (report.html, ctrf.json, the JUnit copy) and the `ewscheck report`
commands, checked with independent tools: check-jsonschema against the CTRF schema, headless Chromium
rendering the HTML page, junitparser and junit2html reading the JUnit file."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from junitparser import JUnitXml

from conftest import EXIT_CHECK_FAILED, EXIT_OK, MAILBOXES, REPO_ROOT, SHARED_DIR, describe, run, target_copy

CTRF_SCHEMA = SHARED_DIR / "report-schemas" / "ctrf.schema.json"
ARTIFACTS = REPO_ROOT / "reports" / "test-artifacts"


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.fail("headless Chromium is not installed; scripts/setup.sh installs Debian's chromium")


@pytest.fixture(scope="module")
def demo(run_ewscheck, tmp_path_factory):
    base = tmp_path_factory.mktemp("formats")
    reports = base / "reports"
    copies = base / "ci"
    copies.mkdir()
    result = run_ewscheck(
        "demo", "--reports-dir", reports, "--state-dir", base / "state", "--run-id", "formats",
        "--junit-xml", copies / "junit.xml", "--ctrf", copies / "ctrf.json", "--html", copies / "report.html",
    )
    assert result.returncode == EXIT_OK, describe(result)
    return reports / "formats", copies


def test_ctrf_is_valid_against_the_ctrf_schema(demo, python_tool):
    run_dir, _ = demo
    result = run([python_tool("check-jsonschema"), "--schemafile", CTRF_SCHEMA, run_dir / "ctrf.json"])
    assert result.returncode == 0, describe(result)
    ctrf = json.loads((run_dir / "ctrf.json").read_text())
    report = json.loads((run_dir / "report.json").read_text())
    assert ctrf["reportFormat"] == "CTRF" and ctrf["runId"] == "formats"
    names = [t["name"] for t in ctrf["results"]["tests"]]
    assert len(names) == len(report["results"])
    assert ctrf["results"]["summary"]["passed"] == report["summary"]["passed"]
    assert all(t["status"] in ("passed", "skipped") for t in ctrf["results"]["tests"]), "a clean demo has no failures"


def test_ci_copies_are_the_same_files(demo):
    run_dir, copies = demo
    for name in ("junit.xml", "ctrf.json", "report.html"):
        assert (copies / name).read_bytes() == (run_dir / name).read_bytes(), name


def test_html_renders_in_headless_chromium_with_every_check(demo, tmp_path):
    run_dir, _ = demo
    report = json.loads((run_dir / "report.json").read_text())
    page = (run_dir / "report.html").resolve()
    html = page.read_text()
    assert "http://" not in html.split("<body>")[0] and "https://" not in html.split("<body>")[0], "no external assets in <head>"
    assert "<script" not in html and "<link" not in html, "self-contained: no scripts or linked assets"
    profile = tmp_path / "profile"
    base = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", f"--user-data-dir={profile}",
            "--enable-logging=stderr", "--v=0"]
    dom = run(base + ["--dump-dom", page.as_uri()], timeout=120)
    assert dom.returncode == 0, describe(dom)
    for r in report["results"]:
        assert f'data-check-id="{r["id"]}"' in dom.stdout, f'{r["id"]} is in the rendered DOM'
    assert "Conforms" in dom.stdout
    console_errors = [line for line in dom.stderr.splitlines() if "CONSOLE" in line and ("Error" in line or "Uncaught" in line)]
    assert not console_errors, console_errors
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "report-html.png"
    shot.unlink(missing_ok=True)
    result = run(base + [f"--screenshot={shot}", "--window-size=1280,1600", page.as_uri()], timeout=120)
    assert result.returncode == 0 and shot.exists() and shot.stat().st_size > 10_000, describe(result)


def test_junit_renders_with_junit2html(demo, python_tool, tmp_path):
    run_dir, _ = demo
    out = tmp_path / "junit.html"
    result = run([python_tool("junit2html"), run_dir / "junit.xml", out])
    assert result.returncode == 0, describe(result)
    assert "voicemail.deliver" in out.read_text()


# --------------------------------------------------------------------------------------------
# ewscheck report show / render / diff / merge / compare


def test_report_show_prints_one_checks_evidence(demo, run_ewscheck):
    run_dir, _ = demo
    result = run_ewscheck("report", "show", run_dir, "voicemail.readback")
    assert result.returncode == 0, describe(result)
    assert "requirement:" in result.stdout and "POST https://" in result.stdout, result.stdout
    assert "Authorization: Basic" not in result.stdout or "[redacted]" in result.stdout
    unknown = run_ewscheck("report", "show", run_dir, "no.such.check")
    assert unknown.returncode == 64 and "no.such.check" in unknown.stderr


def test_report_render_reproduces_the_junit_file(demo, run_ewscheck, tmp_path):
    run_dir, _ = demo
    out = tmp_path / "again.xml"
    result = run_ewscheck("report", "render", run_dir, "--format", "junit", "--output", out)
    assert result.returncode == 0, describe(result)
    again = JUnitXml.fromfile(str(out))
    first = JUnitXml.fromfile(str(run_dir / "junit.xml"))
    assert [c.name for s in again for c in s] == [c.name for s in first for c in s]


def test_diff_names_a_regression_and_exits_one(run_ewscheck, tmp_path):
    reports = tmp_path / "reports"
    good = run_ewscheck("demo", "--reports-dir", reports, "--state-dir", tmp_path / "s1", "--run-id", "good")
    assert good.returncode == EXIT_OK, describe(good)
    bad = run_ewscheck("demo", "--reports-dir", reports, "--state-dir", tmp_path / "s2", "--run-id", "bad",
                       "--quirk", "corrupt-attachment-content")
    assert bad.returncode == EXIT_CHECK_FAILED, describe(bad)
    diff = run_ewscheck("report", "diff", "--reports-dir", reports, "good", "bad")
    assert diff.returncode == EXIT_CHECK_FAILED, describe(diff)
    assert "REGRESSIONS" in diff.stdout and "voicemail.readback[alice@contoso.com]: PASS → FAIL" in diff.stdout, diff.stdout
    back = run_ewscheck("report", "diff", "--reports-dir", reports, "bad", "good")
    assert back.returncode == EXIT_OK and "fixed" in back.stdout, describe(back)
    compare = run_ewscheck("report", "compare", "--reports-dir", reports, "good", "bad", "--output", tmp_path / "cmp")
    assert compare.returncode == 0, describe(compare)
    md = (tmp_path / "cmp" / "comparison.md").read_text()
    assert "| `voicemail.readback` | PASS (4) | FAIL (4) |" in md, md


def address(entry) -> str:
    """A target file's mailbox entry is an address or a mapping with one."""
    return entry["address"] if isinstance(entry, dict) else entry


def test_shards_split_by_mailbox_merge_into_the_same_verdict(simulator, run_ewscheck, tmp_path):
    reports = tmp_path / "reports"
    halves = [MAILBOXES[:2], MAILBOXES[2:]]
    shards = []
    for n, half in enumerate(halves, start=1):
        # Each shard keeps its mailboxes' entries whole (address, UPN, SID), as a user splitting the file would.
        target = target_copy(simulator, tmp_path / f"shard{n}.yaml",
                             lambda d, half=half: d.__setitem__("mailboxes", [m for m in d["mailboxes"] if address(m) in half]))
        result = run_ewscheck("run", "--target", target, "--reports-dir", reports, "--run-id", f"shard{n}")
        assert result.returncode == EXIT_OK, describe(result)
        shards.append(f"shard{n}")
    whole = run_ewscheck("run", "--target", simulator.target_file, "--reports-dir", reports, "--run-id", "whole")
    assert whole.returncode == EXIT_OK, describe(whole)
    merged = run_ewscheck("report", "merge", "--reports-dir", reports, *shards, "--into", "merged")
    assert merged.returncode == EXIT_OK, describe(merged)
    m = json.loads((reports / "merged" / "report.json").read_text())
    w = json.loads((reports / "whole" / "report.json").read_text())
    assert m["summary"] == w["summary"]
    assert m["exit_code"] == w["exit_code"]
    assert sorted((r["id"], r.get("mailbox")) for r in m["results"]) == sorted((r["id"], r.get("mailbox")) for r in w["results"])
    ids = [x["id"] for x in m["evidence"]]
    assert len(ids) == len(set(ids)), "evidence ids stay unique after the merge"
    cited = {i for r in m["results"] for i in r["evidence"]}
    assert cited <= set(ids), "every cited exchange is in the merged evidence"
    for name in ("junit.xml", "ctrf.json", "report.html", "summary.md"):
        assert (reports / "merged" / name).exists(), name
    twice = run_ewscheck("report", "merge", "--reports-dir", reports, "shard1", "shard1", "--into", "x")
    assert twice.returncode == 64 and "shard1" in twice.stderr, describe(twice)
    overlap = run_ewscheck("report", "merge", "--reports-dir", reports, "shard1", "whole", "--into", "y")
    assert overlap.returncode == 64 and "overlap" in overlap.stderr, describe(overlap)
