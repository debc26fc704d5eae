"""ewscheck's NTLM (libcurl inside the binary) against an independent acceptor: pyspnego.

A small HTTPS server (ntlm_acceptor_server.py) authenticates each connection with
`spnego.server(protocol="ntlm")` and a `NTLM_USER_FILE`, and logs every handshake outcome.
`ewscheck run --target` points at it; the server's log, not ewscheck's own report, is the proof
that the handshake succeeded with the right password and failed with a wrong one.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import EXIT_CHECK_FAILED, EXIT_OK, describe, dump_yaml, run

SERVER = Path(__file__).with_name("ntlm_acceptor_server.py")
DOMAIN, USER = "CONTOSO", "svc-ntlm"


def openssl(*args: str, cwd: Path) -> None:
    result = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def acceptor(tmp_path_factory):
    """The pyspnego server on 127.0.0.1 with its own CA; yields (port, ca file, log file, password)."""
    d = tmp_path_factory.mktemp("ntlm-acceptor")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
            "-days", "2", "-subj", "/CN=pyspnego test CA", cwd=d)
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
            "-subj", "/CN=127.0.0.1", cwd=d)
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", "san.ext", cwd=d)
    password = "Sentinel-" + secrets.token_urlsafe(18)
    users = d / "ntlm_users"
    users.write_text(f"{DOMAIN}:{USER}:{password}\n")
    users.chmod(0o600)
    log, ready = d / "acceptor.jsonl", d / "port"
    env = dict(os.environ, NTLM_USER_FILE=str(users))
    process = subprocess.Popen([sys.executable, str(SERVER), str(d / "server.pem"), str(d / "server.key"), str(log), str(ready)],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while not ready.exists() or not ready.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the pyspnego acceptor did not start: {process.communicate()[1]}")
        time.sleep(0.05)
    yield int(ready.read_text()), d / "ca.pem", log, password
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()


def events(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def run_against(ewscheck: Path, acceptor, tmp_path: Path, password: str, *extra: str):
    """`ewscheck run` at the acceptor; returns (process result, report, new acceptor events)."""
    port, ca, log, _ = acceptor
    target = tmp_path / "target.yaml"
    dump_yaml({
        "name": "pyspnego NTLM acceptor",
        "ews_url": f"https://127.0.0.1:{port}/EWS/Exchange.asmx",
        "service_account": {"username": f"{DOMAIN}\\{USER}", "auth": "ntlm", "password_env": "EWSCHECK_NTLM_PASSWORD"},
        "mailboxes": ["alice@contoso.com"],
        "tls": {"ca_file": str(ca)},
        "concurrency": 1,
    }, target)
    before = len(events(log))
    reports = tmp_path / "reports"
    result = run([ewscheck, "run", "--target", target, "--reports-dir", reports, *extra],
                 env=dict(os.environ, EWSCHECK_NTLM_PASSWORD=password))
    report = json.loads((reports / "latest" / "report.json").read_text())
    return result, report, events(log)[before:]


def outcome(report: dict, check: str) -> str:
    return next(r["outcome"] for r in report["results"] if r["id"] == check)


def assert_no_secret(password: str, result, reports: Path) -> None:
    assert password not in result.stdout and password not in result.stderr
    for path in reports.rglob("*"):
        if path.is_file():
            assert password not in path.read_text(errors="replace"), path


def test_right_password_is_accepted_by_pyspnego(ewscheck, acceptor, tmp_path):
    password = acceptor[3]
    result, report, new = run_against(ewscheck, acceptor, tmp_path, password)
    assert result.returncode in (EXIT_OK, EXIT_CHECK_FAILED), describe(result)
    assert [e["event"] for e in new].count("rejected") == 0, new
    authenticated = [e for e in new if e["event"] == "authenticated"]
    assert authenticated, f"the acceptor logged no successful NTLM handshake: {new}\n{describe(result)}"
    assert all(e["user"].lower() == f"{DOMAIN}\\{USER}".lower() for e in authenticated), authenticated
    assert outcome(report, "auth.service-account") == "passed", describe(result)
    assert_no_secret(password, result, tmp_path / "reports")


def test_wrong_password_is_rejected_by_pyspnego(ewscheck, acceptor, tmp_path):
    wrong = "Wrong-" + secrets.token_urlsafe(18)
    result, report, new = run_against(ewscheck, acceptor, tmp_path, wrong)
    assert [e["event"] for e in new].count("authenticated") == 0, new
    assert any(e["event"] == "rejected" for e in new), f"the acceptor logged no refused handshake: {new}"
    assert outcome(report, "auth.service-account") == "failed", describe(result)
    assert_no_secret(wrong, result, tmp_path / "reports")


def test_must_fail_wrong_password_costs_exactly_one_rejected_handshake(ewscheck, acceptor, tmp_path):
    password = acceptor[3]
    result, report, new = run_against(ewscheck, acceptor, tmp_path, password, "--must-fail-auth")
    assert outcome(report, "auth.must-fail.wrong-password") == "passed", describe(result)
    assert [e["event"] for e in new].count("rejected") == 1, new
    assert outcome(report, "auth.service-account") == "passed", describe(result)
    assert_no_secret(password, result, tmp_path / "reports")
