"""The real `ewscheck run` against a hostile provider (hostile_server.py), one run per behaviour.

Every behaviour must give: the named outcome (a check, or the "could not test" root cause, whose
message names what the server did), an orderly exit (0, 1 or 2; no crash), no hang beyond the
configured timeouts, a report.json that parses and validates against docs/report.schema.json, a
junit.xml valid against the Jenkins xUnit schema, no request with credentials on the plain-HTTP trap
listener or at the foreign host, and the service account's password in no artifact in any form.
The size behaviours also run under an address-space limit (RLIMIT_AS).
"""

from __future__ import annotations

import json
import os
import re
import resource
import socket
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import EWSCHECK, JUNIT_XSD, REPORT_SCHEMA, describe, dump_yaml, run
from hostile_server import BEHAVIOURS, DOMAIN, FOREIGN_HOST, Hostile, all_names, make_certificates
from test_secrets import files_under, leaks, secret_forms

CONNECT_TIMEOUT = 2
REQUEST_TIMEOUT = 3
# The size behaviours send tens of MiB: a loaded CI machine must not turn "too large" into "timed out".
SIZE_REQUEST_TIMEOUT = 20
SIZE_BEHAVIOURS = {"huge-body", "huge-header", "many-headers", "xml-many-elements", "xml-huge-attribute", "xml-deep-nesting"}
OVERALL_TIMEOUT = 40
# Wall-clock bound for one run: the overall limit plus the exit's bounded cleanup.
RUN_BOUND = OVERALL_TIMEOUT + 15
# Every behaviour meets the checks it is about: discovery, the endpoint, auth, version, impersonation,
# the voicemail round trip and cleanup. The other families (contact-center scenarios) only make the
# runs longer; one conformant behaviour runs the whole catalogue.
CORE_CHECKS = ["discovery", "ews.endpoint.reachable", "auth.service-account", "ews.server-version",
               "ews.request-version.exchange2016", "impersonation", "voicemail", "suite.cleanup.complete"]
FULL_RUN = {"xml-odd-prefixes"}
# Behaviours about the provider's WSDL also run the check that reads it (the others leave it out:
# fetching the WSDL would only lengthen the timing behaviours).
WSDL_RUN = {"wsdl-foreign-address"}
ADDRESS_SPACE_LIMIT = int(float(os.environ.get("HOSTILE_AS_GIB", "1")) * 1024**3)  # bytes; the size behaviours run under it


@dataclass(frozen=True)
class Expect:
    """The named outcome: `check` (or "could-not-test") has `outcome` and its message matches `pattern`."""

    check: str
    pattern: str
    outcome: str = "failed"
    xfail: str | None = None  # why ewscheck's behaviour is still wrong here


NOT_EWS = r"not with EWS: HTTP 200, not an EWS response: "
AUTH = "auth.service-account"
CNT = "could-not-test"
CNT_OUT = "could not test"
DISCOVERY_CHECKS = "discovery.pox.autodiscover-host"

