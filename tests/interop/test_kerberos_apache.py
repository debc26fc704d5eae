"""ewscheck's Negotiate judged by a GSS-API web server that is not ours: Debian's Apache with
mod_auth_gssapi authenticates the Kerberos ticket (with the realm's HTTP/mail.contoso.com keytab)
and proxies to the simulator, so the simulator's acceptor is not the only judge of our client.

Apache authenticates the proxied request to the simulator with Basic as the service account
(a header set in the proxy's config, which lives in the test's temporary folder only).
"""

from __future__ import annotations

import base64
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import describe, dump_yaml, run
from test_kerberos import krb  # noqa: F401 - the shared Kerberos simulator fixture

APACHE = "/usr/sbin/apache2"
MODULES = Path("/usr/lib/apache2/modules")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Apache:
    """Apache in the foreground with its own config, on a free loopback port (retried when taken)."""

    def __init__(self, directory: Path, simulator, kerberos: dict, require: str):
        self.directory = directory
        directory.mkdir(parents=True)
        directory.chmod(0o755)
        cert, key = directory / "cert.pem", directory / "key.pem"
        made = run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                    "-subj", "/CN=mail.contoso.com", "-addext", "subjectAltName=DNS:mail.contoso.com"])
        assert made.returncode == 0, describe(made)
        self.cert = cert
        keytab = directory / "http.keytab"
        shutil.copy(Path(kerberos["krb5_config"]).parent / "http.keytab", keytab)
        keytab.chmod(0o600)
        self.as_root = os.geteuid() == 0
        if self.as_root:  # the worker processes run as www-data and read the keytab per request
            os.chown(keytab, pwd.getpwnam("www-data").pw_uid, -1)
        account = simulator.service_account
        basic = base64.b64encode(f"{account['username']}:{simulator.password}".encode()).decode()
        self.simulator_port = simulator.port
        self.ca = simulator.ca_file
        self.require = require
        self.basic = basic
        self.process = None
        for _ in range(5):
            self.port = free_port()
            if self.start():
                return
        pytest.fail(f"Apache did not start:\n{self.log()}", pytrace=False)

    def config(self) -> str:
        d = self.directory
        modules = ["mpm_event", "authn_core", "authz_core", "authz_user", "auth_gssapi", "headers", "proxy", "proxy_http", "ssl"]
        loads = "\n".join(f"LoadModule {m}_module {MODULES}/mod_{m}.so" for m in modules)
        user = "User www-data\nGroup www-data\n" if self.as_root else ""
        return f"""ServerRoot {d}
ServerName mail.contoso.com
Listen 127.0.0.1:{self.port}
{user}PidFile {d}/httpd.pid
ErrorLog {d}/error.log
LogLevel info
LogFormat "%u %>s %r" ewscheck
CustomLog {d}/access.log ewscheck
{loads}
SSLEngine on
SSLCertificateFile {self.cert}
SSLCertificateKeyFile {d}/key.pem
SSLProxyEngine on
SSLProxyCACertificateFile {self.ca}
SSLProxyCheckPeerName off
# As a front end of Exchange must: the back end sees the name the client asked for, so the
# Services.wsdl it serves names mail.contoso.com, not 127.0.0.1 (ews.wsdl.service-address).
ProxyPreserveHost On
<Location /EWS/>
  AuthType GSSAPI
  AuthName "EWS"
  GssapiCredStore keytab:{d}/http.keytab
  GssapiAllowedMech krb5
  GssapiBasicAuth Off
  Require {self.require}
  RequestHeader set Authorization "Basic {self.basic}"
  ProxyPass https://127.0.0.1:{self.simulator_port}/EWS/
</Location>
"""

    def start(self) -> bool:
        conf = self.directory / "httpd.conf"
        conf.write_text(self.config())
        conf.chmod(0o600)
        (self.directory / "error.log").write_text("")
        self.process = subprocess.Popen([APACHE, "-f", str(conf), "-DFOREGROUND"], stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if "resuming normal operations" in self.log():
                return True
            if self.process.poll() is not None:
                return False  # a port taken between free_port() and Listen: try another
            time.sleep(0.05)
        self.stop()
        pytest.fail(f"Apache did not start within 20 s:\n{self.log()}", pytrace=False)

    def log(self) -> str:
        path = self.directory / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def access(self) -> list[str]:
        path = self.directory / "access.log"
        return path.read_text().splitlines() if path.exists() else []

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


@pytest.fixture
def apache(krb):  # noqa: F811
    simulator, kerberos, _ = krb
    started = []
    # Not under pytest's tmp_path (mode 700 up the tree): Apache's workers (www-data) must reach the keytab.
    base = Path(tempfile.mkdtemp(prefix="ewscheck-apache-"))
    base.chmod(0o755)

    def start(require: str) -> Apache:
        server = Apache(base / f"apache{len(started)}", simulator, kerberos, require)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
    shutil.rmtree(base, ignore_errors=True)  # the config holds the proxy's Basic header


def run_against(apache_server: Apache, krb_info: dict, tmp_path: Path, run_ewscheck) -> tuple[subprocess.CompletedProcess, dict]:
    keytabs = Path(krb_info["krb5_config"]).parent
    target = tmp_path / "target.yaml"
    dump_yaml({
        "ews_url": f"https://mail.contoso.com:{apache_server.port}/EWS/Exchange.asmx",
        "service_account": {"username": krb_info["service_account_principal"], "auth": "negotiate",
                            "keytab_file": str(keytabs / "svc.keytab")},
        "mailboxes": ["alice@contoso.com", "bob@contoso.com"],
        "negative_controls": {"out_of_scope_mailbox": "erin@contoso.com", "nonexistent_mailbox": "nobody@contoso.com",
                              "kerberos_principal": krb_info["unmapped_principal"],
                              "kerberos_keytab_file": krb_info["unmapped_keytab"]},
        "tls": {"ca_file": str(apache_server.cert)},
        "host_pins": [f"mail.contoso.com:{apache_server.port}:127.0.0.1"],
        "must_fail_auth": True,
    }, target)
    reports = tmp_path / "reports"
    result = run_ewscheck("run", "--target", target, "--reports-dir", reports,
                          env=dict(os.environ, KRB5_CONFIG=krb_info["krb5_config"]))
    report = json.loads((reports / "latest" / "report.json").read_text())
    return result, {r["id"]: r for r in report["results"]}


def test_ewscheck_authenticates_to_mod_auth_gssapi(krb, apache, tmp_path, run_ewscheck):  # noqa: F811
    _, info, _ = krb
    server = apache(f"user {info['service_account_principal']}")
    result, results = run_against(server, info, tmp_path, run_ewscheck)
    assert result.returncode == 0, describe(result)
    kerberos = results["auth.negotiate.kerberos"]
    assert kerberos["outcome"] == "passed"
    assert kerberos["facts"]["mechanism"] == "Kerberos 5"
    assert kerberos["facts"]["mutual_authentication"] == "verified"  # Apache's token, verified by our initiator
    assert "mod_auth_gssapi" in results["ews.endpoint.reachable"]["facts"]["server"]
    # Apache, not the simulator, authenticated the principals: its log names them.
    access = server.access()
    assert any(line.startswith(f"{info['service_account_principal']} 200 POST /EWS/Exchange.asmx") for line in access), access[-5:]
    assert any(line.startswith("- 401 GET") for line in access), access[-5:]
    assert results["auth.must-fail.wrong-principal"]["outcome"] == "passed"


def test_a_proxy_letting_every_principal_in_fails_the_wrong_principal_check(krb, apache, tmp_path, run_ewscheck):  # noqa: F811
    _, info, _ = krb
    server = apache("valid-user")
    result, results = run_against(server, info, tmp_path, run_ewscheck)
    assert result.returncode == 1, describe(result)
    assert results["auth.must-fail.wrong-principal"]["outcome"] == "failed"
    assert results["auth.negotiate.kerberos"]["outcome"] == "passed"
    assert [r for r in results.values() if r["outcome"] == "failed"] == [results["auth.must-fail.wrong-principal"]]
    assert any(line.startswith(f"{info['unmapped_principal']} 200 GET") for line in server.access())
