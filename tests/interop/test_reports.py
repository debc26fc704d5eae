"""The reports and exit codes of `ewscheck demo` and `ewscheck run`, checked with independent tools:
xmllint and the Jenkins xUnit schema, junitparser, check-jsonschema."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from junitparser import Error, Failure, JUnitXml, Skipped, TestSuite

from conftest import (
    EXIT_CHECK_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    JUNIT_XSD,
    MAILBOXES,
    REPORT_SCHEMA,
    describe,
    run,
    target_copy,
)

OUTCOMES = ("passed", "failed", "skipped", "errored", "expected_failure", "unexpected_pass")
SUMMARY_KEY = {
    "passed": "passed",
    "failed": "failed",
    "skipped": "skipped",
    "errored": "errored",
    "expected_failure": "expected_failures",
    "unexpected_pass": "unexpected_passes",
}
CORE_CHECKS = {
    "ews.endpoint.reachable",
    "auth.service-account",
    "ews.server-version",
    "impersonation.primary-smtp.getfolder",
    "impersonation.out-of-scope.denied",
    "impersonation.nonexistent-mailbox.rejected",
    "voicemail.deliver",
    "voicemail.readback",
    "voicemail.delete",
}
DEPENDS_ON_AUTH = ("impersonation.", "voicemail.")
CRASH_SIGNS = re.compile(r"Traceback|Fatal error|Stack dump|stack trace|Backtrace|crashed|SIGSEGV|SIGILL|SIGTRAP")


def run_dir(reports_dir: Path) -> Path:
    """The one run directory `latest` must point at."""
    latest = reports_dir / "latest"
    assert latest.is_symlink(), f"{latest} is not a symlink (entries: {sorted(p.name for p in reports_dir.iterdir())})"
    return latest.resolve()


def load_report(reports_dir: Path) -> dict:
    return json.loads((run_dir(reports_dir) / "report.json").read_text())


def assert_clean_usage_error(result, *needles):
    assert result.returncode == EXIT_USAGE, describe(result)
    for needle in needles:
        assert needle in result.stderr, f"stderr does not name {needle!r}:\n{result.stderr}"
    assert not CRASH_SIGNS.search(result.stderr), f"stderr looks like a crash:\n{result.stderr}"


# --------------------------------------------------------------------------------------------
# A clean demo run


@pytest.fixture(scope="module")
def demo(run_ewscheck, tmp_path_factory):
    base = tmp_path_factory.mktemp("demo")
    reports, state = base / "reports", base / "state"
    result = run_ewscheck("demo", "--reports-dir", reports, "--state-dir", state)
    return result, reports


def test_demo_exits_zero(demo):
    result, _ = demo
    assert result.returncode == EXIT_OK, describe(result)


def test_demo_latest_points_at_its_only_run(demo):
    _, reports = demo
    runs = [p for p in reports.iterdir() if p.name != "latest"]
    assert len(runs) == 1 and runs[0].is_dir(), f"expected one run directory, found {sorted(p.name for p in runs)}"
    assert run_dir(reports) == runs[0].resolve()
    assert (runs[0] / "report.json").is_file() and (runs[0] / "junit.xml").is_file()


def test_demo_junit_is_valid_for_jenkins_xunit(demo):
    _, reports = demo
    junit = run_dir(reports) / "junit.xml"
    result = run(["xmllint", "--noout", "--schema", JUNIT_XSD, junit], timeout=60)
    assert result.returncode == 0, describe(result)


def test_demo_junit_counts_match_report_summary(demo):
    _, reports = demo
    summary = load_report(reports)["summary"]
    xml = JUnitXml.fromfile(str(run_dir(reports) / "junit.xml"))
    suites = [xml] if isinstance(xml, TestSuite) else list(xml)
    cases = [case for suite in suites for case in suite]
    kinds = Counter()
    for case in cases:
        kinds[next((type(r).__name__ for r in case.result if isinstance(r, (Failure, Error, Skipped))), "pass")] += 1
    declared = dict(
        tests=sum(int(s.tests or 0) for s in suites),
        failures=sum(int(s.failures or 0) for s in suites),
        errors=sum(int(s.errors or 0) for s in suites),
        skipped=sum(int(s.skipped or 0) for s in suites),
    )
    counted = dict(tests=len(cases), failures=kinds["Failure"], errors=kinds["Error"], skipped=kinds["Skipped"])
    # xfail is a skip with a reason and a strict unexpected pass is a failure, as pytest reports them.
    expected = dict(
        tests=summary["total"],
        failures=summary["failed"] + summary["unexpected_passes"],
        errors=summary["errored"],
        skipped=summary["skipped"] + summary["expected_failures"],
    )
    assert counted == expected, f"JUnit test cases {counted} != report.json summary {summary}"
    assert declared == expected, f"JUnit suite attributes {declared} != report.json summary {summary}"


def test_demo_report_json_is_valid_for_its_schema(demo, python_tool):
    _, reports = demo
    assert REPORT_SCHEMA.is_file(), f"{REPORT_SCHEMA} is missing"
    result = run(
        [python_tool("check-jsonschema"), "--schemafile", REPORT_SCHEMA, run_dir(reports) / "report.json"],
        timeout=60,
    )
    assert result.returncode == 0, describe(result)


def test_demo_summary_counts_its_results(demo):
    _, reports = demo
    report = load_report(reports)
    outcomes = Counter(r["outcome"] for r in report["results"])
    assert set(outcomes) <= set(OUTCOMES), f"unknown outcomes: {set(outcomes) - set(OUTCOMES)}"
    expected = {"total": len(report["results"])} | {SUMMARY_KEY[o]: outcomes[o] for o in OUTCOMES}
    # Failures (and unexpected passes) of checks that are not `required`: they leave the verdict alone.
    expected["not_required_failures"] = sum(
        1 for r in report["results"]
        if r["outcome"] in ("failed", "unexpected_pass") and r.get("level", "required") != "required"
    )
    assert report["summary"] == expected


def test_demo_every_check_passed(demo):
    _, reports = demo
    results = load_report(reports)["results"]
    not_passed = [f"{r['id']} [{r.get('mailbox')}]: {r['outcome']}: {r.get('message')}" for r in results
                  if r["outcome"] != "passed"]
    assert not not_passed, "checks that did not pass:\n" + "\n".join(not_passed)
    missing = CORE_CHECKS - {r["id"] for r in results}
    assert not missing, f"the demo ran none of {sorted(missing)}"
    getfolder = sorted(r["mailbox"] for r in results if r["id"] == "impersonation.primary-smtp.getfolder")
    assert getfolder == sorted(MAILBOXES), "impersonation.primary-smtp.getfolder must run once per mailbox"


# --------------------------------------------------------------------------------------------
# A run whose service account password is wrong


@pytest.fixture(scope="module")
def wrong_password(simulator, run_ewscheck, tmp_path_factory):
    base = tmp_path_factory.mktemp("wrong-password")
    password_file = base / "wrong.password"
    password_file.write_text("not-the-" + simulator.password[:4])

    def use_wrong_password(target):
        account = target["service_account"]
        account.pop("password_env", None)
        account["password_file"] = str(password_file)

    target = target_copy(simulator, base / "target.yaml", use_wrong_password)
    reports = base / "reports"
    result = run_ewscheck("run", "--target", target, "--reports-dir", reports, "--run-id", "wrong-password")
    return result, reports


def test_wrong_password_exits_one(wrong_password):
    result, _ = wrong_password
    assert result.returncode == EXIT_CHECK_FAILED, describe(result)


def test_wrong_password_writes_the_named_run(wrong_password):
    _, reports = wrong_password
    assert run_dir(reports) == (reports / "wrong-password").resolve()
    assert (reports / "wrong-password" / "report.json").is_file()


def test_wrong_password_fails_the_auth_check(wrong_password):
    _, reports = wrong_password
    auth = [r for r in load_report(reports)["results"] if r["id"] == "auth.service-account"]
    assert [r["outcome"] for r in auth] == ["failed"], auth


def test_wrong_password_skips_what_needs_auth_and_says_why(wrong_password):
    _, reports = wrong_password
    dependent = [r for r in load_report(reports)["results"] if r["id"].startswith(DEPENDS_ON_AUTH)]
    assert dependent, "the report has no impersonation or voicemail results at all"
    wrong = [f"{r['id']} [{r.get('mailbox')}]: {r['outcome']}: {r.get('message')}" for r in dependent
             if r["outcome"] != "skipped" or "auth.service-account" not in (r.get("message") or "")]
    assert not wrong, "these should be skipped with a reason naming auth.service-account:\n" + "\n".join(wrong)


# --------------------------------------------------------------------------------------------
# Configuration errors are usage errors (64), told plainly


@pytest.mark.parametrize(
    "section,key",
    [(None, "frobnicate"), ("service_account", "pasword_file")],
    ids=["top-level", "in-service_account"],
)
def test_unknown_target_key_is_a_usage_error(simulator, run_ewscheck, tmp_path, section, key):
    def add_unknown_key(target):
        (target if section is None else target[section])[key] = "x"

    target = target_copy(simulator, tmp_path / "target.yaml", add_unknown_key)
    result = run_ewscheck("run", "--target", target, "--reports-dir", tmp_path / "reports", timeout=60)
    assert_clean_usage_error(result, key)


def test_missing_password_file_is_a_usage_error(simulator, run_ewscheck, tmp_path):
    missing = tmp_path / "no-such-dir" / "svc.password"

    def point_at_missing_file(target):
        account = target["service_account"]
        account.pop("password_env", None)
        account["password_file"] = str(missing)

    target = target_copy(simulator, tmp_path / "target.yaml", point_at_missing_file)
    result = run_ewscheck("run", "--target", target, "--reports-dir", tmp_path / "reports", timeout=60)
    assert_clean_usage_error(result, str(missing))