EXPECTATIONS: dict[str, Expect] = {
    # XML: refused by the entry point, named, before libxml2 sees a DTD
    "xml-malformed": Expect(AUTH, NOT_EWS + r".*a tag is not closed"),
    "xml-billion-laughs": Expect(AUTH, NOT_EWS + r".*<!DOCTYPE\) is not allowed.*refused before parsing"),
    "xml-external-entity": Expect(AUTH, NOT_EWS + r".*<!DOCTYPE\) is not allowed.*refused before parsing"),
    "xml-parameter-entity": Expect(AUTH, NOT_EWS + r".*<!DOCTYPE\) is not allowed.*refused before parsing"),
    "xml-deep-nesting": Expect(AUTH, NOT_EWS + r".*nest deeper than 128 levels"),
    "xml-many-elements": Expect(AUTH, NOT_EWS + r".*more than 4000000 elements"),
    "xml-huge-attribute": Expect(AUTH, NOT_EWS + r".*a tag of \d+ bytes \(attributes included\), more than the \d+ allowed"),
    "xml-invalid-utf8": Expect(AUTH, NOT_EWS + r".*declared utf-8 but byte \d+ is not valid UTF-8"),
    "xml-utf16": Expect(AUTH, r"not an EWS response: the document is UTF-16"),
    "xml-nul-bytes": Expect(AUTH, NOT_EWS + r".*a NUL byte at offset \d+"),
    "xml-not-soap": Expect(AUTH, NOT_EWS + r".*document element is <Result>, not a SOAP Envelope"),
    "xml-odd-prefixes": Expect("voicemail.readback", r"same \d+ bytes", "passed"),
    "wsdl-foreign-address": Expect("ews.wsdl.service-address", r"names the service address https://evil\.example/EWS/Exchange\.asmx, on evil\.example, a host not allowed to receive the run's credentials.*not requested"),
    "xml-bom-and-comments": Expect("voicemail.readback", r"same \d+ bytes", "passed"),
    "soap12": Expect(AUTH, r"SOAP 1\.2 envelope answering a SOAP 1\.1 request"),
    "xml-xinclude": Expect("voicemail.readback", r"same \d+ bytes", "passed"),
    "xml-schema-location": Expect("voicemail.readback", r"same \d+ bytes", "passed"),
    "xml-undeclared-entity": Expect(AUTH, NOT_EWS + r".*Entity 'nbsp' not defined"),
    # sizes and timing: bounded by the configured request timeout
    "huge-body": Expect(AUTH, r"larger than 67108864 bytes", "errored"),
    "huge-header": Expect(AUTH, r"a response header line is too large", "errored"),
    "stalled-body": Expect(AUTH, r"timed-out: .*after 3\d\d\d milliseconds with \d+ out of \d+ bytes", "errored"),
    "stall-before-headers": Expect(AUTH, r"timed-out: .*after 3\d\d\d milliseconds with 0 bytes", "errored"),
    "slow-drip": Expect(AUTH, r"timed-out: .*after 3\d\d\d milliseconds", "errored"),
    "reset-mid-body": Expect(AUTH, r"Connection reset by peer", "errored"),
    "close-before-headers": Expect(AUTH, r"Empty reply from server", "errored"),
    "short-body": Expect(AUTH, r"transfer closed with \d+ bytes remaining", "errored"),
    "chunked-garbage": Expect(AUTH, r"chunked-encoding", "errored"),
    "garbage-status-line": Expect(AUTH, r"the answer is not HTTP \(no status line\)", "errored"),
    "many-headers": Expect(AUTH, r"Too large response headers", "errored"),
    "duplicate-content-length": Expect(AUTH, r"conflicting Content-Length headers \(\d+, \d+\)"),
    "gzip-unasked": Expect(AUTH, r"a body in Content-Encoding gzip, which the request did not ask for"),
    # HTTP
    "html-error-page": Expect(CNT, r"HTML page instead of SOAP: 500 - Internal server error\. — HTTP 500", CNT_OUT),
    "html-login-page": Expect(CNT, r"HTML page instead of SOAP: Sign in to your account — HTTP 200", CNT_OUT),
    "redirect-loop": Expect(CNT, r"redirects \(HTTP 302\) to https://mail\.redirect-loop\.", CNT_OUT),
    "redirect-to-http": Expect(CNT, r"redirects \(HTTP 302\) to http://", CNT_OUT),
    "redirect-foreign": Expect(CNT, r"redirects \(HTTP 302\) to https://evil\.example", CNT_OUT),
    "status-500-empty": Expect(AUTH, r"answered HTTP 500: no body"),
    "status-503-retry-after": Expect(CNT, r"HTTP 503 without SOAP: a gateway or load balancer", CNT_OUT),
    "status-404": Expect(CNT, r"answered HTTP 404: nothing at /EWS/Exchange\.asmx", CNT_OUT),
    "status-502-proxy": Expect(CNT, r"HTML page instead of SOAP: 502 Bad Gateway — HTTP 502", CNT_OUT),
    "status-407": Expect(AUTH, r"answered HTTP 407"),
    "json-instead-of-xml": Expect(AUTH, NOT_EWS),
    "empty-200": Expect(AUTH, NOT_EWS + r"document is empty"),
    "wrong-content-type": Expect(AUTH, r"wrong content type text/plain for a SOAP answer"),
    "status-429": Expect(AUTH, r"answered HTTP 429"),
    # SOAP faults and lost writes: the cause, not an unearned pass
    "bare-fault": Expect(AUTH, r"a bare SOAP fault s:Server \(\"Object reference .*without EWS detail"),
    "server-busy": Expect(AUTH, r"ErrorServerBusy"),
    "server-busy-on-create": Expect("voicemail.deliver", r"CreateItem .*ErrorServerBusy .*9 times in a row"),
    # One ErrorServerBusy with BackOffMilliseconds 50: waited, retried, and the delivery passes.
    "server-busy-once": Expect("voicemail.deliver", r"stored", "passed"),
    # Every CreateItem refused, every wait honoured: after 8 retries in a row, a refusal (failed), not throttling.
    "status-503-on-create": Expect("voicemail.deliver", r"CreateItem of a voicemail .*HTTP 503 with Retry-After 9 times in a row, each wait honoured"),
    "createitem-not-stored": Expect("voicemail.deliver", r"GetItem of the voicemail CreateItem just answered .*ErrorItemNotFound"),
    "getitem-other-itemid": Expect("voicemail.deliver", r"GetItem answered with another item \(ItemId"),
    "deleteitem-not-deleted": Expect("voicemail.delete", r"DeleteItem answered NoError but the item is still there"),
    "no-server-version": Expect("ews.server-version", r"no ServerVersionInfo"),
    "success-class-error-code": Expect("impersonation.primary-smtp.getfolder", r"ErrorInternalServerError"),
    "itemclass-changed": Expect("voicemail.deliver", r"ItemClass is IPM\.Note, not IPM\.Note\.Microsoft\.Voicemail"),
    "attachment-corrupted": Expect("voicemail.readback", r"GetAttachment returned \d+ bytes that differ from the \d+ delivered"),
    "unread-count-stuck": Expect("voicemail.message-waiting", r"unread count went from 0 to 0 after one new voicemail"),
    "impersonation-ignored": Expect("impersonation.out-of-scope.denied", r"read erin@contoso\.com's Inbox although it must be out of scope"),
    "nonexistent-mailbox-accepted": Expect("impersonation.nonexistent-mailbox.rejected", r"impersonating nobody@contoso\.com, which must not exist, succeeded"),
    # Autodiscover
    "ad-foreign-ews-url": Expect(DISCOVERY_CHECKS, r"named the EWS URL https://evil\.example.*outside .*not used, so no credentials are sent there"),
    "ad-redirect-addr-foreign": Expect(DISCOVERY_CHECKS, r"redirectAddr to alice@evil\.example, in another domain.*not followed"),
    "ad-redirect-addr-loop": Expect(DISCOVERY_CHECKS, r"redirect loop: redirectAddr back to"),
    "ad-redirect-addr-chain": Expect("discovery.endpoint", r"https://mail\.ad-redirect-addr-chain\.hostile\.test", "passed"),
    "ad-redirect-url-chain": Expect(DISCOVERY_CHECKS, r"gave up after 10 redirects"),
    "ad-http-redirect-loop": Expect(DISCOVERY_CHECKS, r"redirect loop: HTTP 302 back to"),
    "ad-html": Expect(DISCOVERY_CHECKS, r"an HTML page \(“Sign in to your account”\) instead of XML"),
    "ad-billion-laughs": Expect(DISCOVERY_CHECKS, r"<!DOCTYPE\) is not allowed.*refused before parsing"),
    "ad-nothing": Expect(CNT, r"Autodiscover found no EWS URL for alice@ad-nothing\.hostile\.test", CNT_OUT),
    "ad-ews-url-http": Expect(DISCOVERY_CHECKS, r"the EWS URL it names, http://\S+, is not https"),
    "ad-redirect-url-http": Expect(DISCOVERY_CHECKS, r"redirectUrl to http://\S+, a plain-http URL: refused"),
    "ad-http-redirect-foreign": Expect("discovery.http-redirect", r"HTTP 302 to https://evil\.example/\S+, outside .*not followed"),
    "ad-v2-deep-json": Expect("discovery.v2.autodiscover-host", r"but not with Autodiscover: .*(nesting|nested|levels)"),
    "ad-v2-huge-json": Expect("discovery.v2.autodiscover-host", r"but not with Autodiscover: answer larger than 256 KiB"),
    # TLS
    "tls-self-signed": Expect(CNT, r"TLS: the certificate is self-signed", CNT_OUT),
    "tls-wrong-host": Expect(CNT, r"TLS: the certificate does not name mail\.tls-wrong-host\.hostile\.test \(it names [^()]* and \d+ more\)", CNT_OUT),
    "tls-plain-http": Expect(CNT, r"no TLS session with mail\.tls-plain-http\.hostile\.test.*wrong version number", CNT_OUT),
    "tls-expired": Expect(CNT, r"TLS: the certificate has expired \(valid until Feb +1 00:00:00 2020 GMT\)", CNT_OUT),
    "tls-1.0-only": Expect(CNT, r"no TLS session with mail\.tls-1\.0-only\.hostile\.test.*protocol version", CNT_OUT),
    "tls-handshake-stall": Expect(CNT, r"no answer from mail\.tls-handshake-stall\.hostile\.test in time", CNT_OUT),
    # auth loops
    "auth-401-forever": Expect(AUTH, r"refused the service account's Basic credentials: HTTP 401.*server offers: Basic"),
    "auth-401-no-scheme": Expect(AUTH, r"HTTP 401.*server offers: nothing"),
    "auth-401-unknown-scheme": Expect(AUTH, r"HTTP 401.*server offers: X-Hostile-Token"),
    "auth-403": Expect(AUTH, r"answered HTTP 403"),
}
# Discovery behaviours end the run with one root cause, not a run against a placeholder.
DISCOVERY_ROOT_CAUSE = r"Autodiscover found no EWS URL"


