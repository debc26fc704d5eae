"""Negotiate with real Kerberos, judged by clients independent of ewscheck's own GSS-API code:
MIT `kinit` + `curl --negotiate`, and exchangelib over requests-gssapi (python-gssapi), with
tickets from the throwaway MIT KDC that `ewscheck simulate --kerberos` starts.

No password is used: tickets come from the realm's keytab files, into a cache private to the test.
"""

from __future__ import annotations

import base64
import json
import os
import socket

import pytest

from conftest import MAILBOXES, describe, run

ALICE = MAILBOXES[0]


@pytest.fixture(scope="module")
def krb(start_simulator, tmp_path_factory):
    """The simulator with Kerberos behind Negotiate, its realm, and a ticket for the service
    account in a private cache (KRB5_CONFIG and KRB5CCNAME in `env`)."""
    simulator = start_simulator(tmp_path_factory.mktemp("krb") / "state", "--kerberos")
    info = json.loads((simulator.state_dir / "kerberos.json").read_text())
    caches = tmp_path_factory.mktemp("krbcc")
    caches.chmod(0o700)
    env = dict(os.environ, KRB5_CONFIG=info["krb5_config"], KRB5CCNAME=f"FILE:{caches}/cc")
    kinit = run(["kinit", "-k", "-t", info["service_account_keytab"], info["service_account_principal"]], env=env)
    assert kinit.returncode == 0, describe(kinit)
    yield simulator, info, env
    run(["kdestroy"], env=env)
    simulator.stop()


def served(simulator, **match) -> list[dict]:
    return [r for r in simulator.requests() if r["status"] == 200 and all(r.get(k) == v for k, v in match.items())]


def test_curl_negotiate_gets_in_with_kerberos(krb):
    simulator, info, env = krb
    ews_url = simulator.info["ews_url"]
    result = run(
        ["curl", "-sS", "--negotiate", "-u", ":", "--cacert", simulator.ca_file,
         "--resolve", f"mail.contoso.com:{simulator.port}:127.0.0.1",
         "-o", "/dev/null", "-D", "-", "-w", "status=%{http_code}\n", ews_url],
        env=env,
    )
    assert result.returncode == 0, describe(result)
    assert "status=200" in result.stdout, describe(result)
    # The 200 carries the server's mutual-authentication token, as IIS sends it.
    assert "www-authenticate: negotiate " in result.stdout.lower()
    assert served(simulator, auth_scheme="Negotiate", auth_mechanism="Kerberos 5",
                  user=simulator.service_account["username"]), simulator.requests()[-3:]


def test_curl_without_a_ticket_is_refused(krb, tmp_path):
    simulator, info, env = krb
    empty = dict(env, KRB5CCNAME=f"FILE:{tmp_path}/none")
    result = run(
        ["curl", "-sS", "--negotiate", "-u", ":", "--cacert", simulator.ca_file,
         "--resolve", f"mail.contoso.com:{simulator.port}:127.0.0.1",
         "-o", "/dev/null", "-w", "status=%{http_code}\n", simulator.info["ews_url"]],
        env=empty,
    )
    assert "status=401" in result.stdout, describe(result)


