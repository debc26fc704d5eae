"""The auth checks end to end through the real binary: `ewscheck demo --must-fail-auth`, on
Exchange Online with a certificate (signed client assertion) and on premises with NTLM, and a
sentinel scan of everything the run wrote for the key, the client secret and any assertion."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import EXIT_OK, describe


def results(reports: Path) -> dict[str, dict]:
    report = json.loads((reports / "latest" / "report.json").read_text())
    return {r["id"] + (f"[{r['mailbox']}]" if r.get("mailbox") else ""): r for r in report["results"]}


def written(*dirs: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for d in dirs for p in d.rglob("*") if p.is_file() and not p.is_symlink()}


def test_exchange_online_demo_with_certificate_and_must_fail(run_ewscheck, tmp_path):
    state, reports = tmp_path / "state", tmp_path / "reports"
    result = run_ewscheck("demo", "--profile", "exchange-online", "--oauth-certificate", "--must-fail-auth",
                          "--state-dir", state, "--reports-dir", reports)
    assert result.returncode == EXIT_OK, describe(result)
    r = results(reports)
    token = r["auth.oauth.token"]
    assert token["outcome"] == "passed", token["message"]
    info = json.loads((state / "simulator.json").read_text())["oauth"]
    assert token["facts"]["client_authentication"].startswith(f"certificate {info['client_certificate_thumbprint']}")
    for check in ("auth.schemes.offered", "auth.must-fail.app-only-without-impersonation", "auth.must-fail.expired-token",
                  "auth.must-fail.delegated-with-impersonation"):
        assert r[check]["outcome"] == "passed", (check, r[check]["message"])
    assert "auth.must-fail.wrong-password" not in r

    # Sentinels: every line of the key body, the client secrets, and the assertion's form field.
    key_lines = [l for l in Path(info["client_key_file"]).read_text().splitlines() if l and not l.startswith("-----")]
    secrets = [Path(a["client_secret_file"]).read_text() for a in info["applications"]]
    secrets.append(Path(info["delegated_token_file"]).read_text())
    sources = {"stdout": result.stdout.encode(), "stderr": result.stderr.encode()} | written(reports)
    sources[str(state / "requests.jsonl")] = (state / "requests.jsonl").read_bytes()
    for where, data in sources.items():
        for line in key_lines:
            assert line.encode() not in data, f"a line of the private key is in {where}"
        for secret in secrets:
            assert secret.encode() not in data, f"a client secret or the delegated token is in {where}"
        assert b"client_assertion=" not in data, f"a client assertion form field is in {where}"
        assert b"urn:ietf:params:oauth:client-assertion-type" not in data, f"the assertion request body is in {where}"


def test_on_premises_demo_must_fail_wrong_password_once(run_ewscheck, tmp_path):
    state, reports = tmp_path / "state", tmp_path / "reports"
    result = run_ewscheck("demo", "--must-fail-auth", "--state-dir", state, "--reports-dir", reports)
    assert result.returncode == EXIT_OK, describe(result)
    check = results(reports)["auth.must-fail.wrong-password"]
    assert check["outcome"] == "passed", check["message"]
    assert "lockout" in check["message"] and check["facts"]["attempts"] == "1"
    assert "auth.must-fail.expired-token" not in results(reports)


def test_digest_run_against_simulate_leaks_nothing(start_simulator, run_ewscheck, tmp_path):
    """`simulate --digest SHA-256`, then `run` with `auth: digest`: libcurl's Digest is accepted, the
    must-fail wrong password is refused once, and the password is in no output, report or log."""
    sim = start_simulator(tmp_path / "state", "--digest", "SHA-256")
    target = tmp_path / "digest.yaml"
    text = sim.target_file.read_text().replace("auth: ntlm", "auth: digest")
    text = text.replace("password_file: secrets/", f"password_file: {sim.state_dir}/secrets/").replace("ca_file: ca.pem", f"ca_file: {sim.ca_file}")
    target.write_text(text + "must_fail_auth: true\n")
    reports = tmp_path / "reports"
    result = run_ewscheck("run", "--target", target, "--reports-dir", reports)
    assert result.returncode == EXIT_OK, describe(result)
    r = results(reports)
    assert r["auth.service-account"]["outcome"] == "passed" and r["auth.service-account"]["facts"]["scheme"] == "Digest"
    assert r["auth.must-fail.wrong-password"]["outcome"] == "passed"
    requests = [json.loads(l) for l in sim.request_log.read_text().splitlines()]
    assert any(q.get("auth_scheme") == "Digest" and q.get("status") == 200 for q in requests), "no Digest-authenticated request"
    password = sim.password.encode()
    sources = {"stdout": result.stdout.encode(), "stderr": result.stderr.encode(), "requests.jsonl": sim.request_log.read_bytes()}
    for where, data in (sources | written(reports)).items():
        assert password not in data, f"the password is in {where}"