def closed_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def hostile(simulator, tmp_path_factory):
    certs = make_certificates(tmp_path_factory.mktemp("hostile-certs"), all_names())
    server = Hostile(simulator.port, simulator.ca_file, certs)
    server.start()
    yield server
    server.stop()


def write_target(hostile: Hostile, simulator, behaviour: str, path: Path) -> Path:
    port = hostile.tls_port
    if behaviour == "tls-plain-http":
        port = hostile.trap_port
    elif behaviour == "tls-1.0-only":
        port = hostile.old_tls_port
    elif behaviour == "tls-handshake-stall":
        port = hostile.stall_port
    base = f"{behaviour}.{DOMAIN}"
    pins = [f"mail.{base}:{port}:127.0.0.1", f"{FOREIGN_HOST}:{hostile.tls_port}:127.0.0.1",
            f"{FOREIGN_HOST}:443:127.0.0.1:{hostile.tls_port}", f"mail.{base}:{hostile.trap_port}:127.0.0.1"]
    data = {
        "name": f"hostile provider: {behaviour}",
        "service_account": {
            "username": simulator.service_account["username"],
            "auth": "basic",
            "password_file": simulator.service_account["password_file"],
        },
        "mailboxes": ["alice@contoso.com"],
        "negative_controls": {"out_of_scope_mailbox": "erin@contoso.com", "nonexistent_mailbox": "nobody@contoso.com"},
        "tls": {"ca_file": str(hostile.certs.ca)},
        "timeouts": {"connect": CONNECT_TIMEOUT, "overall": OVERALL_TIMEOUT,
                     "request": SIZE_REQUEST_TIMEOUT if behaviour in SIZE_BEHAVIOURS else REQUEST_TIMEOUT},
        "host_pins": pins,
    }
    if behaviour.startswith("ad-"):
        data["discovery"] = {"address": f"alice@{base}", "dns_server": f"127.0.0.1:{closed_udp_port()}"}
        for name in (base, f"autodiscover.{base}"):
            pins += [f"{name}:443:127.0.0.1:{hostile.tls_port}", f"{name}:80:127.0.0.1:{hostile.trap_port}",
                     f"{name}:{hostile.tls_port}:127.0.0.1", f"{name}:{hostile.trap_port}:127.0.0.1"]
    else:
        data["ews_url"] = f"https://mail.{base}:{port}/EWS/Exchange.asmx"
    data["host_pins"] = list(dict.fromkeys(pins))
    dump_yaml(data, path)
    return path