@pytest.fixture
def pinned(monkeypatch, krb):
    """mail.contoso.com resolves to 127.0.0.1 in this process (what curl's --resolve does), so
    exchangelib addresses the server by the name its certificate and its SPN carry."""
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        return real("127.0.0.1" if host == "mail.contoso.com" else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    _, _, env = krb
    # python-gssapi reads the realm and the cache from the environment, like every MIT client.
    monkeypatch.setenv("KRB5_CONFIG", env["KRB5_CONFIG"])
    monkeypatch.setenv("KRB5CCNAME", env["KRB5CCNAME"])


def test_exchangelib_with_requests_gssapi_impersonates_with_a_kerberos_ticket(krb, pinned):
    from exchangelib import GSSAPI, IMPERSONATION, Account, Configuration, FailFast, Version, close_connections
    from exchangelib.protocol import BaseProtocol, NoVerifyHTTPAdapter  # noqa: F401
    from exchangelib.version import Build
    import requests.adapters

    simulator, info, env = krb
    ca_file = str(simulator.ca_file)

    class SimulatorCA(requests.adapters.HTTPAdapter):
        def cert_verify(self, conn, url, verify, cert):
            super().cert_verify(conn=conn, url=url, verify=ca_file, cert=cert)

    saved = BaseProtocol.HTTP_ADAPTER_CLS
    BaseProtocol.HTTP_ADAPTER_CLS = SimulatorCA
    try:
        config = Configuration(
            service_endpoint=simulator.info["ews_url"],
            auth_type=GSSAPI,
            version=Version(build=Build(15, 1, 2507, 6)),
            retry_policy=FailFast(),
        )
        account = Account(primary_smtp_address=ALICE, config=config, autodiscover=False, access_type=IMPERSONATION)
        count = account.inbox.all().count()
        assert count >= 0
    finally:
        close_connections()
        BaseProtocol.HTTP_ADAPTER_CLS = saved
    rows = served(simulator, auth_mechanism="Kerberos 5", impersonated=ALICE)
    assert rows, simulator.requests()[-3:]
    assert rows[-1]["user"] == simulator.service_account["username"]


def test_ntlm_inside_negotiate_still_works_with_kerberos_on(krb):
    """Windows sends raw NTLMSSP under the Negotiate scheme when it has no ticket; Exchange takes
    it. pyspnego's NTLM initiator plays that client, over one kept-alive connection."""
    import requests
    import spnego

    simulator, _, _ = krb
    account = simulator.service_account
    client = spnego.client(f"{simulator.info['netbios_domain']}\\{account['sam_account_name']}", simulator.password,
                           protocol="ntlm")
    url = simulator.info["loopback_ews_url"]
    ca = str(simulator.ca_file)  # per request: REQUESTS_CA_BUNDLE would override a session's verify
    with requests.Session() as session:
        first = session.get(url, verify=ca, headers={"Authorization": "Negotiate " + base64.b64encode(client.step()).decode()})
        assert first.status_code == 401
        challenge = first.headers["WWW-Authenticate"]
        assert challenge.startswith("Negotiate "), challenge
        answer = client.step(base64.b64decode(challenge.split(" ", 1)[1]))
        second = session.get(url, verify=ca, headers={"Authorization": "Negotiate " + base64.b64encode(answer).decode()})
        assert second.status_code == 200
    rows = served(simulator, auth_scheme="Negotiate", user=account["username"])
    assert rows and rows[-1].get("auth_mechanism") is None  # NTLM, not a GSS-API mechanism


def test_demo_with_kerberos_writes_a_report_the_schema_accepts(run_ewscheck, python_tool, tmp_path):
    """`ewscheck demo --auth negotiate` starts its own KDC; its report.json (auth_scheme Negotiate,
    the Kerberos facts) is valid against docs/report.schema.json and holds no token."""
    from conftest import REPORT_SCHEMA

    reports = tmp_path / "reports"
    demo = run_ewscheck("demo", "--auth", "negotiate", "--must-fail-auth", "--reports-dir", reports,
                        "--state-dir", tmp_path / "state")
    assert demo.returncode == 0, describe(demo)
    report_file = reports / "latest" / "report.json"
    valid = run([python_tool("check-jsonschema"), "--schemafile", REPORT_SCHEMA, report_file])
    assert valid.returncode == 0, describe(valid)
    report = json.loads(report_file.read_text())
    assert report["target"]["auth_scheme"] == "Negotiate"
    kerberos = {r["id"]: r for r in report["results"]}["auth.negotiate.kerberos"]
    assert kerberos["outcome"] == "passed" and kerberos["facts"]["mechanism"] == "Kerberos 5"
    text = report_file.read_text()
    assert "Negotiate YII" not in text and "Negotiate oY" not in text