def limit_address_space():
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT, ADDRESS_SPACE_LIMIT))


def named_outcome(report: dict, check: str) -> tuple[str, str]:
    """(outcome, message) of `check`, or ("could not test", summary) for the root cause."""
    if check == "could-not-test":
        cause = report.get("could_not_test")
        return ("could not test", cause["summary"]) if cause else ("absent", json.dumps(report["summary"]))
    results = [r for r in report["results"] if r["id"] == check or r["id"].startswith(check + "[")]
    if not results:
        return "absent", ", ".join(r["id"] for r in report["results"])
    for r in results:
        if r["outcome"] != "passed":
            return r["outcome"], r["message"]
    return results[0]["outcome"], results[0]["message"]


def run_behaviour(hostile, simulator, behaviour, tmp_path):
    target = write_target(hostile, simulator, behaviour, tmp_path / "target.yaml")
    reports = tmp_path / "reports"
    size_behaviour = behaviour in SIZE_BEHAVIOURS
    # The full run leaves out notifications.streaming: the hostile proxy buffers every answer
    # (Content-Length), so it cannot pass a GetStreamingEvents stream on (the check names that
    # buffering, after waiting out its window).
    only = (["--skip", "notifications.streaming"] if behaviour in FULL_RUN
            else [a for family in CORE_CHECKS + (["ews.wsdl.service-address"] if behaviour in WSDL_RUN else []) for a in ("--only", family)])
    started = time.monotonic()
    result = run(
        [EWSCHECK, "run", "--target", target, "--reports-dir", reports, "--run-id", "hostile", "--color", "never",
         "--evidence", "all", *only],
        timeout=RUN_BOUND,
        preexec_fn=limit_address_space if size_behaviour else None,
    )
    elapsed = time.monotonic() - started
    return result, reports / "hostile", elapsed


TIMING = {"stalled-body", "stall-before-headers", "slow-drip", "tls-handshake-stall"}


def test_every_behaviour_has_an_expectation():
    assert len(BEHAVIOURS) >= 40
    assert set(BEHAVIOURS) == set(EXPECTATIONS), set(BEHAVIOURS) ^ set(EXPECTATIONS)


@pytest.mark.parametrize("behaviour", sorted(BEHAVIOURS))
def test_hostile_behaviour(behaviour, hostile, simulator, tmp_path, python_tool):
    expect = EXPECTATIONS.get(behaviour)
    result, run_dir, elapsed = run_behaviour(hostile, simulator, behaviour, tmp_path)

    # no crash, no hang beyond the configured timeouts
    assert result.returncode in (0, 1, 2), describe(result)
    assert "Fatal error" not in result.stderr and "Segmentation" not in result.stderr, describe(result)
    bound = 2 * REQUEST_TIMEOUT + 3 if behaviour in TIMING else SIZE_REQUEST_TIMEOUT + 10 if behaviour in SIZE_BEHAVIOURS else 20
    assert elapsed < bound, f"{behaviour}: the run took {elapsed:.1f} s (bound {bound} s)"

    # complete, valid reports
    report_file = run_dir / "report.json"
    missing = [n for n in ("report.json", "junit.xml", "report.html", "summary.md", "ctrf.json") if not (run_dir / n).is_file()]
    assert not missing, f"{behaviour}: no {', '.join(missing)}\n{describe(result)}"
    json.loads((run_dir / "ctrf.json").read_text())
    report = json.loads(report_file.read_text())
    assert report["exit_code"] == result.returncode
    assert report["results"], f"{behaviour}: report.json lists no results"
    validation = run([python_tool("check-jsonschema"), "--schemafile", REPORT_SCHEMA, report_file], timeout=60)
    assert validation.returncode == 0, f"{behaviour}: report.json does not match the schema\n{describe(validation)}"
    junit = run(["xmllint", "--noout", "--schema", JUNIT_XSD, run_dir / "junit.xml"], timeout=60)
    assert junit.returncode == 0, f"{behaviour}: junit.xml is not valid\n{describe(junit)}"

    # credentials only where they belong; the XML parser fetched nothing
    trapped = [r for r in hostile.trap_records() if r.has_credentials]
    assert not trapped, f"{behaviour}: credentials reached the plain-HTTP trap: {trapped}"
    foreign = [r for r in hostile.records if r.host.split(":")[0] == FOREIGN_HOST and r.has_credentials]
    assert not foreign, f"{behaviour}: credentials reached {FOREIGN_HOST}: {foreign}"
    fetched = [r for r in hostile.trap_records() if r.path in ("/xxe", "/evil.dtd", "/xinclude", "/schema.xsd")]
    assert not fetched, f"{behaviour}: an external entity was fetched: {fetched}"

    # no secret anywhere
    sources = {"stdout": result.stdout.encode(), "stderr": result.stderr.encode()} | files_under(run_dir)
    found = leaks(secret_forms(simulator.state_dir), sources)
    assert not found, f"{behaviour}: secrets leaked:\n" + "\n".join(found)

    if behaviour.startswith("ad-") and expect and expect.outcome != "passed":
        cause = report.get("could_not_test") or {}
        assert cause.get("kind") == "discovery" and re.search(DISCOVERY_ROOT_CAUSE, cause.get("summary", "")), (
            f"{behaviour}: Autodiscover found nothing usable, so the run should stop with one root cause: {cause}")

    # the named outcome
    if expect is None:  # a new behaviour: say what it gave, so its expectation can be written
        cause = report.get("could_not_test")
        shown = [(r["id"], r["outcome"], r["message"][:300]) for r in report["results"]
                 if r["outcome"] != "passed" and "depends on" not in r["message"]][:4]
        pytest.fail(f"{behaviour} has no expectation; exit {result.returncode}, root cause {cause and cause['summary'][:300]}, "
                    f"first results not passed: {shown}")
    if expect.outcome == "passed" and not expect.xfail:  # a conformant oddity: the whole run conforms
        assert result.returncode == 0, describe(result)
    outcome, message = named_outcome(report, expect.check)
    named = outcome == expect.outcome and re.search(expect.pattern, message, re.I | re.S)
    if expect.xfail:
        if named:
            pytest.fail(f"{behaviour}: now gives the named outcome; remove its xfail ({expect.xfail})")
        pytest.xfail(expect.xfail)
    assert named, f"{behaviour}: expected {expect.check} {expect.outcome} matching /{expect.pattern}/, got {outcome}: {message}"
